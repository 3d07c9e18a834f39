"""Lexical retrieval: Okapi BM25 over stemmed terms, in memory, with numpy postings.

Rebuilt from the passages when the index is loaded (about a second per 100k passages of text), so
there is nothing extra on disk to keep in sync with the vectors.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from rag.lang.text import terms


class BM25:
    def __init__(self, documents: Sequence[str], k1: float = 0.9, b: float = 0.4):
        """`k1`/`b` default to Anserini's values, which suit short passages better than 1.2/0.75."""
        self.k1, self.b = k1, b
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(len(documents), dtype=np.float32)
        for i, doc in enumerate(documents):
            counts = Counter(terms(doc))
            lengths[i] = sum(counts.values())
            for term, tf in counts.items():
                postings[term].append((i, tf))
        self.size = len(documents)
        avg = float(lengths.mean()) if len(documents) else 1.0
        norm = k1 * (1 - b + b * lengths / max(avg, 1e-9))
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.idf: dict[str, float] = {}
        for term, rows in postings.items():
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            tf = np.fromiter((r[1] for r in rows), dtype=np.float32, count=len(rows))
            self._postings[term] = (ids, tf * (k1 + 1) / (tf + norm[ids]))
            self.idf[term] = math.log(1 + (self.size - len(rows) + 0.5) / (len(rows) + 0.5))

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.float32)
        for term, weight in Counter(terms(query)).items():
            if term in self._postings:
                ids, saturated = self._postings[term]
                out[ids] += self.idf[term] * weight * saturated
        return out

    def search(self, query: str, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top `n` (row, score) with a positive score; `allowed` is an optional boolean row mask."""
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > n:
            candidates = candidates[np.argpartition(-scores[candidates], n - 1)[:n]]
        ranked = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(int(i), float(scores[i])) for i in ranked]

    def term_idf(self, term: str) -> float:
        """IDF of a stemmed term; unseen terms get the maximum (they are maximally specific)."""
        return self.idf.get(term, math.log(1 + (self.size + 0.5) / 0.5))
