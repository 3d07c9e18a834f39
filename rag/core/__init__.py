"""What every stage shares: typed settings, the errors users see, and the small frozen dataclasses
that flow between stages (an article, a passage, a hit, an answer with its claims and citations);
also files checked against their sums without reading them at every start (`checksums`) and
onnxruntime sessions whose graph is optimised once per machine (`onnx`), and torch imported
safely while spaCy loads with it hidden (`imports`)."""

from rag.core.errors import (
    Advice,
    BackendError,
    CorpusError,
    DossierError,
    IndexError_,
    IndexMismatch,
    IndexMissing,
    IndexOutdated,
    ModelError,
    QuestionError,
    advice,
)
from rag.core.schema import KIND_LABELS, Answer, Article, Citation, Claim, Hit, Passage, Turn
from rag.core.settings import (
    ANSWERERS,
    PROJECT_DIR,
    AnswerSettings,
    AppSettings,
    CorpusSettings,
    GenerationSettings,
    IndexSettings,
    MilvusSettings,
    SearchSettings,
    Settings,
    public_url,
)

__all__ = [
    "Advice",
    "ANSWERERS",
    "Answer",
    "AnswerSettings",
    "AppSettings",
    "CorpusSettings",
    "GenerationSettings",
    "IndexSettings",
    "MilvusSettings",
    "SearchSettings",
    "Article",
    "BackendError",
    "Citation",
    "Claim",
    "CorpusError",
    "DossierError",
    "Hit",
    "IndexError_",
    "IndexMismatch",
    "IndexMissing",
    "IndexOutdated",
    "KIND_LABELS",
    "ModelError",
    "PROJECT_DIR",
    "Passage",
    "QuestionError",
    "Settings",
    "Turn",
    "advice",
    "public_url",
]
