"""MultiHop-RAG (Tang & Yang, 2024): 609 news articles from many outlets and 2,556 public questions,
run through the same assistant the app uses.

Prints retrieval the paper's way (a hit is a retrieved passage that contains a gold evidence fact,
whitespace ignored; Hits@4/@10 and MRR@10 over the answerable questions), article hit@k, answer
accuracy per question type, null-question abstention, answerable questions wrongly abstained,
citation precision and latency. Splits: dev = question numbers divisible by 3 (tune on it only),
test = the rest.
"""

from __future__ import annotations

import json
import re
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from rag.app.assistant import Assistant
from rag.bench.evaluate import Case, contains_all, load_cases, percentile
from rag.core.errors import DossierError
from rag.core.schema import Answer
from rag.core.settings import PROJECT_DIR, Settings
from rag.index.build import build
from rag.index.embed import embedder_for
from rag.lang.text import words

DEFAULT_DATA = PROJECT_DIR.parent / "shared" / "bench" / "multihop"
CACHE = PROJECT_DIR / ".cache" / "multihop-index"
PUBLISHED = "paper, retrieval with bge-reranker-large: Hits@10 0.7467, Hits@4 0.6625, MRR@10 0.586"


def split_of(case: Case) -> str:
    return "dev" if int(re.sub(r"\D", "", case.id)) % 3 == 0 else "test"


def _squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


# Comparison and temporal questions are answered with one word: yes or no, or a word for either.
_OPPOSITE = {
    "yes": "no", "no": "yes", "true": "false", "false": "true", "same": "different", "similar": "different",
    "consistent": "inconsistent", "agree": "disagree", "agreement": "disagreement", "align": "differ",
    "before": "after", "after": "before",
}  # fmt: skip


def answered(text: str, gold: Sequence[Sequence[str]]) -> bool:
    """Whether `text` gives the gold answer. Yes or no counts only when it opens the answer; another
    one-word verdict only when stated as a word and without its opposite ("do not answer yes or no"
    says neither; a substring test would credit "no" in "not" and both sides of "yes or no")."""
    alternatives = [alt for group in gold for alt in group]
    if len(alternatives) == 1 and alternatives[0].lower() in ("yes", "no"):
        opening = words(text)[:1]
        return opening == [alternatives[0].lower()]  # judged strictly: the verdict opens the answer
    if len(alternatives) == 1 and alternatives[0].lower() in _OPPOSITE:
        said = set(words(text))
        verdict = alternatives[0].lower()
        return verdict in said and _OPPOSITE[verdict] not in said
    return contains_all(text, gold)


def judge(case: Case, answer: Answer) -> dict[str, Any]:
    """One question's figures."""
    kind = case.extra.get("type", "unknown")
    row: dict[str, Any] = {"id": case.id, "type": kind, "abstained": answer.abstained}
    if not case.answerable:
        row["correct"] = answer.abstained
        return row
    row["correct"] = not answer.abstained and answered(answer.text, case.answer_contains)
    gold = " ".join(alt for group in case.answer_contains for alt in group).strip().lower()
    if gold in ("yes", "no"):
        row["gold"] = gold
        row["verdict"] = verdict_of(answer)
    facts = [
        (e["file"], _squeeze(e["fact"])) for e in (case.extra.get("gold") or {}).get("evidence", []) if e.get("fact")
    ]
    first = None
    for rank, hit in enumerate(answer.retrieved[:10], 1):
        text = _squeeze(hit.passage.text)
        if any(f == hit.passage.source and fact in text for f, fact in facts):
            first = rank
            break
    row["hit4"] = first is not None and first <= 4
    row["hit10"] = first is not None
    row["rr10"] = 1.0 / first if first else 0.0
    sources = [h.passage.source for h in answer.retrieved]
    row["article_hit4"] = bool(set(sources[:4]) & case.sources)
    row["article_hit10"] = bool(set(sources[:10]) & case.sources)
    cited = [c.source for c in answer.citations]
    row["cited"] = len(cited)
    row["cited_gold"] = sum(s in case.sources for s in cited)
    return row


def verdict_of(answer: Answer) -> str:
    """The verdict an answer opens with: "yes", "no", "disagree", "not settled" (the articles don't
    say or settle it, or a refusal), or "none" (evidence without a verdict)."""
    if answer.abstained:
        return "not settled"
    opening = answer.text.lstrip().lower()
    for word, verdict in (("yes", "yes"), ("no", "no"), ("the articles disagree", "disagree")):
        if re.match(rf"{word}\b", opening):
            return verdict
    if opening.startswith("the articles don't"):
        return "not settled"
    return "none"


