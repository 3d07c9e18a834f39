"""How claim verification judges a real model's answers on the question set.

    DOSSIER_ANSWERER=local .venv/bin/python eval/verify_report.py [--out claims.jsonl]
    DOSSIER_ANSWERER=openai DOSSIER_LLM_BASE_URL=... DOSSIER_LLM_MODEL=... .venv/bin/python eval/verify_report.py
    .venv/bin/python eval/verify_report.py --replay claims.jsonl

The backend comes from the usual settings. Prints, for every question, the model's raw answer and
each of its sentences with verification's verdict (also for answers that then fell back to the
extractive one), and the totals, for checking by hand. `--replay` re-verifies the raw answers and
retrieved passages an earlier `--out` recorded, without running the model: seconds instead of
minutes when verification changes.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage  # noqa: E402

from rag.app.assistant import Assistant  # noqa: E402
from rag.bench.evaluate import load_cases  # noqa: E402
from rag.core.schema import Hit  # noqa: E402
from rag.core.settings import PROJECT_DIR, Settings  # noqa: E402
from rag.generate.server import GenerativeAnswerer  # noqa: E402
from rag.generate.verify import cite  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", help="record each answer, with the model's raw text, as JSON lines")
    parser.add_argument("--replay", help="re-verify the raw answers recorded by an earlier --out")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    args = parser.parse_args()
    settings = Settings.from_env()
    if args.replay:
        settings = settings.replace(answerer="local")  # any generative backend: the model is not called
    elif settings.answerer == "extractive":
        sys.exit("Choose a generative backend: DOSSIER_ANSWERER=local or openai (with its DOSSIER_LLM_* settings).")
    assistant = Assistant.open(settings)
    backend = assistant.answerer()
    recorded = {}
    if args.replay:
        lines = Path(args.replay).read_text(encoding="utf-8").splitlines()
        recorded = {r["id"]: r for r in map(json.loads, lines)}
        passages = {(p.source, p.start, p.end): p for p in assistant.index.passages}
    totals = {"accepted": 0, "rejected": 0, "answers_kept": 0, "fell_back": 0, "refused": 0, "failed": 0}
    records, seconds = [], []
    for case in load_cases(PROJECT_DIR / "eval" / "questions.jsonl")[: args.limit]:
        began = time.perf_counter()
        if args.replay:
            if case.id not in recorded:
                continue
            record = recorded[case.id]
            raw = record["model"]
            hits = [Hit(passages[(r["source"], r["start"], r["end"])], r["score"]) for r in record["retrieved"]]
            model = GenericFakeChatModel(messages=iter([AIMessage(content=raw or " ")]))
            replayed = GenerativeAnswerer(backend.name, model, backend.verifier, backend.fallback, settings)
            answer = replayed.answer(case.question, record["search_query"], hits, assistant.index.texts)
        else:
            pieces: list[str] = []
            answer = assistant.ask(case.question, case.history, on_token=pieces.append)
            raw = "".join(pieces)
        seconds.append(time.perf_counter() - began)
        print(f"\n## {case.id} ({'answerable' if case.answerable else 'unanswerable'}): {case.question}")
        print(f"model: {raw.strip()[:400]}")
        verified = backend.verifier.verify(raw.strip(), answer.retrieved, assistant.index.texts)
        if verified.refusal or not raw:
            totals["failed" if not raw else "refused"] += 1
            print(f"-> {'no output: ' + (answer.notice or '') if not raw else 'refusal'}")
        else:
            claims = cite(verified, assistant.index.texts)[0]
            for claim in claims:
                totals["accepted" if claim.supported else "rejected"] += 1
                print(f"   [{'ok' if claim.supported else 'REJECTED'}] {claim.text}")
            totals["answers_kept" if answer.backend == settings.answerer else "fell_back"] += 1
            if answer.notice:
                print(f"-> {answer.notice}")
        records.append({"id": case.id, "model": raw, **answer.to_json()})
    seconds.sort()
    print("\n" + json.dumps({**totals, "seconds_p50": round(seconds[len(seconds) // 2], 1)}))
    if args.out:
        Path(args.out).write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")


if __name__ == "__main__":
    main()
