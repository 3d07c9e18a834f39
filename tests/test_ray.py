"""Embedding through Ray Data (`index --engine ray`): single-node, on a small corpus, the same
vectors as the in-process path. Ray is optional (requirements-scale.txt); CI installs it, and
there a missing Ray fails instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from rag.core.settings import PROJECT_DIR, Settings
from rag.index import store
from rag.index.embed import load_embedder

if os.environ.get("CI") != "true":
    pytest.importorskip("ray", reason="Ray is optional: pip install -r requirements-scale.txt")


@pytest.fixture(scope="module")
def texts():
    index_texts = []
    for path in sorted((PROJECT_DIR / "seeds").iterdir())[:2]:
        index_texts += [p for p in path.read_text(encoding="utf-8").split("\n\n") if len(p.split()) > 5][:20]
    return index_texts


def _fanned_and_local(texts, backend):
    from rag.index.ray_embed import RayEmbedder

    done: list[int] = []
    fanned = RayEmbedder("all-MiniLM-L6-v2", actors=2, backend=backend).embed(texts, batch_size=8, progress=done.append)
    local = load_embedder("all-MiniLM-L6-v2", 1, backend).embed(texts)
    assert fanned.shape == local.shape and sum(done) == len(texts)
    return fanned, local


def test_ray_data_gives_the_in_process_vectors(texts):
    """fp32: the same vectors, whatever the batches."""
    fanned, local = _fanned_and_local(texts, "onnx")
    np.testing.assert_allclose(fanned, local, atol=2e-5)


def test_ray_data_int8_vectors_differ_only_by_quantisation_noise(texts):
    """int8 quantises activations per batch, so Ray's batches (8, in input order) and the local ones
    (32, sorted by length) give slightly different vectors (cosine ~0.99), never different texts'."""
    fanned, local = _fanned_and_local(texts, "onnx-int8")
    cosines = (fanned * local).sum(axis=1)
    assert cosines.min() > 0.97, cosines.min()
    assert ((fanned @ local.T).argmax(axis=1) == (local @ local.T).argmax(axis=1)).all()


def test_index_engine_ray_builds_the_same_index(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted((PROJECT_DIR / "seeds").iterdir())[:2]:
        (corpus / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    for engine in ("local", "ray"):
        env = {**os.environ, "DOSSIER_CORPUS_DIR": str(corpus), "DOSSIER_INDEX_DIR": str(tmp_path / engine)}
        out = subprocess.run(
            [sys.executable, "-m", "rag", "index", "--engine", engine, "--actors", "2"],
            capture_output=True, text=True, cwd=PROJECT_DIR, env=env, timeout=600,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr[-2000:]
    local, ray_built = (store.load(tmp_path / e) for e in ("local", "ray"))
    assert local.manifest.embedding_model == ray_built.manifest.embedding_model == Settings.from_env().embedder_id
    assert [p.id for p in local.passages] == [p.id for p in ray_built.passages]
    assert (local.matrix() * ray_built.matrix()).sum(axis=1).min() > 0.97  # int8 noise, as above