def verdicts(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per question type and gold verdict (yes / no): accuracy, verdicts given, wrong verdicts (yes for
    a gold no, or the reverse) and "not settled", so that always saying yes cannot look good."""
    out: dict[str, dict[str, Any]] = {}
    for kind in sorted({r["type"] for r in rows if "gold" in r}):
        for gold in ("yes", "no"):
            group = [r for r in rows if r["type"] == kind and r.get("gold") == gold]
            if not group:
                continue
            n = len(group)
            out[f"{kind} {gold}"] = {
                "questions": n,
                "accuracy": round(sum(r["correct"] for r in group) / n, 4),
                "verdicts_given": round(sum(r["verdict"] in ("yes", "no", "disagree") for r in group) / n, 4),
                "wrong_verdicts": round(sum(r["verdict"] == ("no" if gold == "yes" else "yes") for r in group) / n, 4),
                "not_settled": round(sum(r["verdict"] in ("not settled", "none") for r in group) / n, 4),
            }
    return out


def summarise(rows: Sequence[dict[str, Any]], latencies: Sequence[float]) -> dict[str, Any]:
    def mean(values: list[Any]) -> float | None:
        return round(statistics.fmean(float(v) for v in values), 4) if values else None

    answerable = [r for r in rows if r["type"] != "null_query"]
    nulls = [r for r in rows if r["type"] == "null_query"]
    cited = sum(r["cited"] for r in answerable)
    out: dict[str, Any] = {
        "questions": len(rows),
        "hits@4": mean([r["hit4"] for r in answerable]),
        "hits@10": mean([r["hit10"] for r in answerable]),
        "mrr@10": mean([r["rr10"] for r in answerable]),
        "article_hit@4": mean([r["article_hit4"] for r in answerable]),
        "article_hit@10": mean([r["article_hit10"] for r in answerable]),
        "accuracy": {
            kind: mean([r["correct"] for r in rows if r["type"] == kind]) for kind in sorted({r["type"] for r in rows})
        },
        "answerable_accuracy": mean([r["correct"] for r in answerable]),
        "verdicts": verdicts(rows),
        "null_abstention": mean([r["abstained"] for r in nulls]),
        "answerable_wrongly_abstained": mean([r["abstained"] for r in answerable]),
        "citation_precision": round(sum(r["cited_gold"] for r in answerable) / cited, 4) if cited else None,
        "latency_ms_p50": round(percentile(latencies, 0.5), 1),
        "latency_ms_p95": round(percentile(latencies, 0.95), 1),
    }
    return out


def run_multihop(
    settings: Settings,
    data: Path = DEFAULT_DATA,
    split: str = "test",
    limit: int | None = None,
    out: Path | None = None,
    index_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    if not (data / "questions.jsonl").is_file() or not (data / "corpus").is_dir():
        raise DossierError(
            f"No MultiHop-RAG data in {data} (questions.jsonl and corpus/): pass --data with the benchmark folder."
        )
    settings = settings.replace(corpus_dir=data / "corpus", index_dir=index_dir or CACHE, max_file_bytes=50_000_000)
    t0 = time.perf_counter()
    report = build(settings, lambda: embedder_for(settings))
    build_s = time.perf_counter() - t0
    assistant = Assistant(settings)
    cases = [c for c in load_cases(data / "questions.jsonl") if split == "all" or split_of(c) == split]
    cases = cases[:limit] if limit else cases
    rows, latencies = [], []
    with open(out, "w", encoding="utf-8") if out else nullcontext() as f:
        for n, case in enumerate(cases, 1):
            answer = assistant.ask(case.question, top_k=settings.top_k)
            latencies.append(answer.timings_ms.get("total_ms", 0.0))
            row = judge(case, answer)
            rows.append(row)
            if f is not None:
                record = {**row, "question": case.question, "answer": answer.text}
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                f.flush()
            if progress is not None:
                progress(n, len(cases))
    result = {
        "split": split,
        "articles": len(assistant.index.articles),
        "passages": len(assistant.index.passages),
        "index_build_s": round(build_s, 1),
        "embedded": report.embedded,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **summarise(rows, latencies),
    }
    result["_table"] = _table(result)
    return result


def _table(r: dict[str, Any]) -> str:
    def f(v: Any) -> str:
        return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = [
        f"MultiHop-RAG, {r['split']} split: {r['questions']} questions over {r['articles']} articles "
        f"({r['passages']} passages); index {r['index_build_s']} s ({r['embedded']} passages embedded), "
        f"peak RSS {r['peak_rss_mb']} MB",
        f"retrieval (paper's rule)   Hits@4 {f(r['hits@4'])}  Hits@10 {f(r['hits@10'])}  MRR@10 {f(r['mrr@10'])}",
        f"article hit                @4 {f(r['article_hit@4'])}  @10 {f(r['article_hit@10'])}",
        "answer accuracy            " + "  ".join(f"{k} {f(v)}" for k, v in r["accuracy"].items()),
        f"all answerable questions   {f(r['answerable_accuracy'])}",
        *(
            f"  {k:24} n={v['questions']:<4} accuracy {f(v['accuracy'])}  verdicts {f(v['verdicts_given'])}  "
            f"wrong {f(v['wrong_verdicts'])}  not settled {f(v['not_settled'])}"
            for k, v in r["verdicts"].items()
        ),
        f"null questions abstained   {f(r['null_abstention'])}",
        f"answerable, abstained      {f(r['answerable_wrongly_abstained'])}",
        f"citation precision         {f(r['citation_precision'])}",
        f"latency p50 / p95          {r['latency_ms_p50']} / {r['latency_ms_p95']} ms",
        f"published: {PUBLISHED}",
    ]
    return "\n".join(lines)
