"""The one protocol every answer backend implements: retrieved passages -> a cited answer.

The extractive backend (`extractive.py`) is the default; the generative ones live in `rag.generate`,
which also holds the factory that picks a backend by name (`rag.generate.make_answerer`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from rag.core.schema import Answer, Hit, Turn


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
