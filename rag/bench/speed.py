"""Speed benchmark: `python -m rag bench [--repeat N] [--compare-backends] [--json]`.

Measures, on the configured corpus: index build time and throughput against the raw encode
throughput of the same embedder on the same passages (the ceiling a build can approach), query
latency split into embedding / retrieval / answering, peak RSS, the import time of the library,
and the cold start of a fresh process until its first answer.

`--repeat N` runs the whole benchmark N times, each in a fresh process, and reports the median and
range of every figure; `--compare-backends` does so for each embedding backend (int8 ONNX, float32
ONNX, torch) side by side in one run, so the ratios come from the same machine at the same time.
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

        cold_start_s, question_rss_mb = _cold_start(bench_settings, questions[0])
        import_s = _import_time()
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
        "question_rss_mb": round(question_rss_mb, 1),
        "import_s": round(import_s, 2),
        "backend": settings.embedding_backend,
        "questions_timed": len(questions),
    }
    result["build_vs_encode"] = round(result["build_passages_per_s"] / result["encode_passages_per_s"], 3)
    result["_table"] = _table(result)
    return result


def _cold_start(settings: Settings, question: str) -> tuple[float, float]:
    """Seconds for a fresh `python -m rag ask` process to print its first answer, and that
    process's peak RSS in MB (a question process, apart from the benchmark's own build)."""
    env = {**os.environ, "DOSSIER_INDEX_DIR": str(settings.index_dir), "DOSSIER_CORPUS_DIR": str(settings.corpus_dir)}
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty child cannot block on it
        t0 = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "rag", "ask", "--json", question],
            env=env,
            cwd=PROJECT_DIR,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        # The child's own high-water mark, read while it runs (every 20 ms): `wait4`'s figure for
        # a child starts from this (large) process's memory at the fork.
        peak_kb = 0.0
        while child.poll() is None and time.perf_counter() - t0 < 300:
            peak_kb = max(peak_kb, _high_water_kb(child.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - t0
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.returncode != 0:
            errors.seek(0)
            detail = errors.read().decode(errors="replace")[-500:]
            raise RuntimeError(f"`python -m rag ask` failed ({child.returncode}): {detail}")
    return seconds, peak_kb / 1024


def _high_water_kb(pid: int) -> float:
    """A running process's peak resident memory (Linux `VmHWM`); 0 where it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _import_time() -> float:
    """Seconds for a fresh process to import what a question needs (the assistant and its stages)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import rag.app"], cwd=PROJECT_DIR, check=True, timeout=120)
    return time.perf_counter() - t0


FIGURES = (
    "import_s",
    "cold_start_s",
    "build_passages_per_s",
    "query_embed_ms_p50",
    "total_ms_p50",
    "total_ms_p95",
    "peak_rss_mb",
    "question_rss_mb",
)


def run_repeated(settings: Settings, rounds: int, repeat: int, backends: tuple[str, ...]) -> dict[str, Any]:
    """The benchmark `repeat` times per backend, each run in a fresh process (honest import, cold
    start and memory figures), reported as median and range."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for backend in backends:
        for _ in range(repeat):
            env = {**os.environ, "DOSSIER_EMBEDDING_BACKEND": backend, "DOSSIER_CORPUS_DIR": str(settings.corpus_dir)}
            done = subprocess.run(
                [sys.executable, "-m", "rag", "bench", "--json", "--rounds", str(rounds)],
                env=env,
                cwd=PROJECT_DIR,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            if done.returncode != 0:
                raise RuntimeError(f"bench with {backend} failed: {done.stderr[-500:]}")
            runs.setdefault(backend, []).append(json.loads(done.stdout))
    summary = {
        backend: {
            name: {
                "median": round(statistics.median(r[name] for r in results), 2),
                "min": min(r[name] for r in results),
                "max": max(r[name] for r in results),
            }
            for name in FIGURES
        }
        for backend, results in runs.items()
    }
    result: dict[str, Any] = {"repeat": repeat, "rounds": rounds, "backends": summary}
    result["_table"] = _repeated_table(summary, repeat)
    return result


def _repeated_table(summary: dict[str, dict[str, dict[str, float]]], repeat: int) -> str:
    backends = list(summary)
    lines = [f"{'median (range) of ' + str(repeat) + ' runs':34}" + "".join(f"{b:>26}" for b in backends)]
    for name in FIGURES:
        cells = [f"{s['median']:g} ({s['min']:g}-{s['max']:g})" for s in (summary[b][name] for b in backends)]
        lines.append(f"{name:34}" + "".join(f"{c:>26}" for c in cells))
    return "\n".join(lines)


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
            f"peak RSS (benchmark)   {r['peak_rss_mb']} MB",
            f"cold start to answer   {r['cold_start_s']} s (peak RSS {r['question_rss_mb']} MB)",
            f"import of rag.app      {r['import_s']} s (embedding backend {r['backend']})",
        ]
    )
