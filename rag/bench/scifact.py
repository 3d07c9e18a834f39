"""Retrieval quality on BEIR SciFact: `python -m rag bench scifact [--data DIR] [--split train test]`.

The corpus goes through the project's own path (cleaning, chunking, embedding, the on-disk index)
and the queries through the app's own `Retriever`, in each of its modes; a passage hit counts for
its document (max score). Beside them, the pipeline a user would otherwise pick: langchain's FAISS
vector store over RecursiveCharacterTextSplitter chunks, same model, default similarity search.

Embeddings are cached under `.cache/scifact/` by a hash of the corpus file and the settings that
shape the index, so a second run costs seconds. The baseline's cache is plain numpy + JSON (no pickle).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from rag.bench.evaluate import ndcg_at_k, recall_at_k
from rag.core.errors import DossierError, IndexError_
from rag.core.schema import Article, Segment
from rag.core.settings import PROJECT_DIR, Settings
from rag.index import store
from rag.index.build import embedding_text
from rag.index.chunk import split
from rag.index.embed import as_langchain, embedder_for, torch_threads
from rag.ingest.clean import parse
from rag.search.rerank import load_reranker
from rag.search.retrieve import Retriever

CACHE = PROJECT_DIR / ".cache" / "scifact"
DEFAULT_DATA = PROJECT_DIR.parent / "shared" / "bench" / "scifact"
"""Where the public benchmark data sits beside this checkout (optional: only the benchmark reads it)."""
MODES = ("dense", "lexical", "hybrid", "hybrid + rerank")
RERANK_DEPTH = 30  # hybrid candidates the cross-encoder rereads in the "hybrid + rerank" mode (unless set)
PUBLISHED = {
    "BM25 (BEIR)": 0.665,
    "all-MiniLM-L6-v2 (MTEB)": 0.645,
    "BM25 + cross-encoder (BEIR)": 0.688,
    "SPLADE++ (Anserini)": 0.704,
    "bge-small-en-v1.5 (MTEB)": 0.713,
}


@dataclasses.dataclass(frozen=True)
class Beir:
    docs: list[tuple[str, str, str]]  # (id, title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, set[str]]]  # split -> query id -> relevant doc ids
    digest: str


def load(data: Path) -> Beir:
    corpus = data / "corpus.jsonl.gz"
    if not corpus.is_file():
        raise DossierError(f"SciFact data not found in {data} (no corpus.jsonl.gz): pass --data DIR.")
    docs = [(str(d["_id"]), d.get("title", ""), d.get("text", "")) for d in _jsonl(corpus)]
    queries = {str(d["_id"]): d["text"] for d in _jsonl(data / "queries.jsonl.gz")}
    qrels: dict[str, dict[str, set[str]]] = {}
    for split_name in ("train", "test"):
        path = data / "qrels" / f"{split_name}.tsv.gz"
        if path.is_file():
            with gzip.open(path, "rt", encoding="utf-8") as f:
                rows = [line.rstrip("\r\n").split("\t") for line in f][1:]
            qrels[split_name] = {}
            for qid, did, score in rows:
                if int(score) > 0:
                    qrels[split_name].setdefault(qid, set()).add(did)
    return Beir(docs, queries, qrels, hashlib.sha256(corpus.read_bytes()).hexdigest()[:16])


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def article(doc_id: str, title: str, body: str) -> tuple[str, list[Article]]:
    """A BEIR record through the project's own loading: written as a page (title line, then the
    abstract) and cleaned by `clean.parse`; the record's title is kept as the article title."""
    text = f"{title}\n\n{body}\n" if title else f"{body}\n"
    found = parse(doc_id, text)
    if not found:  # nothing survived cleaning: index the record as it is rather than lose it
        start = len(title) + 2 if title else 0
        found = [
            Article(
                doc_id,
                title or doc_id,
                None,
                None,
                start,
                len(text) - 1,
                (Segment(start, len(text) - 1, "article", 0),),
            )
        ]
    return text, [dataclasses.replace(a, title=title or a.title) for a in found]


