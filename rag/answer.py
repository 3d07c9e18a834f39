"""Answering: retrieved passages -> a short answer in which every sentence carries a citation.

A backend is one class with one method, `answer`; `make_answerer` picks one by name. The default
is extractive (`extractive.py`: the articles' own sentences, chosen by a cross-encoder); the
generative backends (`generate.py`) write with a model and are verified claim by claim
(`verify.py`), falling back to the extractive answer. Nothing below imports this module, so there
is no cycle between answering, generation and verification.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from .constraints import Names
from .errors import BackendError
from .extractive import ExtractiveAnswerer
from .rerank import Reranker
from .schema import Answer, Article, Hit, Passage, Turn
from .settings import Settings


class Answerer(Protocol):
    name: str

    def answer(
        self,
        question: str,
        query: str,
        hits: Sequence[Hit],
        texts: Mapping[str, str],
        history: Sequence[Turn] = (),
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question` from `hits`; `query` is the question as searched (expanded for follow-ups);
        `texts` maps each source file to its text, which citation offsets point into. A backend that
        generates text streams it to `on_token`."""
        ...


def make_answerer(
    name: str,
    settings: Settings,
    reranker: Reranker | None,
    idf: Callable[[str], float],
    articles: Sequence[Article] = (),
    leads: Mapping[str, Passage] | None = None,
    embed: Callable[[list[str]], Any] | None = None,
    names: Names | None = None,
) -> Answerer:
    """The answer backend called `name` (the `answerer` setting). Generative backends are imported
    only when chosen."""
    extractive = ExtractiveAnswerer(
        reranker,
        idf,
        articles,
        leads,
        max_sentences=settings.max_answer_sentences,
        threshold=settings.answer_threshold,
        min_support=settings.min_support,
        passages=settings.answer_passages,
        names=names,
    )
    match name:
        case "extractive":
            return extractive
        case "openai" | "local":
            from .generate import GenerativeAnswerer, chat_model
            from .verify import Verifier

            if embed is None:
                raise BackendError(f"The {name} backend verifies claims with the embedding model: pass `embed`.")
            return GenerativeAnswerer(name, chat_model(name, settings), Verifier(embed), extractive, settings)
        case _:
            raise BackendError(f"Unknown answer backend '{name}': set DOSSIER_ANSWERER to extractive, openai or local.")
