"""Embedding that fans out through Ray Data: `python -m rag index --engine ray`.

An `Embedder` like the in-process one, so the index build is the same code either way: the texts
become a Ray dataset, `map_batches` sends them to a pool of actors that each hold the
sentence-transformers model (loaded once per actor), and the vectors come back in input order. On
one machine the pool uses its cores; on a Ray cluster (`RAY_ADDRESS`), its nodes and GPUs.

Optional: `pip install -r requirements-scale.txt`. Nothing else in Dossier imports Ray.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.core.errors import ModelError
from rag.index.embed import Progress, load_embedder


def _start(ray: Any, attempts: int = 2) -> None:
    """Ray started on this machine (or joined at `RAY_ADDRESS`). Ray waits a fixed 30 s for its
    node to come up, which a machine busy on every core can exceed: a second start is tried."""
    for attempt in range(attempts):
        try:
            ray.init(
                address=os.environ.get("RAY_ADDRESS"),
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
            return
        except Exception as e:  # Ray raises a bare Exception for this
            if "timed out during startup" not in str(e) or attempt == attempts - 1:
                raise
            ray.shutdown()


class RayEmbedder:
    def __init__(self, model: str, actors: int = 0, threads: int = 1, backend: str = "onnx-int8"):
        """`actors`: model copies working at once (0: one per CPU Ray sees); `threads`: threads in
        each; `backend`: as DOSSIER_EMBEDDING_BACKEND (the actors run the same embedder as a build)."""
        try:
            import ray
        except ImportError:
            raise ModelError("--engine ray needs Ray Data: run `pip install -r requirements-scale.txt`.") from None
        if not ray.is_initialized():
            _start(ray)
        self.model, self.threads, self.backend = model, threads, backend
        self.actors = actors or max(1, int(ray.cluster_resources().get("CPU", 1)) // max(1, threads))
        local = load_embedder(
            model, threads, backend, threads
        )  # fails here, with the usual message, for a missing model
        self.name, self.dimension = local.name, local.dimension

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None) -> np.ndarray:
        import ray

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model, threads, backend = self.model, self.threads, self.backend

        class Embed:
            def __init__(self) -> None:
                self.embedder = load_embedder(model, threads, backend, threads)

            def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
                vectors = self.embedder.embed(list(batch["text"]), batch_size=len(batch["text"]))
                return {"i": batch["i"], "vector": vectors}

        data = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)])
        done = data.map_batches(
            Embed, batch_size=batch_size, concurrency=self.actors, num_cpus=self.threads, batch_format="numpy"
        )
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch in done.iter_batches(batch_size=batch_size, batch_format="numpy"):
            out[batch["i"]] = np.stack(batch["vector"])
            if progress:
                progress(len(batch["i"]))
        return out
