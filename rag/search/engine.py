"""Where passages are searched: one protocol, two engines.

`LocalEngine` (the default) is exact cosine search in FAISS plus an in-memory BM25, fused by
weighted reciprocal rank, in this process. `MilvusEngine` (`milvus.py`) does the same hybrid search
inside a Milvus server, which shards and replicates for collections one machine cannot hold. Both
answer the same calls and pass the same contract tests; ranking refinements above them (outlets,
near-duplicates, the cross-encoder) live in `retrieve.py`, and the passages' text and offsets stay in
the index on disk, so citations work the same on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from rag.core.schema import Passage
from rag.search.lexical import BM25


@dataclass(frozen=True)
class Filters:
    """Restrict a search to some source files, some articles (by `Article.id`), a date range
    (inclusive ISO dates) and/or some voices."""

    sources: frozenset[str] | None = None
    articles: frozenset[str] | None = None
    date_from: str | None = None
    date_to: str | None = None
    kinds: frozenset[str] | None = None
    publishers: frozenset[str] | None = None
    """Outlets, lower-cased."""

    def __bool__(self) -> bool:
        return any(
            v is not None
            for v in (self.sources, self.articles, self.date_from, self.date_to, self.kinds, self.publishers)
        )

    def admits(self, passage: Passage) -> bool:
        if self.sources is not None and passage.source not in self.sources:
            return False
        if self.articles is not None and passage.article_id not in self.articles:
            return False
        if self.kinds is not None and passage.kind not in self.kinds:
            return False
        if self.publishers is not None and (passage.publisher or "").lower() not in self.publishers:
            return False
        if self.date_from or self.date_to:
            if passage.date is None:
                return False  # an undated article cannot be shown to fall in the range
            if self.date_from and passage.date < self.date_from:
                return False
            if self.date_to and passage.date > self.date_to:
                return False
        return True


@dataclass(frozen=True)
class Ranked:
    """A passage an engine found: its id, fused score (only the order matters), and the scores of
    the dense and lexical searches that found it."""

    id: str
    score: float
    dense: float | None = None
    lexical: float | None = None


@dataclass(frozen=True)
class Fusion:
    """How an engine combines its dense and lexical rankings (reciprocal rank fusion)."""

    k: int = 15
    dense: float = 1.0
    lexical: float = 2.0


class SearchEngine(Protocol):
    def describe(self) -> str:
        """What and where, for reports: "faiss", "milvus 2.5.1 at 127.0.0.1:19530"."""
        ...

    def upsert(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        """Add passages (row i of `vectors` is passage i's unit vector), replacing any with the same id."""
        ...

    def delete(self, sources: Sequence[str]) -> None:
        """Remove every passage of these source files."""
        ...

    def get(self, ids: Sequence[str]) -> list[Passage]:
        """The passages with these ids, in that order (unknown ids are left out)."""
        ...

    def count(self) -> int: ...

    def search(
        self, query: str, vector: np.ndarray | None, n: int, filters: Filters | None, mode: str, fusion: Fusion
    ) -> list[Ranked]:
        """The `n` best passages admitted by `filters`: `mode` is hybrid, dense or lexical."""
        ...


class LocalEngine:
    """FAISS (exact inner product over unit vectors) and BM25 in this process. Built over a loaded
    index, it shares that index's vectors and the retriever's BM25 tables; `upsert` and `delete`
    change them in memory (the on-disk index is changed by `build.py`)."""

    def __init__(
        self, passages: Sequence[Passage], vectors: Any, bm25: BM25 | None = None, k1: float = 0.9, b: float = 0.4
    ):
        """`k1`/`b`: BM25's parameters (the settings' `bm25_k1`/`bm25_b`), kept for every rebuild of
        its tables after an upsert or delete."""
        import faiss

        self.k1, self.b = (bm25.k1, bm25.b) if bm25 is not None else (k1, b)
        self.passages = list(passages)
        self.vectors = vectors if vectors is not None else faiss.IndexFlatIP(0)
        self._bm25 = bm25
        self._rows = {p.id: i for i, p in enumerate(self.passages)}

    def describe(self) -> str:
        return "faiss"

    @property
    def bm25(self) -> BM25:
        if self._bm25 is None:
            from rag.index.build import embedding_text

            self._bm25 = BM25([embedding_text(p) for p in self.passages], self.k1, self.b)
        return self._bm25

    def upsert(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        import faiss

        self._remove({p.id for p in passages})
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ntotal == 0 and self.vectors.d != vectors.shape[1]:
            self.vectors = faiss.IndexFlatIP(vectors.shape[1])
        self.vectors.add(vectors)
        self.passages.extend(passages)
        self._changed()

    def delete(self, sources: Sequence[str]) -> None:
        gone = set(sources)
        self._remove({p.id for p in self.passages if p.source in gone})
        self._changed()

    def _remove(self, ids: set[str]) -> None:
        import faiss

        rows = [self._rows[i] for i in ids if i in self._rows]
        if rows:
            self.vectors.remove_ids(faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64)))
            gone = set(rows)
            self.passages = [p for i, p in enumerate(self.passages) if i not in gone]

    def _changed(self) -> None:
        self._rows = {p.id: i for i, p in enumerate(self.passages)}
        self._bm25 = None

    def get(self, ids: Sequence[str]) -> list[Passage]:
        return [self.passages[self._rows[i]] for i in ids if i in self._rows]

    def count(self) -> int:
        return len(self.passages)

    def search(
        self, query: str, vector: np.ndarray | None, n: int, filters: Filters | None, mode: str, fusion: Fusion
    ) -> list[Ranked]:
        allowed = None
        if filters:
            allowed = np.fromiter((filters.admits(p) for p in self.passages), dtype=bool, count=len(self.passages))
            if not allowed.any():
                return []
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if mode in ("hybrid", "dense") and self.passages and vector is not None:
            dense = self._dense(vector, n, allowed)
        if mode in ("hybrid", "lexical"):
            lexical = self.bm25.search(query, n, allowed)
        dense_score, lexical_score = dict(dense), dict(lexical)
        if mode == "dense":
            fused = dense_score.copy()
        elif mode == "lexical":
            fused = lexical_score.copy()
        else:
            fused = rrf([(fusion.dense, [r for r, _ in dense]), (fusion.lexical, [r for r, _ in lexical])], fusion.k)
        order = sorted(fused, key=lambda r: -fused[r])[:n]
        return [Ranked(self.passages[r].id, fused[r], dense_score.get(r), lexical_score.get(r)) for r in order]

    def _dense(self, vector: np.ndarray, n: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        import faiss

        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        n = min(n, self.vectors.ntotal)
        params = None
        if allowed is not None:
            ids = np.flatnonzero(allowed).astype(np.int64)
            n = min(n, len(ids))
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))
        scores, rows = self.vectors.search(query, n, params=params)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]


def rrf(rankings: Sequence[tuple[float, Sequence[Any]]], k: int) -> dict[Any, float]:
    """Weighted reciprocal rank fusion: each (weight, ranking) adds weight / (k + rank) to its items."""
    fused: dict[Any, float] = {}
    for weight, ranking in rankings:
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank + 1)
    return fused
