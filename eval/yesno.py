"""Yes/no questions of our own, judged by the verdict the answer opens with:

    python eval/yesno.py eval/yesno_seeds.jsonl
    python eval/yesno.py eval/yesno_mh180.jsonl --corpus .cache/mh180 --index .cache/mh180-index

Each line: {"id", "question", "verdict": [accepted verdicts], "sources"}. A verdict is "yes", "no",
"disagree" or "not settled" (`rag.bench.multihop.verdict_of`: the articles don't say or settle it);
an answer that gives evidence without a verdict counts as wrong. "No" and "not settled" questions
are as many as "yes" ones, so a system that always says yes cannot score well. Prints accuracy
overall and per gold verdict, with the commit and settings.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.app.assistant import Assistant  # noqa: E402
from rag.bench.evaluate import provenance  # noqa: E402
from rag.bench.multihop import verdict_of  # noqa: E402
from rag.core.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--corpus", type=Path, help="the collection (default: the settings')")
    parser.add_argument("--index", type=Path, help="its index folder")
    parser.add_argument("--out", type=Path, help="one JSON line per question")
    args = parser.parse_args()
    overrides = {"corpus_dir": args.corpus, "index_dir": args.index, "top_k": 10} if args.corpus else {}
    settings = Settings.from_env(**{k: v for k, v in overrides.items() if v is not None})
    assistant = Assistant(settings)
    rows = []
    for line in args.file.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        answer = assistant.ask(case["question"])
        said = verdict_of(answer)
        rows.append({**case, "said": said, "right": said in case["verdict"], "answer": answer.text})
    if args.out:
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    by_gold: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        by_gold[r["verdict"][0]].append(r["right"])
    print(f"questions            {len(rows)}")
    print(f"verdict accuracy     {sum(r['right'] for r in rows) / len(rows):.3f}")
    for gold, rights in sorted(by_gold.items()):
        print(f"  gold {gold:<14} {sum(rights)}/{len(rights)}")
    wrong = [r["id"] for r in rows if not r["right"]]
    print(f"wrong                {', '.join(wrong) or '-'}")
    print(f"measured on          {json.dumps(provenance(settings, data=str(args.file)))}")


if __name__ == "__main__":
    main()
