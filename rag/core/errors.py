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
"""


class DossierError(Exception):
    """Base class: `str(error)` is a complete message for the user."""


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
