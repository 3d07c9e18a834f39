"""Building the index: corpus folder -> cleaned articles -> passages -> vectors -> store.

Incremental by content hash: an unchanged file keeps its passages and vectors; only added or changed
files are cleaned and embedded, deleted ones are dropped. Nothing is written when nothing changed.
A large build is made live in stages of whole files (`first_stage_passages`, then twice as many
each time): questions are answered from what is embedded so far, and an interrupted build resumes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.core.errors import CorpusError, IndexError_
from rag.core.schema import Article, Passage
from rag.core.settings import Settings
from rag.index import store
from rag.index.chunk import split_all
from rag.index.embed import Embedder, torch_threads
from rag.ingest.clean import Skipped, corpus_files
from rag.ingest.worker import load_document
from rag.lang.text import spoken_date


@dataclass(frozen=True)
class BuildReport:
    articles: int
    passages: int
    seconds: float
    embedded: int
    """Passages embedded in this run (0 when every file was unchanged)."""
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    rebuilt_reason: str | None = None
    written: bool = False

    def summary(self) -> str:
        parts = [f"{self.articles} articles, {self.passages} passages, {self.seconds:.1f} s"]
        if not self.written:
            parts.append("index up to date: nothing to embed")
        else:
            changes = [
                f"{len(names)} {what}"
                for names, what in ((self.added, "added"), (self.changed, "changed"), (self.removed, "removed"))
                if names
            ]
            parts.append(f"embedded {self.embedded} passages" + (f" ({', '.join(changes)})" if changes else ""))
        return "; ".join(parts)


@dataclass(frozen=True)
class _Cleaned:
    """A new or changed file, cleaned and split, waiting for its vectors."""

    name: str
    text: str
    articles: list[Article]
    passages: list[Passage]


@dataclass
class _Plan:
    keep: list[str] = field(default_factory=list)
    embed: list[str] = field(default_factory=list)


class Progress:
    """What a view implements to show build progress (a tqdm bar, a Streamlit progress bar)."""

    def start(self, total: int, description: str) -> None: ...
    def advance(self, n: int) -> None: ...
    def finish(self) -> None: ...


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    progress: Progress | None = None,
    rebuild: bool = False,
) -> BuildReport:
    """Bring the index in `settings.index.index_dir` up to date with `settings.corpus.corpus_dir`.

    `embedder_factory` is only called when something needs embedding, so an up-to-date index costs
    no model load."""
    began = time.perf_counter()
    progress = progress or Progress()
    files = corpus_files(settings.corpus.corpus_dir)
    with store.lock(settings.index.index_dir):
        previous, reason = _previous(settings, rebuild)
        hashes = {p.name: file_hash(p) for p in files}
        old_files = previous.manifest.files if previous else {}
        plan = _Plan()
        for name, digest in hashes.items():
            (plan.keep if name in old_files and old_files[name].sha256 == digest else plan.embed).append(name)
        removed = tuple(sorted(set(old_files) - set(hashes)))
        if previous is not None and not plan.embed and not removed:
            return BuildReport(
                articles=len(previous.articles),
                passages=len(previous.passages),
                seconds=time.perf_counter() - began,
                embedded=0,
            )

        passages: list[Passage] = []
        articles: list[Article] = []
        texts: dict[str, str] = {}
        vectors: list[np.ndarray] = []
        records: dict[str, store.FileRecord] = {}
        if previous is not None and plan.keep:
            keep = set(plan.keep)
            rows = [i for i, p in enumerate(previous.passages) if p.source in keep]
            passages += [previous.passages[i] for i in rows]
            vectors.append(previous.matrix()[rows])
            articles += [a for a in previous.articles if a.source in keep]
            texts.update({s: previous.texts[s] for s in keep})
            records.update({s: previous.manifest.files[s] for s in keep})

        skipped: list[Skipped] = []
        cleaned: list[_Cleaned] = []  # each new file, in order
        progress.start(len(plan.embed), "Cleaning")
        for name in plan.embed:
            path = settings.corpus.corpus_dir / name
            try:
                text, file_articles = load_document(path, settings.corpus.max_file_bytes)
            except CorpusError as e:
                skipped.append(Skipped(name, str(e)))
                progress.advance(1)
                continue
            file_passages = split_all(
                file_articles, text, settings.index.chunk_words, settings.index.chunk_overlap_sentences
            )
            if len(file_passages) > settings.corpus.max_passages_per_file:
                skipped.append(
                    Skipped(
                        name,
                        f"it splits into {len(file_passages):,} passages, more than the "
                        f"{settings.corpus.max_passages_per_file:,} one file may have: split the file, or raise "
                        "DOSSIER_MAX_PASSAGES_PER_FILE.",
                    )
                )
                progress.advance(1)
                continue
            cleaned.append(_Cleaned(name, text, file_articles, file_passages))
            progress.advance(1)
        progress.finish()

        if not records and not cleaned:
            reasons = "; ".join(f"{s.source}: {s.reason}" for s in skipped)
            raise CorpusError(
                f"Nothing to index in {settings.corpus.corpus_dir}: "
                + (
                    reasons
                    if reasons
                    else "the folder has no article files (.txt, .md, .html, .pdf). Add some and retry."
                )
            )

        dimension = previous.manifest.dimension if previous else 0
        embedded = sum(len(c.passages) for c in cleaned)
        stages = _stages(cleaned, settings.index.first_stage_passages)
        if embedded:
            embedder = embedder_factory()
            dimension = embedder.dimension
            progress.start(embedded, "Embedding")
        elif dimension == 0:  # every changed file was skipped and nothing was kept
            dimension = embedder_factory().dimension
        for stage in stages:
            stage_passages = [p for c in stage for p in c.passages]
            if stage_passages:
                with torch_threads(settings.index.build_threads):
                    batch = [embedding_text(p) for p in stage_passages]
                    vectors.append(embedder.embed(batch, settings.index.embed_batch_size, progress.advance))
            for c in stage:
                articles += c.articles
                passages += c.passages
                texts[c.name] = c.text
                records[c.name] = store.FileRecord(hashes[c.name], len(c.articles), len(c.passages))
            _publish(settings, dimension, records, passages, articles, texts, vectors)
        if embedded:
            progress.finish()
    old_names = set(old_files)
    return BuildReport(
        articles=len(articles),
        passages=len(passages),
        seconds=time.perf_counter() - began,
        embedded=embedded,
        added=tuple(sorted(n for n in plan.embed if n not in old_names and n in records)),
        changed=tuple(sorted(n for n in plan.embed if n in old_names and n in records)),
        removed=removed,
        skipped=tuple(skipped),
        rebuilt_reason=reason,
        written=True,
    )


def _stages(cleaned: list[_Cleaned], first: int) -> list[list[_Cleaned]]:
    """The new files in stages of whole files, each made live when embedded: the first of about
    `first` passages, each next one twice as large (a 12,000-passage corpus is written 5 times, not
    24); one stage when `first` is 0 or there is less than twice that to embed."""
    total = sum(len(c.passages) for c in cleaned)
    if not first or total < 2 * first:
        return [cleaned]
    stages: list[list[_Cleaned]] = [[]]
    size, target = 0, first
    for item in cleaned:
        if size >= target:
            stages.append([])
            size, target = 0, target * 2
        stages[-1].append(item)
        size += len(item.passages)
    return stages


def _publish(
    settings: Settings,
    dimension: int,
    records: dict[str, store.FileRecord],
    passages: list[Passage],
    articles: list[Article],
    texts: dict[str, str],
    vectors: list[np.ndarray],
) -> None:
    """Make the files embedded so far the live index (a later stage adds the rest)."""
    matrix = np.vstack(vectors) if vectors else np.zeros((0, dimension), np.float32)
    order = sorted(range(len(passages)), key=lambda i: (passages[i].source, passages[i].start, passages[i].end))
    manifest = store.Manifest(settings.embedder_id, dimension, dict(sorted(records.items())), time.time())
    store.save(
        settings.index.index_dir,
        manifest,
        [passages[i] for i in order],
        sorted(articles, key=lambda a: (a.source, a.start)),
        texts,
        matrix[order] if len(order) else matrix,
    )


def _previous(settings: Settings, rebuild: bool) -> tuple[store.Index | None, str | None]:
    """The live index if it can be extended; otherwise None and why everything is re-embedded."""
    if rebuild:
        return None, "rebuild requested"
    try:
        return store.load(settings.index.index_dir, settings.embedder_id), None
    except store.IndexMissing:
        return None, None
    except IndexError_ as e:
        return None, f"the previous index could not be reused ({e})"


def embedding_text(passage: Passage) -> str:
    """What gets embedded, BM25-indexed and reranked: the title gives a short passage its topic, the
    outlet lets "as reported by TechCrunch" match, the date "in January 2011"."""
    about = ", ".join(filter(None, (passage.publisher, spoken_date(passage.date))))
    return f"{passage.title} ({about})\n{passage.text}" if about else f"{passage.title}\n{passage.text}"
