"""Files checked against their recorded sums are read again only when they change, and an
onnxruntime graph is optimised once per machine."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rag.core import checksums
from rag.core.checksums import file_sha256, has_sha256


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DOSSIER_MODEL_CACHE", str(folder))
    return folder


def test_an_unchanged_file_is_not_read_again(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "data.bin"
    f.write_bytes(b"x" * 1000)
    expected = file_sha256(f)
    assert has_sha256(f, expected)
    assert (cache / "verified.json").is_file()
    reads: list[Path] = []
    monkeypatch.setattr(checksums, "file_sha256", lambda p: reads.append(p) or "read")
    assert has_sha256(f, expected)
    assert reads == []


def test_a_changed_file_is_hashed_and_caught(cache: Path, tmp_path: Path) -> None:
    f = tmp_path / "data.bin"
    f.write_bytes(b"x" * 1000)
    expected = file_sha256(f)
    assert has_sha256(f, expected)
    stat = f.stat()
    f.write_bytes(b"y" * 1000)  # same size; the modification time is even set back
    os.utime(f, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert not has_sha256(f, expected)
    assert not has_sha256(tmp_path / "missing.bin", expected)


def test_a_wrong_sum_is_never_stamped(cache: Path, tmp_path: Path) -> None:
    f = tmp_path / "data.bin"
    f.write_bytes(b"x")
    assert not has_sha256(f, "0" * 64)
    assert not has_sha256(f, "0" * 64)
    assert has_sha256(f, file_sha256(f))


def test_an_unwritable_cache_still_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DOSSIER_MODEL_CACHE", str(blocker / "cache"))
    f = tmp_path / "data.bin"
    f.write_bytes(b"x")
    assert has_sha256(f, file_sha256(f))
    assert not has_sha256(f, "0" * 64)


def _tiny_model(path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])
    w = helper.make_tensor("w", TensorProto.FLOAT, [4, 4], np.eye(4, dtype=np.float32).flatten().tolist())
    b = helper.make_tensor("b", TensorProto.FLOAT, [4], [1.0, 2.0, 3.0, 4.0])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Add", ["m", "b"], ["y"])],
        "tiny",
        [x],
        [y],
        [w, b],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_a_graph_is_optimised_once_and_reused(cache: Path, tmp_path: Path) -> None:
    from rag.core.onnx import session

    model = tmp_path / "tiny.onnx"
    _tiny_model(model)
    x = np.ones((2, 4), dtype=np.float32)
    first = session(model).run(None, {"x": x})[0]
    saved = list((cache / "optimised").glob("tiny-*.onnx"))
    assert len(saved) == 1
    again = session(model).run(None, {"x": x})[0]
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, x + np.array([1, 2, 3, 4], dtype=np.float32))
    saved[0].write_bytes(b"damaged")  # a damaged saved graph is set aside and made again
    np.testing.assert_array_equal(session(model).run(None, {"x": x})[0], first)
    assert saved[0].read_bytes() != b"damaged"
