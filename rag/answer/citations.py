"""Citations: quotable spans of the source files, numbered in order of first use.

Shared by every answer backend and by verification, so none of them imports another."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rag.core.schema import Citation, Passage


@dataclass(frozen=True)
class Span:
    """A quotable span of a passage's source file."""

    passage: Passage
    start: int
    end: int


class CitationList:
    """Numbers spans in order of first use; the same span cited twice keeps its number."""

    def __init__(self, texts: Mapping[str, str]):
        self.texts = texts
        self.items: list[Citation] = []
        self._numbers: dict[tuple[str, int, int], int] = {}

    def cite(self, span: Span) -> int:
        key = (span.passage.source, span.start, span.end)
        if key not in self._numbers:
            p = span.passage
            n = len(self.items) + 1
            quote = self.texts[p.source][span.start : span.end]
            self.items.append(
                Citation(
                    n, p.source, p.title, p.author, p.date, p.kind, span.start, span.end, quote, p.publisher, p.speaker
                )
            )
            self._numbers[key] = n
        return self._numbers[key]


def overlaps(a: Span, b: Span) -> bool:
    return a.passage.source == b.passage.source and a.start < b.end and b.start < a.end
