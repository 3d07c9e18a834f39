"""Speed benchmark: `python -m rag bench [--json]`.

Measures, on the configured corpus: index build time and throughput against the raw
sentence-transformers encode throughput on the same passages (the ceiling a build can approach),
query latency split into embedding / retrieval / answering, peak RSS, and the cold start of a fresh
process until its first answer.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rag.app.assistant import Assistant
from rag.bench.evaluate import percentile
from rag.core.settings import PROJECT_DIR, Settings
from rag.index.build import build, embedding_text
from rag.index.embed import embedder_for

QUESTIONS = PROJECT_DIR / "eval" / "questions.jsonl"


def run_bench(settings: Settings, rounds: int = 30) -> dict[str, Any]:
    t0 = time.perf_counter()
    embedder = embedder_for(settings)
    model_load_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        bench_settings = settings.replace(index_dir=Path(tmp) / "index")
        embedder.embed(["warm up the model"])
        report = build(bench_settings, lambda: embedder)
        assistant = Assistant(bench_settings, lambda: embedder)
        texts = [embedding_text(p) for p in assistant.index.passages]
        t0 = time.perf_counter()
        embedder.embed(texts, settings.embed_batch_size)
        encode_s = time.perf_counter() - t0

        questions = [
            json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line
        ]
        questions = (questions * (rounds // max(1, len(questions)) + 1))[:rounds]
        timings: dict[str, list[float]] = {"embed_ms": [], "retrieve_ms": [], "answer_ms": [], "total_ms": []}
        for question in questions:
            answer = assistant.ask(question)
            for key in timings:
                timings[key].append(answer.timings_ms[key])

        cold_start_s = _cold_start(bench_settings, questions[0])
    result = {
        "passages": report.passages,
        "articles": report.articles,
        "model_load_s": round(model_load_s, 2),
        "build_s": round(report.seconds, 2),
        "build_passages_per_s": round(report.passages / report.seconds, 1),
        "encode_passages_per_s": round(len(texts) / encode_s, 1),
        "query_embed_ms_p50": round(statistics.median(timings["embed_ms"]), 2),
        "retrieve_ms_p50": round(statistics.median(timings["retrieve_ms"]), 2),
        "answer_ms_p50": round(statistics.median(timings["answer_ms"]), 2),
        "answer_ms_p95": round(percentile(timings["answer_ms"], 0.95), 2),
        "total_ms_p50": round(statistics.median(timings["total_ms"]), 2),
        "total_ms_p95": round(percentile(timings["total_ms"], 0.95), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cold_start_s": round(cold_start_s, 2),
        "questions_timed": len(questions),
    }
    result["build_vs_encode"] = round(result["build_passages_per_s"] / result["encode_passages_per_s"], 3)
    result["_table"] = _table(result)
    return result


def _cold_start(settings: Settings, question: str) -> float:
    """Seconds for a fresh `python -m rag ask` process to print its first answer."""
    env = {**os.environ, "DOSSIER_INDEX_DIR": str(settings.index_dir), "DOSSIER_CORPUS_DIR": str(settings.corpus_dir)}
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rag", "ask", "--json", question],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        check=True,
        timeout=300,
    )
    return time.perf_counter() - t0


def _table(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"corpus                 {r['articles']} articles, {r['passages']} passages",
            f"model load             {r['model_load_s']} s",
            f"index build            {r['build_s']} s ({r['build_passages_per_s']} passages/s)",
            f"raw encode             {r['encode_passages_per_s']} passages/s "
            f"(build reaches {r['build_vs_encode']:.0%} of it)",
            f"query embedding p50    {r['query_embed_ms_p50']} ms",
            f"retrieval p50          {r['retrieve_ms_p50']} ms",
            f"answering p50 / p95    {r['answer_ms_p50']} / {r['answer_ms_p95']} ms",
            f"total p50 / p95        {r['total_ms_p50']} / {r['total_ms_p95']} ms",
            f"peak RSS               {r['peak_rss_mb']} MB",
            f"cold start to answer   {r['cold_start_s']} s",
        ]
    )
