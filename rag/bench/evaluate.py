"""Evaluation: run a JSONL question set through the assistant and score answers, abstentions,
retrieval and citations.

Each input line: {"id", "question", "history"?: [{role, content}], "sources": [gold file names],
"answer_contains": [[alternatives], ...], "answerable": bool}. The answer must contain one
alternative of every group (case-insensitive).
"""

from __future__ import annotations

import datetime
import json
import math
import statistics
import subprocess
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rag.core.errors import DossierError
from rag.core.schema import Answer, Turn
from rag.core.settings import PROJECT_DIR, Settings


class Asks(Protocol):
    def ask(self, question: str, history: Sequence[Turn] = ...) -> Answer: ...


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    history: tuple[Turn, ...]
    sources: frozenset[str]
    answer_contains: tuple[tuple[str, ...], ...]
    answerable: bool
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """Any other fields of the line (a benchmark's question type, gold evidence)."""


_FIELDS = frozenset("id question history sources answer_contains answerable".split())


def load_cases(path: Path) -> list[Case]:
    cases = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DossierError(f"Cannot read the question set {path}: {e.strerror}.") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            cases.append(
                Case(
                    id=str(d["id"]),
                    question=d["question"],
                    history=tuple(Turn(t["role"], t["content"]) for t in d.get("history", [])),
                    sources=frozenset(d.get("sources", [])),
                    answer_contains=tuple(tuple(g) for g in d.get("answer_contains", [])),
                    answerable=bool(d.get("answerable", True)),
                    extra={k: v for k, v in d.items() if k not in _FIELDS},
                )
            )
        except (ValueError, KeyError, TypeError) as e:
            raise DossierError(f"{path}, line {n}: not a valid question ({type(e).__name__}: {e}).") from None
    if not cases:
        raise DossierError(f"The question set {path} is empty.")
    return cases


def provenance(settings: Settings, **run: Any) -> dict[str, Any]:
    """What a figure was measured on: the commit (with "+dirty" for uncommitted changes), the
    settings that differ from the defaults (secrets left out), the data and split (`run`), the date."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=10)
            return done.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no", "--", "rag", "eval", "app.py"):
        commit += "+dirty"
    changed = {name: str(value) for name, value in settings.changed().items()}
    return {
        "commit": commit,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "settings": changed,
        **{k: str(v) for k, v in run.items() if v is not None},
    }


def ndcg_at_k(ranking: Sequence[str], relevant: set[str] | frozenset[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k: sum of 1/log2(rank+1) over relevant hits, over the ideal sum."""
    dcg = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(ranking[:k]) if doc in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall_at_k(ranking: Sequence[str], relevant: set[str] | frozenset[str], k: int) -> float:
    return len(set(ranking[:k]) & set(relevant)) / len(relevant) if relevant else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank `q` quantile (0.5: the median), 0 for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def contains_all(text: str, groups: Sequence[Sequence[str]]) -> bool:
    lowered = text.lower()
    return all(any(alt.lower() in lowered for alt in group) for group in groups)


def score(case: Case, answer: Answer) -> dict[str, Any]:
    """Per-question judgements (None where a metric does not apply)."""
    retrieved_top5 = {h.passage.source for h in answer.retrieved[:5]}
    cited = {c.source for c in answer.citations}
    result: dict[str, Any] = {"abstained": answer.abstained}
    if case.answerable:
        result["correct"] = (not answer.abstained) and contains_all(answer.text, case.answer_contains)
        result["hit5"] = bool(retrieved_top5 & case.sources)
        result["cited_gold"] = len(cited & case.sources)
        result["cited"] = len(cited)
        result["recall"] = len(cited & case.sources) / len(case.sources) if case.sources else None
    else:
        result["correct"] = answer.abstained
    return result


def metrics(rows: Sequence[dict[str, Any]], cases: Sequence[Case], latencies: Sequence[float]) -> dict[str, Any]:
    answerable = [r for r, c in zip(rows, cases, strict=True) if c.answerable]
    unanswerable = [r for r, c in zip(rows, cases, strict=True) if not c.answerable]
    cited = sum(r["cited"] for r in answerable)
    recalls = [r["recall"] for r in answerable if r["recall"] is not None]

    return {
        "questions": len(cases),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "answer_accuracy": _mean(r["correct"] for r in answerable),
        "abstention_accuracy": _mean(r["correct"] for r in unanswerable),
        "hit_at_5": _mean(r["hit5"] for r in answerable),
        "citation_precision": (sum(r["cited_gold"] for r in answerable) / cited) if cited else None,
        "citation_recall": statistics.fmean(recalls) if recalls else None,
        "latency_ms_p50": round(percentile(latencies, 0.5), 1),
        "latency_ms_p95": round(percentile(latencies, 0.95), 1),
        "failed": [c.id for r, c in zip(rows, cases, strict=True) if not r["correct"]],
    }


def _mean(values: Any) -> float | None:
    values = [float(v) for v in values]
    return round(statistics.fmean(values), 4) if values else None


def run(assistant: Asks, path: Path, out: Path | None = None, split: str | None = None) -> dict[str, Any]:
    """Ask every question of the set (or of one `split`: a line's "split" field, e.g. dev / test);
    with `out`, one JSON line per answer is written (and flushed) as soon as it is judged, so a
    crash at question 2,500 keeps the 2,499 before it."""
    cases = [c for c in load_cases(path) if split is None or c.extra.get("split") == split]
    if not cases:
        raise DossierError(f"No question in {path} is in the split {split!r}.")
    rows, latencies = [], []
    with open(out, "w", encoding="utf-8") if out is not None else nullcontext() as f:
        for case in cases:
            answer = assistant.ask(case.question, case.history)
            latencies.append(answer.timings_ms.get("total_ms", 0.0))
            row = score(case, answer)
            rows.append(row)
            if f is not None:
                record = {"id": case.id, "question": case.question, **answer.to_json(), "judged": row}
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                f.flush()
    return metrics(rows, cases, latencies)


def format_metrics(m: dict[str, Any]) -> str:
    def f(v: Any) -> str:
        return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = [
        f"questions            {m['questions']} ({m['answerable']} answerable, {m['unanswerable']} not)",
        f"answer accuracy      {f(m['answer_accuracy'])}",
        f"abstention accuracy  {f(m['abstention_accuracy'])}",
        f"retrieval hit@5      {f(m['hit_at_5'])}",
        f"citation precision   {f(m['citation_precision'])}",
        f"citation recall      {f(m['citation_recall'])}",
        f"latency p50 / p95    {m['latency_ms_p50']} / {m['latency_ms_p95']} ms",
    ]
    if m["failed"]:
        lines.append(f"failed               {', '.join(m['failed'])}")
    return "\n".join(lines)
