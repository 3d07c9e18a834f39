"""The index on disk: inspectable, versioned, written atomically, never pickled.

    index/
      CURRENT                  name of the live generation (replaced atomically)
      gen-<n>/manifest.json    format version, embedding model, dimension, per-file content hashes
      gen-<n>/passages.jsonl   one passage per line; line i is vector i
      gen-<n>/articles.jsonl   one article per line (title, author, date, labelled segments)
      gen-<n>/sources.jsonl    the text of each indexed file, so quotes always match their offsets
      gen-<n>/vectors.faiss    faiss.IndexFlatIP over unit vectors: exact cosine similarity

A build writes a new generation beside the live one and then replaces CURRENT, so a crash mid-build
leaves the previous index loadable and a reader never sees half an index. The previous generation is
kept one round, so a reader that just opened it is not pulled from under.

Why not langchain-community's FAISS store: it pickles its docstore (loading runs code from the
file) and reports squared L2 distances; here passages are JSON and scores are cosines in [-1, 1].
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.core.checksums import file_sha256, has_sha256
from rag.core.errors import IndexError_, IndexMismatch, IndexMissing, IndexOutdated
from rag.core.schema import Article, Passage

FORMAT = "dossier-index"
# 2: articles and passages carry their credit lines; 3: outlets, embedded with the text; 4: bylines
# with several authors, source URLs, text in any encoding, sentences capped (re-cleaned on upgrade).
FORMAT_VERSION = 4
REBUILD = "run `python -m rag index --rebuild`"


@dataclass(frozen=True)
class FileRecord:
    sha256: str
    articles: int
    passages: int


@dataclass(frozen=True)
class Manifest:
    embedding_model: str
    dimension: int
    files: dict[str, FileRecord]
    created: float
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    checksums: dict[str, str] = field(default_factory=dict)
    """sha256 of each data file of the generation, written by `save`, checked by `load`."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["passages"] = sum(f.passages for f in self.files.values())
        data["articles"] = sum(f.articles for f in self.files.values())
        return data


@dataclass(frozen=True)
class Index:
    """A loaded index. Treat as read-only: it is shared by every session of the app."""

    manifest: Manifest
    passages: tuple[Passage, ...]
    articles: tuple[Article, ...]
    texts: dict[str, str]
    vectors: Any  # faiss.IndexFlatIP
    path: Path

    def text(self, source: str) -> str:
        return self.texts[source]

    def quote(self, source: str, start: int, end: int) -> str:
        return self.texts[source][start:end]

    def article_at(self, source: str, offset: int) -> Article | None:
        """The article of `source` that spans `offset` (a citation's start), if it is still indexed."""
        return next((a for a in self.articles if a.source == source and a.start <= offset <= a.end), None)

    def matrix(self) -> np.ndarray:
        """All vectors, row i for passage i."""
        n = self.vectors.ntotal
        return self.vectors.reconstruct_n(0, n) if n else np.zeros((0, self.manifest.dimension), np.float32)


# --- reading ------------------------------------------------------------------------------------


def live_generation(index_dir: Path) -> Path:
    current = index_dir / "CURRENT"
    if not current.is_file():
        raise IndexMissing(f"No index yet in {index_dir}: run `python -m rag index` to build it.")
    try:
        name = current.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise IndexError_(f"The index in {index_dir} is damaged (CURRENT is unreadable: {e}): {REBUILD}.") from None
    path = index_dir / name
    if not name.startswith("gen-") or "/" in name or not path.is_dir():
        raise IndexError_(f"The index in {index_dir} is damaged (CURRENT points to '{name}'): {REBUILD}.")
    return path


def read_manifest(index_dir: Path) -> Manifest:
    path = live_generation(index_dir)
    try:
        data = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a Dossier index")
        version = int(data["format_version"])
        if version != FORMAT_VERSION:
            raise (IndexOutdated if version < FORMAT_VERSION else IndexMismatch)(
                f"The index in {index_dir} has format version {version}; this version of Dossier reads "
                f"version {FORMAT_VERSION}: {REBUILD}."
            )
        return Manifest(
            embedding_model=str(data["embedding_model"]),
            dimension=int(data["dimension"]),
            files={k: FileRecord(**v) for k, v in data["files"].items()},
            created=float(data["created"]),
            checksums={str(k): str(v) for k, v in data.get("checksums", {}).items()},
        )
    except IndexError_:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise IndexError_(f"The index in {index_dir} is damaged ({type(e).__name__}: {e}): {REBUILD}.") from None


def _base_model(embedder_id: str) -> str:
    return embedder_id.split(" (", 1)[0]


