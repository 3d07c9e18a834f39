"""Tune retrieval settings on SciFact *train* (809 claims), never on test.

    .venv/bin/python eval/tune_scifact.py [--data DIR] [--test]

Reuses the cached embeddings of `python -m rag bench scifact` (run that once first). Prints nDCG@10
on train for each setting tried; with --test also prints test for the same settings, to report
what each change did (the choice is made on train alone).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag import scifact, store  # noqa: E402
from rag.embed import load_embedder  # noqa: E402
from rag.retrieve import Retriever  # noqa: E402
from rag.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(scifact.DEFAULT_DATA))
    parser.add_argument("--test", action="store_true", help="also score each setting on test (for the report)")
    args = parser.parse_args()
    base = Settings.from_env()
    beir = scifact.load(Path(args.data))
    index = store.load(scifact.build_index(base, beir, scifact._tqdm), base.embedding_model)
    embedder = load_embedder(base.embedding_model)
    splits = ["train"] + (["test"] if args.test else [])
    queries = {s: {q: beir.queries[q] for q in beir.qrels[s]} for s in splits}
    vectors = {s: dict(zip(queries[s], embedder.embed(list(queries[s].values())), strict=True)) for s in splits}

    def score(settings: Settings, mode: str) -> list[float]:
        retriever = Retriever(index, embedder, settings.replace(candidates=300))
        out = []
        for s in splits:
            runs, _ = scifact.run_modes(retriever, queries[s], vectors[s], modes=[mode])
            out.append(scifact.score_run(runs[mode], beir.qrels[s])["ndcg@10"])
        return out

    print("setting".ljust(48), "  ".join(f"{s:>6}" for s in splits))
    print("dense only".ljust(48), "  ".join(f"{v:.4f}" for v in score(base, "dense")))
    for k1, b in ((0.9, 0.4), (1.2, 0.75), (1.5, 0.75)):
        s = base.replace(bm25_k1=k1, bm25_b=b)
        print(f"bm25 k1={k1} b={b}".ljust(48), "  ".join(f"{v:.4f}" for v in score(s, "lexical")))
    for rrf_k, wd in ((60, 1.0), (10, 1.0), (30, 1.0), (100, 1.0), (60, 0.8), (60, 1.25)):
        s = base.replace(rrf_k=rrf_k, dense_weight=wd)
        print(f"hybrid rrf_k={rrf_k} dense_w={wd}".ljust(48), "  ".join(f"{v:.4f}" for v in score(s, "hybrid")))


if __name__ == "__main__":
    main()
