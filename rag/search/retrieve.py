"""Retrieval: dense (FAISS cosine) + lexical (BM25), fused by reciprocal rank (in a search
engine, `engine.py`), the outlets a question names lifted, near-duplicates collapsed, then
reranked by a cross-encoder.

Dense retrieval finds paraphrases; BM25 finds the rare names, numbers and terms that small embedding
models blur. Reciprocal rank fusion combines their *ranks*, so neither score scale has to be
calibrated against the other. When `rerank_candidates` is set, the cross-encoder (`rerank.py`)
rereads that many of the best with the question and orders them by how well they answer it (off by
default: on news it lowered MultiHop-RAG Hits@10; see README).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from rag.core.schema import Hit, Passage
from rag.core.settings import Settings
from rag.index.build import embedding_text
from rag.index.embed import Embedder
from rag.index.store import Index
from rag.lang.text import STOPWORDS, normalize
from rag.search.engine import Filters, Fusion, LocalEngine, Ranked, SearchEngine, rrf
from rag.search.lexical import BM25
from rag.search.outlets import is_outlet
from rag.search.rerank import Reranker


def fused_order(logits: Sequence[float], k: int, hybrid_weight: float) -> list[int]:
    """Positions of hits already in hybrid order, reordered by the cross-encoder's `logits` fused by
    reciprocal rank (constant `k`) with the hybrid order weighted `hybrid_weight`."""
    order = sorted(range(len(logits)), key=lambda i: -logits[i])
    fused = rrf([(1.0, order), (hybrid_weight, range(len(logits)))], k)
    return sorted(fused, key=lambda i: -fused[i])


class Retriever:
    """Hybrid search over one loaded index. Build once per index: it holds the BM25 tables."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder | None,
        settings: Settings,
        reranker: Reranker | None = None,
        engine: SearchEngine | None = None,
    ):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.reranker = reranker
        # The collection's term statistics (the answerer weighs words by them), and the default
        # engine's lexical index.
        self.bm25 = BM25([embedding_text(p) for p in index.passages], settings.search.bm25_k1, settings.search.bm25_b)
        self.engine: SearchEngine = engine or LocalEngine(index.passages, index.vectors, self.bm25)
        self._passages = {p.id: p for p in index.passages}
        self.publishers = frozenset(p.publisher.lower() for p in index.passages if p.publisher)
        self._words = {p.id: frozenset(normalize(p.text).split()) for p in index.passages}
        # Bottom-2 min-hash sketch of each word set: passages with Jaccard >= 0.8 almost surely share
        # a sketch value, so collapsing checks a handful of candidates instead of every kept hit.
        # (Content words only: over all words, unrelated passages would collide on "the".)
        self._sketch = {
            pid: tuple(sorted(hash(w) for w in ws if w not in STOPWORDS)[:2]) for pid, ws in self._words.items()
        }

    def embed_query(self, query: str) -> np.ndarray:
        if self.embedder is None:
            raise RuntimeError("dense retrieval needs an embedder")
        return self.embedder.embed([query])[0]

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
        query_vector: np.ndarray | None = None,
        voice: str | None = None,
        rerank: bool = True,
        outlets: frozenset[str] = frozenset(),
        broad: bool = False,
    ) -> list[Hit]:
        """The `k` best passages for `query`. With `voice` ("comment", "note"), up to `k` of that
        kind come first and the `k` best of any kind after them, so "what do readers say about X"
        finds the comments even when the article itself ranks higher (a short note, "[what did they
        expect?]", shares few words with the question: the answerer reads it with what it reacts
        to). `outlets` (lower-cased publishers the question names) rank their own passages higher,
        by a third ranking in the fusion. A `broad` question (a timeline, a
        comparison) is about a theme more than its words: BM25 then weighs no more than the
        embedding."""
        k = k or self.settings.search.top_k
        if voice is not None:
            if mode != "lexical" and query_vector is None and self.embedder is not None:
                query_vector = self.embed_query(query)
            voiced = self.search(
                query,
                k,
                replace(filters or Filters(), kinds=frozenset([voice])),
                mode,
                query_vector,
                rerank=rerank,
                outlets=outlets,
                broad=broad,
            )
            rest = self.search(query, k, filters, mode, query_vector, rerank=rerank, outlets=outlets, broad=broad)
            seen = {h.passage.id for h in voiced}
            return voiced + [h for h in rest if h.passage.id not in seen]
        mode = mode or self.settings.search.retrieval_mode
        n = max(self.settings.search.candidates, k)
        vector = None
        if mode in ("hybrid", "dense") and len(self.index.passages):
            vector = self.embed_query(query) if query_vector is None else query_vector
        s = self.settings
        # A broad question (a timeline, a comparison) is about a theme more than its words.
        fusion = Fusion(s.rrf_k, s.dense_weight, min(s.lexical_weight, s.dense_weight) if broad else s.lexical_weight)
        found = self.engine.search(query, vector, n, filters, mode, fusion)
        fused = self._with_outlets([r for r in found if r.id in self._passages], outlets)
        if not rerank or self.reranker is None or self.settings.search.rerank_candidates == 0:
            return self._collapse(fused, k)
        return self.rerank(query, self._collapse(fused, max(k, self.settings.search.rerank_candidates)), k)

    def _rerank_text(self, p: Passage) -> str:
        """What the cross-encoder reads: the passage with its title; an inline note also with the
        sentence it reacts to (a note alone, "what the hell did they expect?", is about nothing)."""
        if p.kind != "note":
            return embedding_text(p)
        return f"{self.index.text(p.source)[max(0, p.start - 300) : p.start]} {embedding_text(p)}"

    def rerank(self, query: str, hits: Sequence[Hit], k: int) -> list[Hit]:
        """The cross-encoder's order (optionally fused with the hybrid order by reciprocal rank)."""
        assert self.reranker is not None
        logits = self.reranker.score(query, [self._rerank_text(h.passage) for h in hits])
        ranked = fused_order(logits, self.settings.search.rrf_k, self.settings.search.rerank_hybrid_weight)[:k]
        return [replace(hits[i], rerank=float(logits[i])) for i in ranked]

    def named_outlets(self, names: Iterable[str]) -> frozenset[str]:
        """The collection's publishers (lower-cased) that `names` refer to ("BBC" -> every "BBC News - ...")."""
        return frozenset(o for o in self.publishers for n in names if is_outlet(n, frozenset([o])))

    def _with_outlets(self, found: Sequence[Ranked], outlets: frozenset[str]) -> list[Hit]:
        """The engine's ranking as hits, the passages of the outlets a question names lifted by a
        third ranking in the fusion."""
        scores = {r.id: r.score for r in found}
        if outlets and self.settings.search.outlet_weight:
            own = [r.id for r in found if (self._passages[r.id].publisher or "").lower() in outlets]
            for pid, extra in rrf([(self.settings.search.outlet_weight, own)], self.settings.search.rrf_k).items():
                scores[pid] += extra
        order = sorted(found, key=lambda r: -scores[r.id])
        return [Hit(self._passages[r.id], scores[r.id], dense=r.dense, lexical=r.lexical) for r in order]

    def _collapse(self, hits: Iterable[Hit], k: int) -> list[Hit]:
        """Drop passages that repeat a better-ranked one (the same text captured twice)."""
        kept: list[Hit] = []
        by_sketch: dict[int, list[frozenset[str]]] = {}
        for hit in hits:
            words = self._words[hit.passage.id]
            sketch = self._sketch[hit.passage.id]
            similar = [w for h in sketch for w in by_sketch.get(h, ())]
            if any(len(words & w) / max(1, len(words | w)) >= 0.8 for w in similar):
                continue
            kept.append(hit)
            for h in sketch:
                by_sketch.setdefault(h, []).append(words)
            if len(kept) >= k:
                break
        return kept


def as_langchain_retriever(retriever: Retriever, k: int | None = None, filters: Filters | None = None) -> Any:
    """The hybrid retriever behind langchain's `BaseRetriever`, for use in langchain chains.

    Each `Document` carries the passage's source, title, author, date, kind, offsets and scores."""
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
    from pydantic import ConfigDict

    class DossierRetriever(BaseRetriever):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        inner: Any
        k: int | None = None
        filters: Any = None

        def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
            return [
                Document(
                    page_content=h.passage.text,
                    id=h.passage.id,
                    metadata={
                        "source": h.passage.source,
                        "title": h.passage.title,
                        "author": h.passage.author,
                        "date": h.passage.date,
                        "kind": h.passage.kind,
                        "start": h.passage.start,
                        "end": h.passage.end,
                        "score": h.score,
                        "dense": h.dense,
                        "lexical": h.lexical,
                    },
                )
                for h in self.inner.search(query, k=self.k, filters=self.filters)
            ]

    return DossierRetriever(inner=retriever, k=k, filters=filters)
