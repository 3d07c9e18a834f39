"""Shared fixtures. The hashing embedder is a test double for unit tests of storage and retrieval
plumbing; the real model is exercised by test_integration.py (module-scoped, loaded once)."""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.core.settings import PROJECT_DIR, Settings
from rag.lang.text import words

SEEDS = PROJECT_DIR / "seeds"
A, B, C, D, E = sorted(p.name for p in SEEDS.iterdir())


class HashingEmbedder:
    """Bag of hashed words, L2-normalised: deterministic, instant, and similar texts are similar."""

    def __init__(self, name: str = "hashing-test", dimension: int = 64):
        self.name, self.dimension = name, dimension
        self.calls = 0
        self.embedded = 0

    def embed(self, texts, batch_size=32, progress=None):
        self.calls += 1
        self.embedded += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in words(text):
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.where(norms == 0, 1, norms)
        if progress:
            progress(len(texts))
        return out


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory) -> Path:
    """Saved conversations of every app the tests start (in-process or a server) go to a temporary
    folder, never the project's data/."""
    folder = tmp_path_factory.mktemp("data")
    os.environ["DOSSIER_DATA_DIR"] = str(folder)
    return folder


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private copy of the seeds that a test may change."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings.from_env(
        environ={}, corpus_dir=corpus, index_dir=tmp_path / "index", embedding_model="hashing-test"
    )


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


def squeeze(text: str) -> str:
    """Text without whitespace: a quote across paragraphs is marked in each, without the breaks."""
    return re.sub(r"\s", "", text)


def highlighted(index, source: str, start: int, end: int) -> str:
    """What the source view marks for a citation: its article rendered with the span highlighted."""
    from rag.app.render import article_html

    article = index.article_at(source, start)
    page = article_html(index.text(source), article, (start, end))
    return squeeze(html.unescape("".join(re.findall(r'<mark[^>]*class="cited"[^>]*>(.*?)</mark>', page, flags=re.S))))


def started(at):  # type: ignore[no-untyped-def]
    """An AppTest page run, its builds (on the index keeper's thread) waited for, and run again: as
    a visitor sees it once the first index is live and the start-up check is done."""
    from rag.app.keeper import keeper_for

    at.run()
    keeper_for(Settings.from_env()).wait(timeout=180)
    at.run()
    keeper_for(Settings.from_env()).wait(timeout=180)
    at.run()
    return at
