"""Errors meant for users. Each message says what happened and what to do next.

    DossierError
    ├── QuestionError      the question cannot be asked (empty, too long)
    ├── CorpusError        the corpus folder is missing, empty or unreadable
    ├── IndexError_        the index is missing, damaged, or built with another model/format
    │   ├── IndexMissing
    │   └── IndexMismatch
    │       └── IndexOutdated  written by an older Dossier: rebuilt from the corpus without asking
    ├── ModelError         the embedding model cannot be loaded
    └── BackendError       an answer backend failed (server unreachable, bad setting)

Views (the CLI, the Streamlit app) catch `DossierError` and show `str(error)` once, never a traceback.
A message whose next step is to change a setting is an `Advice`: it names the setting structurally,
so that each view words it its own way (the CLI its environment variable, the app its field).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_NAMED = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def variable(setting: str) -> str:
    """The environment variable that sets `setting` (a flat setting name)."""
    if setting == "llm_api_key":
        return "DOSSIER_LLM_API_KEY (or OPENAI_API_KEY)"
    return f"DOSSIER_{setting.upper()}"


class Advice(str):
    """A message for the user naming settings to change. `template` writes each as `{name}` (its
    flat name, listed in `settings`); the string itself names them by their environment variables,
    and `worded` by whatever a view calls them ("the Model field")."""

    template: str
    settings: tuple[str, ...]

    def __new__(cls, template: str, settings: Sequence[str] = ()) -> Advice:
        made = super().__new__(cls, _worded(template, tuple(settings), {}))
        made.template, made.settings = template, tuple(settings)
        return made

    def worded(self, names: Mapping[str, str]) -> str:
        """The message with each setting named as `names` has it (others by their variable)."""
        return _worded(self.template, self.settings, names)

    def after(self, text: str) -> Advice:
        """`text`, then this message (one remark after another, the settings kept)."""
        return Advice(f"{text} {self.template}", self.settings)


def _worded(template: str, settings: tuple[str, ...], names: Mapping[str, str]) -> str:
    return _NAMED.sub(lambda m: names.get(m[1]) or variable(m[1]) if m[1] in settings else m[0], template)


def advice(message: object) -> Advice:
    """`message` (an error, an Advice or any text) as an Advice: plain text names no setting."""
    if isinstance(message, DossierError):
        message = message.args[0] if message.args else ""
    return message if isinstance(message, Advice) else Advice(str(message))


class DossierError(Exception):
    """Base class: `str(error)` is a complete message for the user; raised with an `Advice`, it
    also names the settings to change (`advice(error)`)."""


class QuestionError(DossierError):
    pass


class CorpusError(DossierError):
    pass


class IndexError_(DossierError):  # noqa: N801 - avoid shadowing the builtin IndexError
    pass


class IndexMissing(IndexError_):
    pass


class IndexMismatch(IndexError_):
    pass


class IndexOutdated(IndexMismatch):
    pass


class ModelError(DossierError):
    pass


class BackendError(DossierError):
    pass
