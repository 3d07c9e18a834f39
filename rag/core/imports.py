"""Torch imported by one thread while another imports spaCy with torch hidden.

spaCy's thinc imports torch whenever it is installed (2 s and ~300 MB, for models spaCy's small
pipelines never use), so spaCy is imported with `sys.modules["torch"] = None`. That entry is
process-wide: a thread importing torch meanwhile (the one-off ONNX export of the embedding model,
a torch embedder or reranker) would fail. Both sides take the same lock, so the second waits.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_torch = threading.RLock()


@contextmanager
def torch_hidden() -> Iterator[None]:
    """`import torch` fails inside this block, unless torch is already imported."""
    with _torch:
        if "torch" in sys.modules:
            yield
            return
        sys.modules["torch"] = None  # type: ignore[assignment]
        try:
            yield
        finally:
            if sys.modules.get("torch", 0) is None:
                del sys.modules["torch"]


@contextmanager
def torch_importable() -> Iterator[None]:
    """Import torch (or a library that imports it) inside this block: it waits for a `torch_hidden`
    block on another thread to end."""
    with _torch:
        yield
