"""How claim verification judges a real model's answers on the question set.

    .venv/bin/python eval/verify_report.py BASE_URL MODEL [--out claims.jsonl]

Prints, for every answerable question, each sentence of the model's answer with verification's
verdict, and the totals (accepted / rejected / fell back / refused), for checking by hand.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.assistant import Assistant  # noqa: E402
from rag.evaluate import load_cases  # noqa: E402
from rag.settings import PROJECT_DIR, Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("model")
    parser.add_argument("--out")
    args = parser.parse_args()
    settings = Settings.from_env()
    assistant = Assistant.open(settings)
    llm = settings.replace(llm_base_url=args.base_url, llm_model=args.model, llm_timeout=120)
    totals = {"accepted": 0, "rejected": 0, "fell_back": 0, "refused": 0}
    records = []
    for case in load_cases(PROJECT_DIR / "eval" / "questions.jsonl"):
        raw: list[str] = []
        answer = assistant.ask(case.question, case.history, answerer="openai", llm=llm, on_token=raw.append)
        print(f"\n## {case.id}: {case.question}\nmodel: {''.join(raw).strip()[:300]}")
        if answer.abstained:
            totals["refused"] += 1
            print("-> refusal / abstention")
        elif answer.backend != "openai":
            totals["fell_back"] += 1
            print(f"-> {answer.notice}")
        else:
            for claim in answer.claims:
                totals["accepted" if claim.supported else "rejected"] += 1
                print(f"   [{'ok' if claim.supported else 'REJECTED'}] {claim.text}")
        records.append({"id": case.id, "model": "".join(raw), **answer.to_json()})
    print("\n" + json.dumps(totals))
    if args.out:
        Path(args.out).write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")


if __name__ == "__main__":
    main()
