"""Calibrate the extractive answerer's weights and abstention threshold on development questions.

    python eval/tune_answer.py dump eval/reader_questions.jsonl --split dev --out .cache/feat-reader.jsonl
    python eval/tune_answer.py dump ../shared/bench/multihop/questions.jsonl --split dev \\
        --corpus ../shared/bench/multihop/corpus --index .cache/multihop-index --out .cache/feat-mh.jsonl
    python eval/tune_answer.py fit .cache/feat-reader.jsonl .cache/feat-mh.jsonl

`dump` runs retrieval and candidate scoring once and records every candidate's score features and
whether its sentence holds the gold answer; `fit` then searches weights and the threshold offline
(seconds), maximising the mean of answer accuracy and abstention accuracy per file, averaged over
files. Only dev splits (MultiHop: question numbers divisible by 3; reader questions: "split": "dev")
are ever dumped here: the test splits stay held out.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.assistant import Assistant  # noqa: E402
from rag.conversation import contextualize  # noqa: E402
from rag.evaluate import contains_all, load_cases  # noqa: E402
from rag.extractive import Weights  # noqa: E402
from rag.question import analyse  # noqa: E402
from rag.settings import Settings  # noqa: E402


def _split(case) -> str:  # type: ignore[no-untyped-def]
    if "split" in case.extra:
        return case.extra["split"]
    digits = re.sub(r"\D", "", case.id)
    return "dev" if not digits or int(digits) % 3 == 0 else "test"  # MultiHop's rule; unnumbered sets: dev


def dump(args: argparse.Namespace) -> None:
    overrides = {}
    if args.corpus:
        overrides = {"corpus_dir": Path(args.corpus), "index_dir": Path(args.index), "top_k": 10}
    settings = Settings.from_env(**overrides)
    assistant = Assistant.open(settings)
    extractive = assistant.answerer("extractive")
    cases = [c for c in load_cases(Path(args.file)) if _split(c) == args.split]
    if args.types:
        cases = [c for c in cases if c.extra.get("type") in args.types]
    with open(args.out, "w", encoding="utf-8") as f:
        for n, case in enumerate(cases, 1):
            question, _ = assistant.speller.correct(case.question)
            q = analyse(question)
            if q.shape == "overview" or q.asks_credit:
                continue  # answered from the catalog / credit lines, not by scoring sentences
            query = contextualize(question, case.history)
            hits = assistant.retriever.search(query, k=settings.top_k, voice=q.voice)
            ranked = extractive.score(q, query, hits, assistant.index.texts)
            rows = [
                {
                    "features": dataclasses.asdict(s.features),
                    "typed": s.fit.typed,
                    "article": s.cand.passage.article_id,
                    "hit": bool(case.answer_contains) and contains_all(s.cand.text, case.answer_contains),
                }
                for s in ranked[:40]
            ]
            record = {"id": case.id, "answerable": case.answerable, "type": case.extra.get("type"), "rows": rows}
            f.write(json.dumps(record) + "\n")
            print(f"\r{n}/{len(cases)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def evaluate(records: list[dict], weights: Weights, threshold: float) -> tuple[float, float]:
    from rag.compose import Features

    right_answers, answerable, right_abstentions, unanswerable = 0, 0, 0, 0
    for r in records:
        scored = sorted(((weights.score(Features(**row["features"])), row) for row in r["rows"]), key=lambda x: -x[0])
        answered = bool(scored) and scored[0][0] >= threshold
        if r["answerable"]:
            answerable += 1
            if answered:
                lead = next((x for x in scored if x[1]["typed"]), scored[0])
                shown = [lead] + [x for x in scored if x is not lead and x[0] >= max(threshold, lead[0] - 2.5)][:2]
                right_answers += any(row["hit"] for _, row in shown)
        else:
            unanswerable += 1
            right_abstentions += not answered
    return right_answers / max(1, answerable), right_abstentions / max(1, unanswerable)


def fit(args: argparse.Namespace) -> None:
    files = [[json.loads(line) for line in open(p, encoding="utf-8")] for p in args.files]
    files = [[r for r in f if r.get("type") in (None, "inference_query", "null_query")] for f in files]
    grid = {
        "passage": [0.0, 0.3, 0.6, 1.0],
        "untyped": [1.0, 2.0, 4.0],
        "distant": [0.5, 1.5, 3.0],
        "absent": [0.0, 2.0, 4.0, 8.0],
    }
    thresholds = [x / 2 for x in range(-12, 9)]
    best = None
    for values in itertools.product(*grid.values()):
        weights = dataclasses.replace(Weights(), **dict(zip(grid, values, strict=True)))
        for t in thresholds:
            per_file = [evaluate(f, weights, t) for f in files]
            objective = statistics.fmean(statistics.fmean(x) for x in per_file)
            if best is None or objective > best[0]:
                best = (objective, weights, t, per_file)
    assert best is not None
    objective, weights, t, per_file = best
    print(f"objective {objective:.4f} threshold {t}")
    print(weights)
    for path, (acc, abst) in zip(args.files, per_file, strict=True):
        print(f"  {path}: answer accuracy {acc:.3f}, abstention {abst:.3f}")
    default = [evaluate(f, Weights(), args.threshold) for f in files]
    for path, (acc, abst) in zip(args.files, default, strict=True):
        print(f"  current defaults, {path}: answer accuracy {acc:.3f}, abstention {abst:.3f}")


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("file")
    d.add_argument("--split", default="dev", choices=["dev"])
    d.add_argument("--corpus")
    d.add_argument("--index")
    d.add_argument("--out", required=True)
    d.add_argument("--types", nargs="+", help="only these question types (MultiHop: inference_query null_query ...)")
    f = sub.add_parser("fit")
    f.add_argument("files", nargs="+")
    f.add_argument("--threshold", type=float, default=0.0, help="the current threshold, for comparison")
    args = p.parse_args()
    dump(args) if args.command == "dump" else fit(args)


if __name__ == "__main__":
    main()