def build_index(settings: Settings, beir: Beir, progress: Callable[[int, str], Any]) -> Path:
    """The project's index of the SciFact corpus, cached by corpus hash and index-shaping settings
    (the batch size among them: int8 vectors depend a little on their batch-mates)."""
    key = hashlib.sha256(
        f"{beir.digest}|{len(beir.docs)}|{settings.embedder_id}|{settings.chunk_words}|"
        f"{settings.chunk_overlap_sentences}|{settings.embed_batch_size}|{store.FORMAT_VERSION}".encode()
    ).hexdigest()[:16]
    index_dir = CACHE / f"index-{key}"
    try:
        store.load(index_dir, settings.embedder_id)
        return index_dir
    except IndexError_:
        pass
    texts, articles, passages = {}, [], []
    for doc_id, title, body in beir.docs:
        text, found = article(doc_id, title, body)
        texts[doc_id] = text
        articles += found
        for a in found:
            passages += split(a, text, settings.chunk_words, settings.chunk_overlap_sentences)
    embedder = embedder_for(settings)
    bar = progress(len(passages), "Embedding SciFact passages")
    with torch_threads(settings.build_threads):
        vectors = embedder.embed([embedding_text(p) for p in passages], settings.embed_batch_size, bar.update)
    bar.close()
    counts: dict[str, int] = {}
    for p in passages:
        counts[p.source] = counts.get(p.source, 0) + 1
    files = {d: store.FileRecord(hashlib.sha256(t.encode()).hexdigest(), 1, counts.get(d, 0)) for d, t in texts.items()}
    manifest = store.Manifest(settings.embedder_id, embedder.dimension, files, time.time())
    with store.lock(index_dir):
        store.save(index_dir, manifest, passages, articles, texts, vectors)
    return index_dir


def _doc_ranking(hits: Iterable[tuple[str, float]], n: int = 100) -> list[tuple[str, float]]:
    """Passage hits -> documents, each scored by its best passage."""
    best: dict[str, float] = {}
    for doc, score in hits:
        if doc not in best or score > best[doc]:
            best[doc] = score
    return sorted(best.items(), key=lambda x: -x[1])[:n]


def run_modes(
    retriever: Retriever, queries: dict[str, str], vectors: dict[str, np.ndarray], modes: Iterable[str] = MODES
) -> tuple[dict[str, dict[str, list[tuple[str, float]]]], dict[str, float]]:
    modes = [m for m in modes if m != "hybrid + rerank" or retriever.reranker is not None]
    runs: dict[str, dict[str, list[tuple[str, float]]]] = {m: {} for m in modes}
    latency: dict[str, float] = {}
    for mode in modes:
        times = []
        for qid, text in queries.items():
            t0 = time.perf_counter()
            if mode == "hybrid + rerank":
                hits = retriever.search(text, k=300, mode="hybrid", query_vector=vectors[qid], rerank=False)
                n = retriever.settings.rerank_candidates or RERANK_DEPTH
                reranked = retriever.rerank(text, hits[:n], n)
                # The reranked head, then the rest in hybrid order: scores only need to keep that order.
                hits = [dataclasses.replace(h, score=1.0 / (1 + i)) for i, h in enumerate(reranked + hits[n:])]
            else:
                hits = retriever.search(text, k=300, mode=mode, query_vector=vectors[qid], rerank=False)
            times.append((time.perf_counter() - t0) * 1000)
            runs[mode][qid] = _doc_ranking((h.passage.source, h.score) for h in hits)
        latency[mode] = statistics.median(times)
    return runs, latency


def baseline(
    settings: Settings, beir: Beir, queries: dict[str, str], progress: Callable[[int, str], Any]
) -> tuple[dict[str, list[tuple[str, float]]], float]:
    """The tutorial pipeline: RecursiveCharacterTextSplitter(1000, 200) chunks of title + abstract
    in langchain's FAISS store, `similarity_search_with_score` (L2 distance: lower is better)."""
    import warnings

    with warnings.catch_warnings():
        # langchain-community announces its sunset on import; its FAISS store is still what the
        # tutorials use, which is the point of this baseline (only the benchmark imports it).
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    embeddings = as_langchain(embedder_for(settings))
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = splitter.split_documents(
        [Document(page_content=f"{title}\n{body}", metadata={"doc": doc_id}) for doc_id, title, body in beir.docs]
    )
    key = hashlib.sha256(f"{beir.digest}|{len(beir.docs)}|{settings.embedder_id}|lc-1000-200".encode()).hexdigest()[:16]
    cache = CACHE / f"baseline-{key}.npy"
    if cache.is_file():
        vectors = np.load(cache)
    else:
        bar = progress(len(docs), "Embedding baseline chunks")
        parts = []
        for i in range(0, len(docs), 256):
            batch = [d.page_content for d in docs[i : i + 256]]
            parts.append(np.asarray(embeddings.embed_documents(batch), dtype=np.float32))
            bar.update(len(batch))
        bar.close()
        vectors = np.vstack(parts)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
    vectorstore = FAISS.from_embeddings(
        [(d.page_content, v.tolist()) for d, v in zip(docs, vectors, strict=True)],
        embeddings,
        metadatas=[d.metadata for d in docs],
    )
    run, times = {}, []
    for qid, text in queries.items():
        t0 = time.perf_counter()
        found = vectorstore.similarity_search_with_score(text, k=100)
        times.append((time.perf_counter() - t0) * 1000)
        run[qid] = _doc_ranking(((d.metadata["doc"], -float(dist)) for d, dist in found))
    return run, statistics.median(times)


