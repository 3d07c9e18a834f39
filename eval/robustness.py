"""Robustness of the answer-or-refuse verdict, measured on development questions:

    python eval/robustness.py twins eval/reader_questions.jsonl --split dev --out .cache/twins-reader.jsonl
    python eval/robustness.py twins ../shared/bench/multihop/questions.jsonl --split dev --types inference_query \\
        --corpus ../shared/bench/multihop/corpus --index .cache/multihop-index --out .cache/twins-mh.jsonl
    python eval/robustness.py preamble eval/reader_questions.jsonl --split dev

`twins` makes near-miss twins of the answerable questions: one constraint changed to a value the
collection does not hold with the rest of the question (another year, ordinal, number, or nation),
checked against the articles, and asks them: every twin should be refused. `preamble` asks every
question plainly and behind neutral preambles of 15-25 words, and reports how often the verdict
(answer or refusal) is the same. Both print their figures with the commit and settings.

Only development splits are used (MultiHop: question numbers divisible by 3; reader questions:
"split": "dev"), never the held-out ones.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.app.assistant import Assistant  # noqa: E402
from rag.bench.evaluate import (  # noqa: E402
    Case,
    load_cases,
    provenance,  # noqa: E402
)
from rag.bench.multihop import split_of  # noqa: E402
from rag.core.settings import Settings  # noqa: E402
from rag.lang import ordinal_value  # noqa: E402
from rag.lang.text import normalize  # noqa: E402
from rag.lang.values import ORDINAL_PATTERN, ORDINAL_WORDS  # noqa: E402

# Neutral wrappings a reader might put around a question (none names anything in any collection).
PREAMBLES = (
    "I'm preparing a short summary for my team this afternoon and want to be sure I have this one detail right.",
    "Sorry to bother you with this, I only had time to skim the coverage this morning and I may have missed it.",
    "Before my meeting later today I need one fact checked, nothing more, a short answer is perfectly fine:",
    "My colleague and I disagreed about this over lunch and we would like to settle it with the articles themselves.",
)
_NATIONS = ("China", "Russia", "India", "Japan", "Germany", "France", "Brazil", "Canada", "Mexico", "Australia")
_ORDINAL_RE = re.compile(rf"\b({ORDINAL_PATTERN})", re.IGNORECASE)


def _split(case: Case) -> str:
    if "split" in case.extra:
        return str(case.extra["split"])
    if not re.search(r"\d", case.id):
        return "dev"  # a set without splits or numbers (questions.jsonl) is development data
    return split_of(case)  # MultiHop's rule


def _open(args: argparse.Namespace) -> Assistant:
    overrides = {}
    if args.corpus:
        overrides = {"corpus_dir": Path(args.corpus), "index_dir": Path(args.index), "top_k": 10}
    return Assistant.open(Settings.from_env(**overrides))


def _cases(args: argparse.Namespace) -> list[Case]:
    cases = [c for c in load_cases(Path(args.file)) if _split(c) == args.split and not c.history]
    if args.types:
        cases = [c for c in cases if c.extra.get("type") in args.types]
    return cases


class Collection:
    """The articles' text, to check that a changed value really is not there with the rest."""

    def __init__(self, assistant: Assistant):
        self.articles = [normalize(t) for t in assistant.index.texts.values()]

    def holds(self, *needles: str) -> bool:
        """Some article mentions every needle (whole words)."""
        patterns = [re.compile(rf"(?<!\w){re.escape(normalize(n))}(?!\w)") for n in needles if n]
        return any(all(p.search(a) for p in patterns) for a in self.articles)


def _names(question: str) -> list[str]:
    return [m.group() for m in re.finditer(r"(?<!^)(?<![.?!] )\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*", question)]


