"""onnxruntime sessions whose graph optimisation is done once per machine, not once per process.

Creating a session optimises the model's graph first (fusions, constant folding: 70-100 ms of a
start for each of the embedder and the cross-encoder). The optimised graph is saved next to the
exported models the first time (`DOSSIER_MODEL_CACHE`, default `<venv>/share/dossier`), at the
portable "extended" level (the levels above it only re-lay convolutions, which these transformer
models have none of), and later sessions load it with optimisation switched off: the same graph,
the same outputs to the bit, without the work. A saved graph is named by its model file's path,
size and change time, so a replaced model is optimised again; one that fails to load is set aside.

Before that, the int8 weights of integer matrix products are made uint8 (weight + 128, zero point
+ 128: the same products, exactly). On x86 CPUs without VNNI, onnxruntime multiplies uint8
activations by int8 weights with an instruction that saturates at 16 bits, so the int8 models'
outputs depended on the machine (the packaged cross-encoder scored a test pair 8.87 on such a CPU,
9.20 where VNNI computes it exactly), and with them every threshold calibrated on its logits.
uint8 by uint8 is computed exactly everywhere (about a quarter slower per pair without VNNI).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

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
        return ort.InferenceSession(_exact(model), options(levels.ORT_ENABLE_ALL), providers=["CPUExecutionProvider"])
    staging = ""
    try:
        saved.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=".optimised-", suffix=".onnx", dir=saved.parent)
        os.close(fd)
    except OSError:
        staging = ""  # nowhere to save it: optimise in this process only
    made = ort.InferenceSession(
        _exact(model), options(levels.ORT_ENABLE_EXTENDED, staging), providers=["CPUExecutionProvider"]
    )
    if staging:
        try:
            os.replace(staging, saved)
        except OSError:
            Path(staging).unlink(missing_ok=True)
    return made


def _exact(model: Path) -> str | bytes:
    """The model with its integer products' int8 weights made uint8 (see above); its path if it
    has none, or if it cannot be read here (onnxruntime then says what is wrong with it)."""
    try:
        import onnx
        from onnx import numpy_helper

        proto = onnx.load(str(model))
    except Exception:  # noqa: BLE001 - no onnx package, or a file onnx cannot read
        return str(model)
    weights = {i.name: i for i in proto.graph.initializer}
    shifted = set()
    for node in proto.graph.node:
        if node.op_type != "MatMulInteger" or len(node.input) < 2:
            continue
        b, zero = node.input[1], node.input[3] if len(node.input) > 3 else ""
        if b not in weights or weights[b].data_type != onnx.TensorProto.INT8:
            continue
        if zero and (zero not in weights or weights[zero].data_type != onnx.TensorProto.INT8):
            continue  # a zero point computed in the graph: left as it is
        for name in (b, zero) if zero else (b,):
            if name not in shifted:
                value = numpy_helper.to_array(weights[name]).astype(np.int16) + 128
                weights[name].CopyFrom(numpy_helper.from_array(value.astype(np.uint8), name))
                shifted.add(name)
        if not zero:  # no zero point means 0: as uint8 it is 128
            zero = f"{b}_uint8_zero_point"
            if zero not in weights:
                proto.graph.initializer.append(numpy_helper.from_array(np.array(128, dtype=np.uint8), zero))
                weights[zero] = proto.graph.initializer[-1]
            while len(node.input) < 3:
                node.input.append("")
            node.input.append(zero)
    return proto.SerializeToString() if shifted else str(model)


def _saved_path(model: Path) -> Path | None:
    try:
        model = model.resolve()
        st = model.stat()
    except OSError:
        return None
    made = f"{model}|{st.st_size}|{st.st_ctime_ns}|{st.st_mtime_ns}|uint8-weights"  # the graph `_exact` makes
    key = hashlib.sha256(made.encode()).hexdigest()[:16]
    return model_cache() / "optimised" / f"{model.stem}-{key}.onnx"
