"""Typos: a question word the collection never uses, one or two letters away from a word it uses
often, is read as that word ("rubel" -> "ruble", "Shangfu" -> "Shanfu").

Corrections come only from the collection's own vocabulary, so a word the articles never use and
nothing resembles ("climate") is left alone, and answering then says plainly that the articles do not
mention it. A common English word is never a typo, however close a collection word is ("academic" is
not "academy"): pyspellchecker's English word frequencies, shipped in its wheel, say which are common.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from rag.lang.text import STOPWORDS, stem, words

COMMON = 200  # occurrences in pyspellchecker's English list from which a word is surely a word ("rubel": 50)


@lru_cache(maxsize=1)
def _english():  # type: ignore[no-untyped-def]
    from spellchecker import SpellChecker

    return SpellChecker(distance=1).word_frequency


def is_common_word(word: str) -> bool:
    return _english()[word.lower()] >= COMMON


def max_edits(word: str) -> int:
    """Typos tolerated in a word: one in a short word, two from eight letters ("reaction" is not a
    typo of "relations": that takes three)."""
    return 1 if len(word) < 8 else 2


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


class Speller:
    def __init__(self, texts: Iterable[str], min_count: int = 2):
        counts = Counter(w for text in texts for w in words(text))
        self.known = frozenset(counts)
        # "remark" is no typo when "remarks" is known; "reservs", no English word, is read as "reserves".
        self._by_stem: dict[str, str] = {}
        for w, _ in counts.most_common():
            self._by_stem.setdefault(stem(w), w)
        self.stems = frozenset(self._by_stem)
        # Only words seen a few times are proposed: a one-off typo in an article is not a correction.
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for w, n in counts.items():
            if n >= min_count and w.isalpha() and len(w) >= 4:
                self._buckets.setdefault((w[0], len(w)), []).append(w)
        self._counts = counts

    def suggest(self, word: str) -> str | None:
        """The collection's word closest to `word`, or None when `word` is known or nothing is close."""
        low = word.lower()
        if low in self.known or len(low) < 5 or low in STOPWORDS or not low.isalpha() or is_common_word(low):
            return None
        if stem(low) in self.stems:
            found = self._by_stem[stem(low)]  # an inflection no article uses, and no English word
            return found if found.isalpha() and found != low else None
        pool = [w for n in (-1, 0, 1) for w in self._buckets.get((low[0], len(low) + n), ())]
        close = process.extract(low, pool, scorer=DamerauLevenshtein.distance, score_cutoff=max_edits(low), limit=5)
        if not close:
            return None
        return min(close, key=lambda found: (found[1], -self._counts[found[0]]))[0]

    def correct(self, question: str) -> tuple[str, dict[str, str]]:
        """The question with unknown words replaced by their suggestion, and what was replaced."""
        fixes: dict[str, str] = {}

        def fix(m: re.Match[str]) -> str:
            found = self.suggest(m.group())
            if found is None:
                return m.group()
            if m.group()[:1].isupper():
                found = found.capitalize()
            fixes[m.group()] = found
            return found

        return _WORD.sub(fix, question), fixes
