"""The assistant: one object that holds the loaded index, model, retriever and answerer, and asks.

Views (CLI, Streamlit) build one `Assistant` and call `ask`; they contain no retrieval, ranking or
citation logic of their own. Heavy parts are loaded once, in the constructor.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Sequence

from rag import lang
from rag.answer.answerer import Answerer
from rag.answer.constraints import Names
from rag.answer.followups import contextualize, resolve
from rag.answer.question import analyse
from rag.answer.verdicts import sides
from rag.core.errors import IndexMissing, IndexOutdated, QuestionError, advice
from rag.core.schema import Answer, Article, Hit, Passage, Turn
from rag.core.settings import Settings
from rag.generate.backends import make_answerer
from rag.index import store
from rag.index.build import BuildReport, Progress, build
from rag.index.embed import Embedder, embedder_for
from rag.lang.spelling import Speller
from rag.search.engine import SearchEngine
from rag.search.rerank import load_reranker, needs_torch
from rag.search.retrieve import Filters, Retriever

SIDE_PASSAGES = 3  # passages retrieved for each side of a question that attributes claims to outlets


@dataclasses.dataclass(frozen=True)
class Retrieval:
    """What `Assistant.retrieve` hands to an answerer."""

    asked: str  # the question as the user typed it (cleaned)
    question: str  # with typos read as the collection's words
    query: str  # what was searched: the question, expanded for a follow-up
    hits: tuple[Hit, ...]
    fixes: dict[str, str]  # typo -> the word read
    timings_ms: dict[str, float]
    read_as: str = ""  # a follow-up resolved against the conversation ("What did Li Shanfu say?"), if it was


@dataclasses.dataclass(frozen=True)
class CatalogEntry:
    article: Article
    passages: int

    def matches(self, query: str) -> bool:
        """Whether every word of `query` is in the article's title, outlet, author or file name."""
        a = self.article
        about = f"{a.title} {a.publisher or ''} {a.author or ''} {a.source}".lower()
        return all(word in about for word in query.lower().split())


def open_engine(settings: Settings, index: store.Index) -> SearchEngine | None:
    """The search engine the settings choose: None for the in-process default; Milvus brought in
    line with `index` (only files whose content changed are sent)."""
    if settings.store != "milvus":
        return None
    from rag.search.milvus import open_milvus

    engine = open_milvus(settings, index.manifest.dimension)
    # A file is sent again when its text, the embedding model or the index format changes.
    m = index.manifest
    version = f"{m.embedding_model}|{m.format_version}|{settings.chunk_words}|{settings.chunk_overlap_sentences}"
    files = {s: hashlib.sha256(f"{f.sha256}|{version}".encode()).hexdigest() for s, f in m.files.items()}
    engine.sync(files, index.passages, lambda rows: index.matrix()[rows])
    return engine


def clean_question(question: str, max_chars: int) -> str:
    """The question, trimmed; raises QuestionError for one that cannot be asked."""
    question = "".join(ch for ch in (question or "") if ch.isprintable() or ch in "\n\t")
    question = " ".join(question.split())
    if not question:
        raise QuestionError("The question is empty: type what you want to know about the articles.")
    if len(question) > max_chars:
        raise QuestionError(
            f"The question is {len(question):,} characters long; the limit is {max_chars:,}. "
            "Ask about one thing at a time, in a sentence or two."
        )
    return question


def _before(remark: str, notice: str | None) -> str:
    """`remark`, then the notice the answerer gave (an Advice keeps the settings it names)."""
    if not notice:
        return remark
    return advice(notice).after(remark)


