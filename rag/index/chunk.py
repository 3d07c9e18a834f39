"""Chunking: articles -> passages of whole sentences, one voice each, with a sentence of overlap.

A passage never mixes voices (the article's reporting, one reader comment, one translator's note),
so a retrieved passage can always be attributed. Passages stay near `chunk_words` words because
all-MiniLM-L6-v2 truncates its input at 256 word pieces.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rag.core.schema import Article, Passage, Segment
from rag.lang.injection import instruction_like
from rag.lang.text import sentence_spans


def split(article: Article, text: str, chunk_words: int = 120, overlap: int = 1) -> list[Passage]:
    """Passages of one article; `text` is the whole source file the article's offsets refer to."""
    streams: dict[tuple[str, int], list[Segment]] = defaultdict(list)
    for segment in article.segments:
        streams[(segment.kind, segment.group)].append(segment)
    passages: list[Passage] = []
    for segments in streams.values():
        sentences = [span for seg in segments for span in sentence_spans(text, seg.start, seg.end)]
        for window in _windows(text, sentences, chunk_words, overlap):
            start, end = window[0][0], window[-1][1]
            passages.append(
                Passage(
                    id=f"{article.source}:{start}-{end}",
                    source=article.source,
                    article_id=article.id,
                    title=article.title,
                    author=article.author,
                    date=article.date,
                    kind=segments[0].kind,
                    start=start,
                    end=end,
                    text=" ".join(text[s:e] for s, e in window),
                    sentences=tuple(window),
                    publisher=article.publisher,
                    credits=article.credits,
                    instruction=any(instruction_like(text[s:e]) for s, e in window),
                    speaker=segments[0].speaker,
                )
            )
    passages.sort(key=lambda p: (p.start, p.end))
    return passages


def _windows(
    text: str, sentences: list[tuple[int, int]], chunk_words: int, overlap: int
) -> Iterable[list[tuple[int, int]]]:
    """Greedy sentence windows of about `chunk_words` words; each starts `overlap` sentences back."""
    lengths = [len(text[s:e].split()) for s, e in sentences]
    i = 0
    while i < len(sentences):
        j, words = i, 0
        while j < len(sentences) and (j == i or words + lengths[j] <= chunk_words):
            words += lengths[j]
            j += 1
        yield sentences[i:j]
        if j >= len(sentences):
            break
        i = max(j - overlap, i + 1)


def split_all(articles: Iterable[Article], text: str, chunk_words: int, overlap: int) -> list[Passage]:
    return [p for a in articles for p in split(a, text, chunk_words, overlap)]
