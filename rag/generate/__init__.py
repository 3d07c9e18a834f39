"""Answers a model writes: an OpenAI-compatible server or a GGUF file in this process (`server`,
`local`), every sentence then verified against its citation (`verify`); `backends.make_answerer`
picks the backend the settings name, falling back to the extractive answer."""

from rag.generate.backends import make_answerer

__all__ = ["make_answerer"]
