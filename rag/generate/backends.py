"""Picking an answer backend by name (the `answerer` setting): extractive (the default, the articles'
own sentences), or a model that writes (`server.py`: any OpenAI-compatible server, or a GGUF file in
this process) and is verified claim by claim (`verify.py`), falling back to the extractive answer.
Generative backends are imported only when chosen."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rag.answer.answerer import Answerer
from rag.answer.constraints import Names
from rag.answer.extractive import ExtractiveAnswerer
from rag.core.errors import BackendError
from rag.core.schema import Article, Passage
from rag.core.settings import Settings
from rag.search.rerank import Reranker


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
        settings.answer,
        names=names,
    )
    match name:
        case "extractive":
            return extractive
        case "openai" | "local":
            from rag.generate.server import GenerativeAnswerer, chat_model
            from rag.generate.verify import Verifier

            if embed is None:
                raise BackendError(f"The {name} backend verifies claims with the embedding model: pass `embed`.")
            return GenerativeAnswerer(name, chat_model(name, settings), Verifier(embed), extractive, settings)
        case _:
            raise BackendError(f"Unknown answer backend '{name}': set DOSSIER_ANSWERER to extractive, openai or local.")
