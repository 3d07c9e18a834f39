"""`python -m rag bench scale`: both search engines on a synthetic corpus of N passages.

Texts are drawn from the seeds' own vocabulary with its word frequencies (60-160 words, like real
passages), dated over 2010-2024; vectors are random unit vectors of the embedding model's size
(embedding 200k passages would take hours on CPU and says nothing about the engines). Reports
insert throughput, hybrid query latency with a one-year date filter, memory, and the recall of
Milvus's hybrid top 10 against the in-process FAISS + BM25 top 10 on the same data.
"""

from __future__ import annotations

import random
import resource
import statistics
import time
from collections import Counter
from pathlib import Path

import numpy as np

from rag.bench.evaluate import percentile
from rag.core.schema import Passage
from rag.core.settings import PROJECT_DIR, Settings
from rag.lang.text import words
from rag.search.engine import Filters, Fusion, LocalEngine, SearchEngine


def synthetic(n: int, dimension: int, seed: int = 7) -> tuple[list[Passage], np.ndarray]:
    counts = Counter(w for p in (PROJECT_DIR / "seeds").iterdir() for w in words(p.read_text(encoding="utf-8")))
    vocabulary, weights = zip(*counts.items(), strict=True)
    rng = random.Random(seed)
    passages = []
    for i in range(n):
        text = " ".join(rng.choices(vocabulary, weights, k=rng.randint(60, 160)))
        date = f"{rng.randint(2010, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        source = f"synthetic-{i // 20:06d}.txt"
        passages.append(
            Passage(f"{source}:{i}", source, f"{source}#0", f"Article {i // 20}", None, date, "article", 0,
                    len(text), text, ((0, len(text)),))
        )  # fmt: skip
    vectors = np.random.default_rng(seed).standard_normal((n, dimension), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return passages, vectors


def _rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(settings: Settings, n: int = 200_000, queries: int = 100, dimension: int = 384) -> dict[str, object]:
    from rag.search.milvus import BundledServer, MilvusEngine, lite_folder

    t = time.perf_counter()
    passages, vectors = synthetic(n, dimension)
    generated = time.perf_counter() - t
    rng = random.Random(11)
    picks = [rng.randrange(n) for _ in range(queries)]
    asks = []
    for i in picks:
        ws = passages[i].text.split()
        start = rng.randrange(max(1, len(ws) - 6))
        noisy = vectors[i] + np.random.default_rng(i).standard_normal(dimension, dtype=np.float32) * 0.05
        year = rng.randint(2010, 2024)
        asks.append((" ".join(ws[start : start + 6]), noisy / np.linalg.norm(noisy), Filters(
            date_from=f"{year}-01-01", date_to=f"{year}-12-31")))  # fmt: skip
    # Milvus's RRF weighs its two rankings equally: the in-process engine is run the same way, so the
    # recall compares the engines, not two fusion settings.
    fusion = Fusion(settings.rrf_k, 1.0, 1.0)
    report: dict[str, object] = {"passages": n, "queries": queries, "generated_s": round(generated, 1)}

    rss0 = _rss_mb()
    local = LocalEngine([], None, k1=settings.bm25_k1, b=settings.bm25_b)
    t = time.perf_counter()
    local.upsert(passages, vectors)
    local.bm25  # noqa: B018 (built on first use: part of the insert)
    report["faiss"] = {"insert_per_s": round(n / (time.perf_counter() - t)), "memory_mb": round(_rss_mb() - rss0)}
    local_top, latency = _queries(local, asks, fusion)
    report["faiss"].update(latency)  # type: ignore[union-attr]

    folder = settings.index_dir / "bench-scale"
    server = BundledServer(lite_folder(settings), folder / f"scale-{n}.db")
    try:
        bm25 = (settings.bm25_k1, settings.bm25_b)
        engine = MilvusEngine(server.uri, f"scale_{n}", dimension, bm25=bm25)
        engine.client.drop_collection(engine.collection)  # a fresh collection: inserts are measured
        engine.close()
        engine = MilvusEngine(server.uri, f"scale_{n}", dimension, bm25=bm25)
        t = time.perf_counter()
        engine.sync({p.source: "synthetic" for p in passages}, passages, lambda rows: vectors[rows])  # indexing
        engine.client.flush(engine.collection)
        report["milvus"] = {"insert_per_s": round(n / (time.perf_counter() - t))}
        engine.search(asks[0][0], asks[0][1], 10, asks[0][2], "hybrid", fusion)  # loads the segments
        milvus_top, latency = _queries(engine, asks, fusion)
        report["milvus"].update(latency)  # type: ignore[union-attr]
        report["milvus"]["server_memory_mb"] = round(_rss_mb(server.server_pid or server.process.pid))  # type: ignore[index]
        report["recall_at_10_milvus_vs_faiss"] = round(
            statistics.mean(len(set(a) & set(b)) / max(1, len(a)) for a, b in zip(local_top, milvus_top, strict=True)),
            3,
        )
        report["milvus_server"] = server.address
        engine.close()
    finally:
        server.stop()
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return report


def _queries(engine: SearchEngine, asks: list[tuple[str, np.ndarray, Filters]], fusion: Fusion):  # type: ignore[no-untyped-def]
    """Each question's top 10 from `engine`, and the latency figures."""
    tops, times = [], []
    for query, vector, filters in asks:
        t = time.perf_counter()
        tops.append([r.id for r in engine.search(query, vector, 10, filters, "hybrid", fusion)])
        times.append((time.perf_counter() - t) * 1000)
    return tops, {
        "query_p50_ms": round(percentile(times, 0.5), 1),
        "query_p95_ms": round(percentile(times, 0.95), 1),
    }