def score_run(run: dict[str, list[tuple[str, float]]], qrels: dict[str, set[str]]) -> dict[str, float]:
    ids = [q for q in qrels if q in run]
    rankings = {q: [d for d, _ in run[q]] for q in ids}
    return {
        "ndcg@10": round(statistics.fmean(ndcg_at_k(rankings[q], qrels[q], 10) for q in ids), 4),
        "recall@10": round(statistics.fmean(recall_at_k(rankings[q], qrels[q], 10) for q in ids), 4),
        "recall@100": round(statistics.fmean(recall_at_k(rankings[q], qrels[q], 100) for q in ids), 4),
    }


def write_trec(run: dict[str, list[tuple[str, float]]], path: Path, tag: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for qid, ranking in run.items():
            for rank, (doc, score) in enumerate(ranking, 1):
                f.write(f"{qid} Q0 {doc} {rank} {score:.6f} {tag}\n")


def _tqdm(total: int, desc: str) -> Any:
    import sys

    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, unit=" texts")


def run_scifact(
    settings: Settings,
    data: Path,
    run_out: Path | None = None,
    limit: int | None = None,
    splits: tuple[str, ...] = ("test",),
    progress: Callable[[int, str], Any] = _tqdm,
    with_baseline: bool = True,
) -> dict[str, Any]:
    beir = load(data)
    t0 = time.perf_counter()
    index_dir = build_index(settings, beir, progress)
    build_s = time.perf_counter() - t0
    index = store.load(index_dir, settings.embedder_id)
    embedder = embedder_for(settings)
    retriever = Retriever(
        index,
        embedder,
        settings.replace(candidates=max(settings.candidates, 300)),
        load_reranker(settings.reranker, settings.threads, settings.rerank_workers),
    )
    result: dict[str, Any] = {
        "documents": len(beir.docs),
        "passages": len(index.passages),
        "index_build_s": round(build_s, 1),
        "splits": {},
    }
    for split_name in splits:
        if split_name not in beir.qrels:
            raise DossierError(f"No qrels/{split_name}.tsv.gz in {data}.")
        qrels = beir.qrels[split_name]
        qids = sorted(qrels)[:limit] if limit else sorted(qrels)
        queries = {q: beir.queries[q] for q in qids}
        vectors = dict(zip(qids, embedder.embed([queries[q] for q in qids]), strict=True))
        runs, latency = run_modes(retriever, queries, vectors)
        scores = {mode: {**score_run(runs[mode], qrels), "latency_ms_p50": round(latency[mode], 2)} for mode in runs}
        if with_baseline:
            base_run, base_latency = baseline(settings, beir, queries, progress)
            scores["langchain FAISS baseline"] = {
                **score_run(base_run, qrels),
                "latency_ms_p50": round(base_latency, 2),
            }
        result["splits"][split_name] = {"queries": len(qids), "scores": scores}
        if run_out is not None and split_name == splits[-1]:
            best = list(runs)[-1]
            write_trec(runs[best], run_out, f"dossier-{best.replace(' + ', '-')}")
    result["_table"] = _table(result)
    return result


def _table(result: dict[str, Any]) -> str:
    lines = [
        f"SciFact: {result['documents']} documents, {result['passages']} passages, "
        f"index {result['index_build_s']} s (cached after the first run)"
    ]
    for split_name, block in result["splits"].items():
        lines.append(f"\n{split_name} ({block['queries']} queries)   nDCG@10  R@10    R@100   p50 ms")
        for name, s in block["scores"].items():
            lines.append(
                f"  {name:<28} {s['ndcg@10']:.4f}  {s['recall@10']:.4f}  {s['recall@100']:.4f}  "
                f"{s['latency_ms_p50']:.1f}"
            )
    lines.append("\npublished nDCG@10 (test): " + ", ".join(f"{k} {v}" for k, v in PUBLISHED.items()))
    return "\n".join(lines)
