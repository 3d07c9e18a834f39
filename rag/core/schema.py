"""What flows between the stages: small frozen dataclasses.

Offsets (`start`, `end`) are always character offsets into the *original* source file as read by
`open(path, encoding="utf-8").read()`, so `text[start:end]` reproduces a quote exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Kind = Literal["article", "comment", "note"]
"""Whose voice a span is: the article's own reporting, a reader comment, or a translator's/editor's note."""

KIND_LABELS: dict[str, str] = {
    "article": "article",
    "comment": "reader comment",
    "note": "translator's/editor's note",
}


@dataclass(frozen=True)
class Segment:
    """A contiguous span of one article in one voice (a paragraph, or part of one)."""

    start: int
    end: int
    kind: Kind = "article"
    group: int = 0
    """Spans with the same group belong together (one reader comment); passages never cross groups."""
    speaker: str | None = None
    """Who wrote a reader comment, when the page names the commenter ("Georgiaboy says:")."""


@dataclass(frozen=True)
class Article:
    """One article found in a source file; a file may hold several (an archive page)."""

    source: str
    """File name inside the corpus folder; citations name it."""
    title: str
    author: str | None
    date: str | None
    """ISO date (YYYY-MM-DD) when the page states one, else None: never guessed."""
    start: int
    end: int
    segments: tuple[Segment, ...]
    publisher: str | None = None
    credits: tuple[tuple[int, int], ...] = ()
    """Offsets of the lines that state who wrote or posted the article and when (byline, "Posted …
    by", dateline, translator's credit): the evidence for its author and date."""
    url: str | None = None
    """Where the article was fetched from, when it was added by URL or feed ("Source: URL" line)."""

    @property
    def id(self) -> str:
        return f"{self.source}#{self.start}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["segments"] = [[s.start, s.end, s.kind, s.group, s.speaker] for s in self.segments]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        data = dict(data)
        data["segments"] = tuple(Segment(*s[:4], s[4] if len(s) > 4 else None) for s in data["segments"])
        data["credits"] = tuple((int(a), int(b)) for a, b in data.get("credits", ()))
        return cls(**data)


@dataclass(frozen=True)
class Passage:
    """A retrievable chunk: a few sentences of one article in one voice."""

    id: str
    source: str
    article_id: str
    title: str
    author: str | None
    date: str | None
    kind: Kind
    start: int
    end: int
    text: str
    """The sentences joined by single spaces (paragraph breaks are not kept)."""
    sentences: tuple[tuple[int, int], ...]
    """Offsets of each sentence in the source file, in order."""
    publisher: str | None = None
    credits: tuple[tuple[int, int], ...] = ()
    """The article's credit lines (see `Article.credits`), so an answer can cite its author and date."""
    instruction: bool = False
    """It holds text addressed to a language model ("ignore previous instructions..."): shown as
    such, never an answer (`injection.py`)."""
    speaker: str | None = None
    """The commenter, for a reader comment whose page names them (`Segment.speaker`)."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sentences"] = [list(s) for s in self.sentences]
        data["credits"] = [list(s) for s in self.credits]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Passage:
        data = dict(data)
        data["sentences"] = tuple((int(a), int(b)) for a, b in data["sentences"])
        data["credits"] = tuple((int(a), int(b)) for a, b in data.get("credits", ()))
        return cls(**data)


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with the scores that ranked it."""

    passage: Passage
    score: float
    """Fused score (reciprocal rank fusion); only the order is meaningful."""
    dense: float | None = None
    """Cosine similarity with the question, when the dense retriever found it."""
    lexical: float | None = None
    """BM25 score, when the lexical retriever found it."""
    rerank: float | None = None
    """The cross-encoder's relevance logit (above 0: relevant), when a reranker read it."""


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str
    author: str | None
    date: str | None
    kind: Kind
    start: int
    end: int
    quote: str
    """Exactly `source_text[start:end]`."""
    publisher: str | None = None
    """The outlet that published the article, when the page names it."""
    speaker: str | None = None
    """The commenter, when the citation quotes a reader comment whose page names them."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer and the citations that support it."""

    text: str
    citations: tuple[int, ...]
    supported: bool = True
    answer: tuple[int, int] | None = None
    """Offsets in `text` of the phrase that answers the question ("45 percent"), which views emphasise."""


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    """The answer with inline markers [1] [2] that refer to `citations`."""
    citations: tuple[Citation, ...]
    claims: tuple[Claim, ...]
    abstained: bool
    retrieved: tuple[Hit, ...]
    search_query: str = ""
    """What was actually searched: the question, expanded with the conversation for follow-ups."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    """A remark for the user about how the answer was produced (a fallback, a trimmed question); an
    `Advice` when it names settings to change."""
    backend: str = "extractive"

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "claims": [
                {
                    "text": c.text,
                    "citations": list(c.citations),
                    "supported": c.supported,
                    "answer": None if c.answer is None else c.text[c.answer[0] : c.answer[1]],
                }
                for c in self.claims
            ],
            "retrieved": [
                {
                    "source": h.passage.source,
                    "title": h.passage.title,
                    "kind": h.passage.kind,
                    "score": round(h.score, 6),
                    "dense": None if h.dense is None else round(h.dense, 4),
                    "lexical": None if h.lexical is None else round(h.lexical, 4),
                    "rerank": None if h.rerank is None else round(h.rerank, 4),
                    "start": h.passage.start,
                    "end": h.passage.end,
                }
                for h in self.retrieved
            ],
            "search_query": self.search_query,
            "backend": self.backend,
            "notice": self.notice,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