def twins_of(case: Case, collection: Collection, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, question) pairs: the question with one constraint changed to a value the collection
    lacks in the company of the question's other names."""
    q = case.question
    names = [n for n in _names(q) if collection.holds(n)]
    out: list[tuple[str, str]] = []
    for m in re.finditer(r"\b(19[5-9]\d|20[0-3]\d)\b", q):
        for delta in rng.sample([-3, -2, -1, 1, 2, 3], 6):
            year = str(int(m.group()) + delta)
            if not collection.holds(year, *names):
                out.append(("year", q[: m.start()] + year + q[m.end() :]))
                break
    for m in _ORDINAL_RE.finditer(q):
        value = ordinal_value(m.group())
        if value is None or value == 1 and m.group().lower() == "first":
            continue  # "first" is often an adverb ("visit first")
        for new in (value + 1, value + 2, value - 1):
            if new < 1:
                continue
            word = next((w for w, v in ORDINAL_WORDS.items() if v == new), f"{new}th")
            if m.group()[0].isdigit():
                word = f"{new}th"
            if not collection.holds(word, *names):
                out.append(("ordinal", q[: m.start()] + word + q[m.end() :]))
                break
    for m in re.finditer(r"(?<![\w.,$-])(\d{2,3})(?![\w.,%-])", q):
        if re.fullmatch(r"19\d\d|20\d\d", m.group()):
            continue
        new = str(int(m.group()) * 2 + 1)
        if not collection.holds(new, *names):
            out.append(("number", q[: m.start()] + new + q[m.end() :]))
    for nation in _NATIONS:
        if re.search(rf"\b{nation}\b", q):
            others = [n for n in _NATIONS if n != nation and not re.search(rf"\b{n}\b", q)]
            rest = [n for n in names if n != nation]
            for other in rng.sample(others, len(others)):
                if not collection.holds(other, *rest, *[g[0] for g in case.answer_contains[:1]]):
                    out.append(("nation", re.sub(rf"\b{nation}\b", other, q)))
                    break
            break
    return out


def twins(args: argparse.Namespace) -> None:
    assistant = _open(args)
    collection = Collection(assistant)
    rng = random.Random(7)
    made = []
    for case in _cases(args):
        if not case.answerable:
            continue
        for kind, question in twins_of(case, collection, rng):
            made.append({"id": f"{case.id}~{kind}", "kind": kind, "question": question, "answerable": False})
    counts: dict[str, list[int]] = {}
    with open(args.out, "w", encoding="utf-8") as f:
        for twin in made:
            answer = assistant.ask(twin["question"])
            twin["refused"] = answer.abstained
            twin["answer"] = answer.text[:300]
            counts.setdefault(twin["kind"], []).append(int(answer.abstained))
            f.write(json.dumps(twin, ensure_ascii=False) + "\n")
    total = [x for v in counts.values() for x in v]
    print(json.dumps(provenance(assistant.settings, data=args.file, split=args.split)))
    print(f"near-miss twins refused: {sum(total)}/{len(total)} = {sum(total) / max(1, len(total)):.3f}")
    for kind, values in sorted(counts.items()):
        print(f"  {kind:8} {sum(values)}/{len(values)}")


def preamble(args: argparse.Namespace) -> None:
    assistant = _open(args)
    same = total = 0
    changed = []
    for n, case in enumerate(_cases(args)):
        plain = assistant.ask(case.question).abstained
        wrapped = f"{PREAMBLES[n % len(PREAMBLES)]} {case.question}"
        verdict = assistant.ask(wrapped).abstained
        total += 1
        same += plain == verdict
        if plain != verdict:
            changed.append(case.id)
    print(json.dumps(provenance(assistant.settings, data=args.file, split=args.split)))
    print(f"preamble agreement: {same}/{total} = {same / max(1, total):.3f}")
    if changed:
        print("  changed: " + ", ".join(changed))


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("twins", "preamble"):
        s = sub.add_parser(name)
        s.add_argument("file")
        s.add_argument("--split", default="dev", choices=["dev"])
        s.add_argument("--corpus")
        s.add_argument("--index")
        s.add_argument("--types", nargs="+")
        if name == "twins":
            s.add_argument("--out", required=True)
    args = p.parse_args()
    twins(args) if args.command == "twins" else preamble(args)


if __name__ == "__main__":
    main()