def load(index_dir: Path, embedding_model: str | None = None) -> Index:
    """Load the live index; refuses an index built with another embedding model or format."""
    import faiss

    manifest = read_manifest(index_dir)
    if embedding_model is not None and manifest.embedding_model != embedding_model:
        if _base_model(manifest.embedding_model) == _base_model(embedding_model):
            raise IndexOutdated(  # only the backend changed: re-embedded without asking
                f"The index in {index_dir} holds vectors made by '{manifest.embedding_model}'; the settings ask "
                f"for '{embedding_model}': re-embedding."
            )
        raise IndexMismatch(
            f"The index in {index_dir} was built with the embedding model '{manifest.embedding_model}', but "
            f"the settings ask for '{embedding_model}'. Either set DOSSIER_EMBEDDING_MODEL="
            f"'{_base_model(manifest.embedding_model)}', or {REBUILD} to re-embed with the new model."
        )
    path = live_generation(index_dir)
    if set(manifest.checksums) != set(DATA_FILES):
        raise IndexError_(
            f"The index in {index_dir} is damaged (its manifest lacks the data files' checksums): {REBUILD}."
        )
    for name, expected in manifest.checksums.items():
        if not has_sha256(path / name, expected):
            raise IndexError_(f"The index in {index_dir} is damaged ({name} changed after it was written): {REBUILD}.")
    try:
        passages = tuple(Passage.from_json(d) for d in _read_jsonl(path / "passages.jsonl"))
        articles = tuple(Article.from_json(d) for d in _read_jsonl(path / "articles.jsonl"))
        texts = {d["source"]: d["text"] for d in _read_jsonl(path / "sources.jsonl")}
        vectors = faiss.read_index(str(path / "vectors.faiss"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError, MemoryError) as e:
        raise IndexError_(f"The index in {index_dir} is damaged ({type(e).__name__}: {e}): {REBUILD}.") from None
    if vectors.ntotal != len(passages) or vectors.d != manifest.dimension:
        raise IndexError_(
            f"The index in {index_dir} is damaged ({vectors.ntotal} vectors of dimension {vectors.d} for "
            f"{len(passages)} passages of dimension {manifest.dimension}): {REBUILD}."
        )
    if any(p.source not in texts for p in passages):
        raise IndexError_(f"The index in {index_dir} is damaged (a source text is missing): {REBUILD}.")
    return Index(manifest, passages, articles, texts, vectors, path)


DATA_FILES = ("passages.jsonl", "articles.jsonl", "sources.jsonl", "vectors.faiss")


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


# --- writing ------------------------------------------------------------------------------------


@contextlib.contextmanager
def lock(index_dir: Path) -> Iterator[None]:
    """Serialise writers (two browser tabs uploading at once); readers never wait."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save(
    index_dir: Path,
    manifest: Manifest,
    passages: list[Passage],
    articles: list[Article],
    texts: dict[str, str],
    vectors: np.ndarray,
) -> Path:
    """Write a new generation and make it live atomically. Call under `lock(index_dir)`."""
    import faiss

    if vectors.shape != (len(passages), manifest.dimension):
        raise ValueError(f"{vectors.shape[0]} vectors for {len(passages)} passages")
    index_dir.mkdir(parents=True, exist_ok=True)
    staging = index_dir / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(mode=0o700)  # readable by the account that runs Dossier only
    try:
        _write_jsonl(staging / "passages.jsonl", (p.to_json() for p in passages))
        _write_jsonl(staging / "articles.jsonl", (a.to_json() for a in articles))
        _write_jsonl(staging / "sources.jsonl", ({"source": s, "text": t} for s, t in sorted(texts.items())))
        flat = faiss.IndexFlatIP(manifest.dimension)
        if len(passages):
            flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(flat, str(staging / "vectors.faiss"))
        # The manifest goes last: a generation without one is never made live.
        checksums = {name: file_sha256(staging / name) for name in DATA_FILES}
        manifest = replace(manifest, checksums=checksums)
        _write_text(staging / "manifest.json", json.dumps(manifest.to_json(), indent=2, ensure_ascii=False))
        _fsync_dir(staging)
        generation = index_dir / f"gen-{time.time_ns()}"
        os.rename(staging, generation)
        _write_text(index_dir / "CURRENT.tmp", generation.name + "\n")
        os.replace(index_dir / "CURRENT.tmp", index_dir / "CURRENT")
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(index_dir, keep={generation.name})
    return generation


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Drop leftovers of crashed builds and every generation but the live one and the one before."""
    generations = sorted(
        (p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: int(p.name[4:] or 0), reverse=True
    )
    for old in generations[2:]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in index_dir.glob(".staging-*"):
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]] | Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _write_text(path: Path, content: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
