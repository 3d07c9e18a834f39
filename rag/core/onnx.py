"""onnxruntime sessions whose graph optimisation is done once per machine, not once per process.

Creating a session optimises the model's graph first (fusions, constant folding: 70-100 ms of a
start for each of the embedder and the cross-encoder). The optimised graph is saved next to the
exported models the first time (`DOSSIER_MODEL_CACHE`, default `<venv>/share/dossier`), at the
portable "extended" level (the levels above it only re-lay convolutions, which these transformer
models have none of), and later sessions load it with optimisation switched off: the same graph,
the same outputs to the bit, without the work. A saved graph is named by its model file's path,
size and change time, so a replaced model is optimised again; one that fails to load is set aside.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from rag.core.settings import model_cache


def session(model: Path, threads: int = 1) -> Any:
    """A CPU inference session for the ONNX file `model` on `threads` intra-op threads."""
    import onnxruntime as ort

    levels = ort.GraphOptimizationLevel

    def options(level: Any, save: str = "") -> Any:
        o = ort.SessionOptions()
        o.intra_op_num_threads = max(1, threads)
        o.inter_op_num_threads = 1
        o.log_severity_level = 3
        o.graph_optimization_level = level
        if save:
            o.optimized_model_filepath = save
        return o

    saved = _saved_path(model)
    if saved is not None and saved.is_file():
        try:
            return ort.InferenceSession(str(saved), options(levels.ORT_DISABLE_ALL), providers=["CPUExecutionProvider"])
        except Exception:  # noqa: BLE001 - a damaged saved graph: optimise the model again
            saved.unlink(missing_ok=True)
    if saved is None:
        return ort.InferenceSession(str(model), options(levels.ORT_ENABLE_ALL), providers=["CPUExecutionProvider"])
    staging = ""
    try:
        saved.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=".optimised-", suffix=".onnx", dir=saved.parent)
        os.close(fd)
    except OSError:
        staging = ""  # nowhere to save it: optimise in this process only
    made = ort.InferenceSession(
        str(model), options(levels.ORT_ENABLE_EXTENDED, staging), providers=["CPUExecutionProvider"]
    )
    if staging:
        try:
            os.replace(staging, saved)
        except OSError:
            Path(staging).unlink(missing_ok=True)
    return made


def _saved_path(model: Path) -> Path | None:
    try:
        model = model.resolve()
        st = model.stat()
    except OSError:
        return None
    key = hashlib.sha256(f"{model}|{st.st_size}|{st.st_ctime_ns}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    return model_cache() / "optimised" / f"{model.stem}-{key}.onnx"
