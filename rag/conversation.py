"""Follow-up questions: make "Which academy did he visit?" searchable after a question about Li Shanfu.

Without an LLM to rewrite the question, a follow-up is *expanded*: the names and key terms of the
conversation's recent turns are appended to it, so both retrievers and the sentence scorer see
what the pronoun stands for. A self-contained question is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .schema import Turn
from .text import QUESTION_WORDS, STOPWORDS, words

_ANAPHORA = frozenset(
    "he she him his her hers they them their theirs it its this that these those there then "
    "former latter same such other".split()
)
_CONTINUATION = re.compile(r"^\s*(and|but|also|so|what about|how about|and what)\b", re.I)
_ENTITY = re.compile(r"[A-Z][\w’'.-]*(?:\s+(?:of|the|de|al|bin|von|van)?\s*[A-Z][\w’'.-]*)*")
_MARKERS = re.compile(r"\[\d+\]")
_NOT_NAMES = STOPWORDS | QUESTION_WORDS | frozenset("i yes no".split())


def entities(text: str) -> list[str]:
    """Capitalised word sequences that look like names ("Li Shanfu", "Foreign Ministry")."""
    found = []
    for m in _ENTITY.finditer(_MARKERS.sub(" ", text)):
        tokens = m.group().split()
        while tokens and tokens[0].lower().strip(".’'") in _NOT_NAMES:
            tokens = tokens[1:]  # "Which Li Shanfu" -> "Li Shanfu"
        name = " ".join(tokens).strip(".’'")
        if name and name.lower() not in _NOT_NAMES and len(name) > 1:
            found.append(name)
    return found


_ASKS_COMMENTS = re.compile(r"\b(comment|commenter|commentator|reader|thread)s?\b", re.IGNORECASE)
_ASKS_NOTES = re.compile(r"\b(translator|translator's|translator’s|editor's|editor’s|note|notes|brackets?)\b", re.I)


def asked_voice(question: str) -> str | None:
    """The voice a question asks about: "comment" (readers), "note" (translator/editor), or None."""
    if _ASKS_COMMENTS.search(question):
        return "comment"
    if _ASKS_NOTES.search(question):
        return "note"
    return None


def is_follow_up(question: str) -> bool:
    """A question that needs the conversation: it opens as a continuation ("And in 2015?"), or it
    names nothing itself and points back ("Which academy did he visit?") or is too short to stand
    alone. A question that names its own subject ("Who is Li Shanfu and what did he do?") stands
    alone, whatever came before."""
    if _CONTINUATION.match(question):
        return True
    if entities(question):
        return False
    tokens = words(question)
    content = [t for t in tokens if t not in STOPWORDS and t not in QUESTION_WORDS]
    return any(t in _ANAPHORA for t in tokens) or len(content) <= 2


def contextualize(question: str, history: Sequence[Turn], turns: int = 2) -> str:
    """The search query for `question`: itself, or expanded with the recent conversation."""
    if not history or not is_follow_up(question):
        return question
    present = {w for w in words(question)}
    extra: list[str] = []
    recent_users = [t for t in history if t.role == "user"][-turns:]
    last_answer = next((t for t in reversed(history) if t.role == "assistant"), None)
    sources = [t.content for t in reversed(recent_users)]
    if last_answer is not None:
        sources.append(_first_sentence(last_answer.content))
    for n, text in enumerate(sources):
        candidates = entities(text)
        if n < len(recent_users):  # the user's own earlier words say what the topic is
            candidates += [w for w in words(text) if w not in STOPWORDS and w not in QUESTION_WORDS]
        for c in candidates:
            if c.lower() not in present and c not in extra:
                extra.append(c)
                present.update(words(c))
    return f"{question} ({' '.join(extra[:12])})" if extra else question


def _first_sentence(text: str) -> str:
    text = _MARKERS.sub("", text).strip()
    m = re.search(r"(?<=[.!?])\s", text)
    return text[: m.start()] if m else text
