"""Passages and vectors: articles split into passages (`chunk`), embedded (`embed`: int8 ONNX by
default, `onnx_embed`; or sentence-transformers), and kept on disk as a versioned, checksummed FAISS
index (`store`), built incrementally (`build`). `ray_embed` fans embedding out over Ray Data."""

from rag.index.build import BuildReport, Progress, build, embedding_text
from rag.index.chunk import split, split_all
from rag.index.embed import Embedder, embedder_for, load_embedder
from rag.index.store import Index, Manifest

__all__ = [
    "BuildReport",
    "Embedder",
    "Index",
    "Manifest",
    "Progress",
    "build",
    "embedder_for",
    "embedding_text",
    "load_embedder",
    "split",
    "split_all",
]


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    """`RayEmbedder` on first use only: Ray Data is optional (requirements-scale.txt)."""
    if name == "RayEmbedder":
        from rag.index.ray_embed import RayEmbedder

        return RayEmbedder
    raise AttributeError(name)
