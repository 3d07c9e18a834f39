"""Tune retrieval settings on SciFact *train* (809 claims), never on test.

    .venv/bin/python eval/tune_scifact.py [--data DIR] [--test]

Reuses the cached embeddings of `python -m rag bench scifact` (run that once first). Prints nDCG@10
on train for each setting tried; with --test also prints test for the same settings, to report
what each change did (the choice is made on train alone).

    .venv/bin/python eval/tune_scifact.py --rerank 30 [--test]

scores the hybrid top 30 of every query with the cross-encoder once (cached in .cache/scifact/),
then tries how many of them to reread and how much weight the hybrid order keeps beside the
cross-encoder's (`rerank_candidates`, `rerank_hybrid_weight`), offline, with `Retriever.rerank`'s fusion.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag import scifact, store  # noqa: E402
from rag.core.settings import Settings  # noqa: E402
from rag.index.embed import load_embedder  # noqa: E402
from rag.search.retrieve import Retriever, fused_order  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(scifact.DEFAULT_DATA))
    parser.add_argument("--test", action="store_true", help="also score each setting on test (for the report)")
    parser.add_argument("--rerank", type=int, default=0, help="tune rereading the hybrid top N instead")
    args = parser.parse_args()
    base = Settings.from_env()
    beir = scifact.load(Path(args.data))
    index = store.load(scifact.build_index(base, beir, scifact._tqdm), base.embedding_model)
    embedder = load_embedder(base.embedding_model)
    splits = ["train"] + (["test"] if args.test else [])
    queries = {s: {q: beir.queries[q] for q in beir.qrels[s]} for s in splits}
    if args.rerank:  # every fourth train claim: the cross-encoder reads N abstracts a claim (~0.1 s each)
        queries["train"] = dict(list(queries["train"].items())[::4])
    vectors = {s: dict(zip(queries[s], embedder.embed(list(queries[s].values())), strict=True)) for s in splits}

    if args.rerank:
        return tune_rerank(args.rerank, base, beir, index, embedder, queries, vectors)

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


def tune_rerank(depth, base, beir, index, embedder, queries, vectors) -> None:  # type: ignore[no-untyped-def]
    """Cross-encoder logits for each query's hybrid top `depth`, cached; then the fusions, offline."""
    from rag.search.rerank import load_reranker

    retriever = Retriever(index, embedder, base.replace(candidates=300), load_reranker(base.reranker, base.threads))
    cache = Path(".cache/scifact") / f"rerank-{beir.digest[:12]}-{depth}.json"
    cached = json.loads(cache.read_text()) if cache.is_file() else {}
    for s in queries:
        for n, (qid, text) in enumerate(queries[s].items(), 1):
            if qid in cached:
                continue
            hits = retriever.search(text, k=300, mode="hybrid", query_vector=vectors[s][qid], rerank=False)
            texts = [retriever._rerank_text(h.passage) for h in hits[:depth]]
            logits = [float(x) for x in retriever.reranker.score(text, texts)]
            cached[qid] = {"docs": [h.passage.source for h in hits], "logits": logits}
            print(f"\r{s} {n}/{len(queries[s])}", end="", file=sys.stderr, flush=True)
            if n % 50 == 0:
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_text(json.dumps(cached))
        print(file=sys.stderr)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(cached))

    def ndcg(split: str, n: int, w: float, c: int) -> float:
        run = {}
        for qid in queries[split]:
            docs, logits = cached[qid]["docs"], cached[qid]["logits"][:n]
            head = fused_order(logits, c, w)
            ranked = [docs[i] for i in head] + docs[len(logits) :]
            run[qid] = scifact._doc_ranking((d, 1.0 / (1 + i)) for i, d in enumerate(ranked))
        return scifact.score_run(run, beir.qrels[split])["ndcg@10"]

    splits = list(queries)
    print("rerank_candidates  hybrid_weight  rrf_k  " + "  ".join(f"{s:>6}" for s in splits))
    print("no rereading".ljust(39), "  ".join(f"{ndcg(s, 0, 1.0, 15):.4f}" for s in splits))
    results = []
    for n in (10, 20, 30, 50):
        if n > depth:
            continue
        for w in (0.0, 0.25, 0.5, 1.0, 2.0):
            c = base.rrf_k  # Retriever.rerank fuses with the hybrid's own k
            row = [ndcg(s, n, w, c) for s in splits]
            results.append((row[0], n, w))
            print(f"{n:17d}  {w:13.2f}  {c:5d}  " + "  ".join(f"{v:.4f}" for v in row))
    best = max(results)
    print(f"best on {splits[0]}: rerank_candidates={best[1]} rerank_hybrid_weight={best[2]}")


if __name__ == "__main__":
    main()
