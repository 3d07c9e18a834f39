"""The embedding model run by onnxruntime: no torch and no sentence-transformers on the query or
index path (their import alone costs 6-7 CPU-seconds and ~500 MB).

The packaged all-MiniLM-L6-v2 ships as safetensors only, so it is exported once per machine
(`torch.onnx.export`, opset 17, dynamic batch and sequence axes) and, for the default `onnx-int8`
backend, quantised with onnxruntime's dynamic int8 quantisation, per channel (per tensor loses too
much: a mean cosine to torch of 0.952 against 0.994). The files go to `<venv>/share/dossier/` with
their sha256 recorded; a file that no longer matches is exported again. Only the export needs torch.

Sentence-transformers' pipeline is reproduced exactly: WordPiece with truncation at 256 tokens,
mean pooling over the attention mask, L2 normalisation. Texts are sorted by length and each batch
padded only to its longest member. int8 activations are quantised per batch, so a vector depends a
little on its batch-mates: an index records its backend, and switching backends re-embeds.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from rag.core.checksums import file_sha256, has_sha256
from rag.core.errors import ModelError
from rag.core.imports import torch_importable
from rag.core.onnx import session
from rag.core.settings import model_cache

BACKENDS = ("onnx-int8", "onnx", "torch")
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_lock = threading.Lock()


def _slug(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def exported(source: str, quantized: bool) -> Path:
    """The folder holding `model.onnx` (or `model-int8.onnx`) and `tokenizer.json` for the model
    folder `source`, exported now if it is missing or does not match its recorded checksums."""
    folder = model_cache() / f"{Path(source).name}-{_slug(source)}"
    name = "model-int8.onnx" if quantized else "model.onnx"
    with _lock:
        if _verified(folder, name):
            return folder
        _export(Path(source), folder, quantized)
        if not _verified(folder, name):  # pragma: no cover - the export just wrote them
            raise ModelError(f"The ONNX export of {source} in {folder} does not match its checksums.")
    return folder


def _verified(folder: Path, name: str) -> bool:
    sums = folder / "SHA256SUMS.json"
    try:
        recorded = json.loads(sums.read_text(encoding="utf-8"))
        return all(has_sha256(folder / f, recorded[f]) for f in (name, "tokenizer.json", "config.json"))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _export(source: Path, folder: Path, quantized: bool) -> None:
    try:
        with torch_importable():
            import torch
            from transformers import AutoModel
    except ImportError:
        raise ModelError(
            "Exporting the embedding model to ONNX needs torch and transformers once: run `make install`, "
            "or set DOSSIER_EMBEDDING_BACKEND=torch."
        ) from None
    if not (source / "tokenizer.json").is_file() or not (source / "config.json").is_file():
        raise ModelError(
            f"{source} has no tokenizer.json/config.json to export to ONNX: set DOSSIER_EMBEDDING_BACKEND=torch "
            "for this model."
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    try:
        model = AutoModel.from_pretrained(str(source)).eval()

        class Encoder(torch.nn.Module):
            def __init__(self, inner: torch.nn.Module):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
                out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
                return out.last_hidden_state

        sample = torch.ones(2, 16, dtype=torch.long)
        axes = {n: {0: "batch", 1: "tokens"} for n in (*_INPUTS, "last_hidden_state")}
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Encoder(model),
                (sample, sample, torch.zeros_like(sample)),
                str(staging / "model.onnx"),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        files = ["model.onnx"]
        if quantized:
            import logging

            from onnxruntime.quantization import QuantType, quantize_dynamic

            logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process is for vision models
            quantize_dynamic(
                str(staging / "model.onnx"),
                str(staging / "model-int8.onnx"),
                weight_type=QuantType.QInt8,
                per_channel=True,
            )
            files.append("model-int8.onnx")
        for extra in ("tokenizer.json", "config.json"):
            shutil.copyfile(source / extra, staging / extra)
            files.append(extra)
        previous = {}
        try:
            previous = json.loads((folder / "SHA256SUMS.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        folder.mkdir(parents=True, exist_ok=True)
        for f in files:
            os.replace(staging / f, folder / f)
        sums = {**previous, **{f: file_sha256(folder / f) for f in files}}
        (folder / "SHA256SUMS.json").write_text(json.dumps(sums, indent=2), encoding="utf-8")
    except ModelError:
        raise
    except Exception as e:  # torch's exporter raises many kinds
        raise ModelError(
            f"Cannot export the embedding model {source} to ONNX ({type(e).__name__}: {str(e)[:200]}): "
            "set DOSSIER_EMBEDDING_BACKEND=torch."
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class OnnxEmbedder:
    """A BERT-style sentence embedder (mean pooling, normalised) run by onnxruntime on the CPU."""

    def __init__(self, name: str, source: str, threads: int = 1, bulk_threads: int = 0, quantized: bool = True):
        try:
            import onnxruntime  # noqa: F401 - fail here, with advice, if it is missing
            from tokenizers import Tokenizer
        except ImportError:
            raise ModelError("onnxruntime and tokenizers are needed: run `make install`.") from None
        folder = exported(source, quantized)
        self.name = name
        self._path = folder / ("model-int8.onnx" if quantized else "model.onnx")
        self._sessions: dict[int, object] = {}
        self.threads = max(1, threads)
        self.bulk_threads = bulk_threads or os.cpu_count() or 1
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.dimension = int(config["hidden_size"])
        self.max_tokens = MAX_TOKENS
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        self._session(self.threads)  # fail now, not at the first question

    def _session(self, threads: int):  # type: ignore[no-untyped-def]
        """One inference session per thread count, created once (a build uses every core, a query one)."""
        if threads not in self._sessions:
            self._sessions[threads] = session(self._path, threads)
        return self._sessions[threads]

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        """Normalised vectors of `texts`. A bulk embedding runs its batches side by side, one core
        each, on one single-threaded session (onnxruntime runs concurrent calls): on 2 cores that
        gave 82 passages/s against 71 for one call at a time on two intra-op threads (1,000 MultiHop
        passages). The batches are the same either way, so the vectors are too."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches = [order[at : at + batch_size] for at in range(0, len(order), batch_size)]
        session = self._session(self.threads if len(batches) == 1 else 1)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)

        def run(rows: list[int]) -> np.ndarray:
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                e = encodings[i]
                ids[r, : len(e.ids)] = e.ids
                mask[r, : len(e.ids)] = e.attention_mask
                types[r, : len(e.ids)] = e.type_ids
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
            return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

        if len(batches) == 1 or self.bulk_threads == 1:  # a query: no pool on the question's path
            results: Iterable[np.ndarray] = map(run, batches)
            return self._place(out, batches, results, progress)
        with concurrent.futures.ThreadPoolExecutor(self.bulk_threads) as pool:
            return self._place(out, batches, pool.map(run, batches), progress)

    @staticmethod
    def _place(out: np.ndarray, batches: list[list[int]], results: Iterable[np.ndarray], progress) -> np.ndarray:  # type: ignore[no-untyped-def]
        """Each batch's vectors in their texts' rows, the progress told as each batch lands."""
        for rows, pooled in zip(batches, results, strict=True):
            out[rows] = pooled
            if progress is not None:
                progress(len(rows))
        return out