class Assistant:
    def __init__(self, settings: Settings, embedder_factory: Callable[[], Embedder] | None = None):
        self.settings = settings
        lang.use(settings.language_model)
        # Every question is parsed: the parser loads on a thread while the rest loads, first thing
        # unless a stage imports torch (spaCy is imported with torch hidden: lang.import_spacy).
        torch_stages = settings.embedding_backend == "torch" or needs_torch(settings.reranker)
        if not torch_stages:
            lang.preload()
        self._embedder_factory = embedder_factory or (lambda: embedder_for(settings))
        self.index = store.load(settings.index_dir, settings.embedder_id)
        self.embedder = self._embedder_factory()
        self.reranker = load_reranker(settings.reranker, settings.threads, settings.rerank_workers)
        if torch_stages:
            lang.preload()
        self.retriever = Retriever(
            self.index, self.embedder, settings, self.reranker, open_engine(settings, self.index)
        )
        self._answerers: dict[tuple[object, ...], Answerer] = {}
        self._suggestions: list[str] | None = None
        self.speller = Speller(p.text for p in self.index.passages)
        self.names = Names(self.index.texts.values())
        self._publishers = sorted({a.publisher for a in self.index.articles if a.publisher})
        self.leads: dict[str, Passage] = {}  # each article's first passage: its lead, for overviews
        for p in self.index.passages:
            if p.kind == "article" and (p.article_id not in self.leads or p.start < self.leads[p.article_id].start):
                self.leads[p.article_id] = p

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder_factory: Callable[[], Embedder] | None = None,
        progress: Progress | None = None,
        on_build: Callable[[BuildReport], None] | None = None,
    ) -> Assistant:
        """Load the index, building it first if there is none yet or it is in an older format (the
        corpus is the source of truth). A damaged index, or one built with another model, is
        reported, never silently replaced."""
        factory = embedder_factory or (lambda: embedder_for(settings))
        try:
            return cls(settings, factory)
        except (IndexMissing, IndexOutdated):
            report = build(settings, factory, progress)
            if on_build is not None:
                on_build(report)
            return cls(settings, factory)

    @property
    def generation(self) -> str:
        return self.index.path.name

    def catalog(self) -> list[CatalogEntry]:
        """The indexed articles with their passage counts, newest first (undated last)."""
        counts: dict[str, int] = {}
        for p in self.index.passages:
            counts[p.article_id] = counts.get(p.article_id, 0) + 1
        entries = sorted(
            (CatalogEntry(a, counts.get(a.id, 0)) for a in self.index.articles), key=lambda e: e.article.title
        )
        return sorted(entries, key=lambda e: e.article.date or "", reverse=True)  # stable: undated ("") last

    def suggestions(self, limit: int = 4, tries: int = 10) -> list[str]:
        """A few questions to start with, drawn from the newest articles' own facts and checked:
        each names a person or organisation its article mentions more than once ("Who is Li
        Shanfu?"), and is kept only if Dossier answers it from these articles. Computed once per
        index (the assistant is rebuilt for a new one)."""
        if self._suggestions is not None:
            return self._suggestions
        from rag.lang import parse

        out: list[str] = []
        asked = 0
        newest = sorted(self.index.articles, key=lambda a: a.date or "", reverse=True)
        for article in newest:
            if len(out) >= limit or asked >= tries:
                break
            text = self.index.texts[article.source][article.start : min(article.end, article.start + 4000)]
            # People by their last name (mentioned as "Antony Blinken", then "Blinken"), shown by
            # their fullest form; organisations only when named plainly (no digits, three words at most).
            counts: dict[tuple[str, str], int] = {}
            full: dict[tuple[str, str], str] = {}
            for ent in parse(" ".join(text.split())).ents:
                name = ent.text.strip(" .,'’")
                plainly = name[:1].isupper() and not any(ch.isdigit() for ch in name) and len(name.split()) <= 3
                if ent.label_ not in ("PERSON", "ORG") or not plainly or len(name) < 3:
                    continue
                key = (ent.label_, name.split()[-1])
                counts[key] = counts.get(key, 0) + 1
                if len(name) > len(full.get(key, "")):
                    full[key] = name
            ranked = sorted(
                (k for k, n in counts.items() if n >= 2 and (k[0] == "ORG" or len(full[k].split()) >= 2)),
                key=lambda k: (k[0] != "PERSON", -counts[k]),
            )
            for label, name in ((label, full[(label, last)]) for label, last in ranked[:1]):
                question = f"Who is {name}?" if label == "PERSON" else f"What is {name}?"
                asked += 1
                if question not in out and not self.ask(question).abstained:
                    out.append(question)
        self._suggestions = out
        return out

    def answerer(self, name: str | None = None, settings: Settings | None = None) -> Answerer:
        """The backend `name`, built once per (name, model server settings); `settings` lets a view
        override the model server per session."""
        settings = settings or self.settings
        name = name or settings.answerer
        key = (
            name,
            settings.llm_base_url,
            settings.llm_model,
            hash(settings.llm_api_key),
            settings.llm_timeout,
            settings.local_model,
        )
        if key not in self._answerers:
            self._answerers[key] = make_answerer(
                name,
                settings,
                self.reranker,
                self.retriever.bm25.term_idf,
                self.index.articles,
                self.leads,
                self.embedder.embed,
                self.names,
            )
        return self._answerers[key]

    def retrieve(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        top_k: int | None = None,
    ) -> Retrieval:
        """Everything before answering: the question cleaned and its typos read, the search query
        (expanded for a follow-up), and the passages found (twice as many for a broad question)."""
        asked = clean_question(question, self.settings.max_question_chars)
        # Preambles, politeness and instructions are neither constraints nor search terms.
        question, fixes = self.speller.correct(lang.question_proper(asked))
        resolved = resolve(question, history)  # "What did he say there?" -> "... Li Shanfu ... in Moscow?"
        read_as = resolved if resolved != question else ""
        query = resolved if read_as else contextualize(question, history)
        question = resolved
        t0 = time.perf_counter()
        vector = self.retriever.embed_query(query) if self.settings.retrieval_mode != "lexical" else None
        t1 = time.perf_counter()
        k = top_k or self.settings.top_k
        q = analyse(question)
        broad = q.shape in ("timeline", "comparison")
        if broad:
            k *= 2  # a broad question is answered from more of the collection
        outlets = self.retriever.named_outlets(q.names)
        hits = self.retriever.search(
            query, k=k, filters=filters, query_vector=vector, voice=q.voice, outlets=outlets, broad=broad
        )
        if q.shape == "yesno":
            hits = self._with_sides(question, hits, filters)
        t2 = time.perf_counter()
        timings = {"embed_ms": (t1 - t0) * 1000, "retrieve_ms": (t2 - t1) * 1000}
        return Retrieval(asked, question, query, tuple(hits), fixes, timings, read_as)

    def _with_sides(self, question: str, hits: list[Hit], filters: Filters | None) -> list[Hit]:
        """A question that attributes claims to several outlets ("Does the TechCrunch article suggest
        X, while the Fortune article reports Y?") is checked side by side: each side's best passages
        from its own outlet are added to the hits, so no side goes unread."""
        parts = sides(question, self._publishers)
        seen = {h.passage.id for h in hits}
        out = list(hits)
        for side in parts:
            scope = dataclasses.replace(filters or Filters(), publishers=frozenset([side.outlet.lower()]))
            # A report named by its day is found by its metadata ("published on November 6").
            dated = dataclasses.replace(scope, date_from=side.date, date_to=side.date) if side.date else None
            found = self.retriever.search(side.claim, k=SIDE_PASSAGES, filters=dated) if dated else []
            for hit in found or self.retriever.search(side.claim, k=SIDE_PASSAGES, filters=scope):
                if hit.passage.id not in seen:
                    seen.add(hit.passage.id)
                    out.append(hit)
        return out

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        top_k: int | None = None,
        answerer: str | None = None,
        llm: Settings | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question` in the context of `history`. `answerer` picks the backend and `llm`
        overrides the model server settings; a generative backend streams text to `on_token`."""
        began = time.perf_counter()
        backend = self.answerer(answerer, llm)
        found = self.retrieve(question, history, filters, top_k)
        t0 = time.perf_counter()
        result = backend.answer(found.question, found.query, found.hits, self.index.texts, history, on_token)
        t1 = time.perf_counter()
        timings = {**found.timings_ms, "answer_ms": (t1 - t0) * 1000, "total_ms": (t1 - began) * 1000}
        notice = result.notice
        if found.read_as:
            notice = _before(f"Read as: “{found.read_as}”", notice)
        if found.fixes:
            read = ", ".join(f"“{a}” as “{b}”" for a, b in found.fixes.items())
            notice = _before(f"Read {read} (the articles' spelling).", notice)
        if filters and not found.hits:
            notice = "No article matches the chosen articles/date range: widen the filter."
        text = result.text
        if filters and found.hits and result.abstained:
            # Say what the refusal is due to: the filter, when articles outside it answer.
            wider = self.retrieve(question, history, None, top_k)
            outside = self.answerer("extractive", None).answer(
                wider.question, wider.query, wider.hits, self.index.texts, history
            )
            if not outside.abstained:
                titles = ", ".join(dict.fromkeys(f"“{c.title}”" for c in outside.citations[:3]))
                text = (
                    "The articles you chose don't say. Other articles in the collection do "
                    f"({titles}): remove the filter to ask them."
                )
        return dataclasses.replace(result, question=found.asked, text=text, timings_ms=timings, notice=notice)
