"""Answering from retrieved passages, extractively: what the question asks (`question`, `slots`,
`followups`), the candidate sentences (`candidates`), whether each meets the question's typed
constraints (`constraints`; the kind of amount asked and found: `amounts`), composition in the
question's shape with speakers named (`compose`, `attribution`), verdicts for yes/no questions
(`verdicts`), citations as spans of the source files (`citations`). `answerer` is the protocol
every backend implements."""

from rag.answer.answerer import Answerer
from rag.answer.citations import CitationList, Span
from rag.answer.compose import describe
from rag.answer.constraints import Names
from rag.answer.extractive import ExtractiveAnswerer, Weights
from rag.answer.followups import contextualize, resolve
from rag.answer.question import Question, analyse

__all__ = [
    "Answerer",
    "CitationList",
    "ExtractiveAnswerer",
    "Names",
    "Question",
    "Span",
    "Weights",
    "analyse",
    "contextualize",
    "describe",
    "resolve",
]
