"""Follow-up questions: make "Which academy did he visit?" searchable after a question about Li Shanfu.

A follow-up is *resolved* against the turn it points to, the last one: "he" becomes the person that
turn was about, "there" its place, "And in 2015?" the last question with its year replaced. The
entities come from spaCy's recogniser over the last question and the first sentence of its answer;
older turns stay out. What cannot be resolved that way ("How much was it worth?") is expanded with
the last question's names and key terms. A self-contained question is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.core.schema import Turn
from rag.lang.text import QUESTION_WORDS, STOPWORDS, words

_ANAPHORA = frozenset(
    "he she him his her hers they them their theirs it its this that these those there then "
    "former latter same such other".split()
)
_CONTINUATION = re.compile(r"^\s*(and|but|also|so|what about|how about|and what)\b", re.I)
# A name's word opens with a capital, or is a brand written in camel case ("iPhone", "eBay").
_NAME_START = r"(?:[A-Z]|[a-z]{1,4}(?=[A-Z]))"
_ENTITY = re.compile(
    rf"(?<![\w’'.-]){_NAME_START}[\w’'.-]*+(?:\s++(?:(?:of|the|de|al|bin|von|van)\s++)?{_NAME_START}[\w’'.-]*+)*+"
)
_MARKERS = re.compile(r"\[\d+\]")
# A contracted pronoun ("I'm", "I've") is no name.
_CONTRACTED = re.compile(r"(?<![A-Za-z])[A-Za-z]++['’](?:m|ve|d|ll|re)")
# A possessive inside a capitalised run ends the owner's name: what follows is another name.
_OWNED = re.compile(r"(?<=\w['’]s)\s+")
_NOT_NAMES = STOPWORDS | QUESTION_WORDS | frozenset("i yes no".split())


def entities(text: str) -> list[str]:
    """Capitalised word sequences that look like names ("Li Shanfu", "Foreign Ministry")."""
    found = []
    for m in _ENTITY.finditer(_MARKERS.sub(" ", text)):
        for run in _OWNED.split(m.group()):  # "Connor Bedard's NHL debut": Bedard, and the NHL
            tokens = [t for t in run.split() if not _CONTRACTED.fullmatch(t)]  # "I'm", "I've": no names
            while tokens and tokens[0].lower().strip(".’'") in _NOT_NAMES:
                tokens = tokens[1:]  # "Which Li Shanfu" -> "Li Shanfu"
            name = " ".join(tokens).strip(".’'")
            if name and name.lower() not in _NOT_NAMES and len(name) > 1:
                found.append(name)
    return found


_ASKS_COMMENTS = re.compile(r"\b(comment|commenter|commentator|reader|thread)s?\b", re.IGNORECASE)
_ASKS_NOTES = re.compile(r"\b(translator|translator's|translator’s|editor's|editor’s|note|notes|brackets?)\b", re.I)


def asked_voice(question: str) -> str | None:
    """The voice a question asks about: "comment" (readers), "note" (translator/editor), or None.
    A capitalised word inside the question is a name, not a voice ("Where did Threads rank?")."""
    for voice, words_of_voice in (("comment", _ASKS_COMMENTS), ("note", _ASKS_NOTES)):
        if any(m.start() == 0 or not m.group(0)[0].isupper() for m in words_of_voice.finditer(question)):
            return voice
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


_SUBJECT = re.compile(r"\b(he|she)\b", re.I)
_OBJECT = re.compile(r"\b(him|her)\b(?!\s+(?:own\b|[a-z]+(?:s|ed|ing)?\b\s*[?.]?$))", re.I)
_POSSESSIVE = re.compile(r"\b(his|her)\b(?=\s+[a-z])", re.I)
_THERE = re.compile(r"\bthere\b(?!\s+(?:is|are|was|were|be|been)\b)", re.I)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_BARE_CONTINUATION = re.compile(
    r"^\s*(?:and|but|also|so|what about|how about|and what about)\s+(.{1,60}?)\s*\??\s*$", re.I
)


def resolve(question: str, history: Sequence[Turn]) -> str:
    """`question` with its references to the last turn replaced by what they stand for, or itself."""
    if not history or not is_follow_up(question):
        return question
    last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
    last_answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    people, places = _referents(f"{last_user} {_first_sentence(last_answer)}")
    resolved = question
    if (m := _BARE_CONTINUATION.match(question)) and last_user:
        # "And in 2015?" / "What about Japan?": the last question, with that one value changed.
        new = m.group(1)
        years = _YEAR.findall(new)
        if years and _YEAR.search(last_user):
            return _YEAR.sub(years[0], last_user, count=1)
        return f"{last_user.rstrip(' ?')} ({new.strip(' ?')})?"
    if people:
        person = people[0]
        resolved = _SUBJECT.sub(person, resolved, count=1)
        resolved = _POSSESSIVE.sub(f"{person}'s", resolved, count=1)
        resolved = _OBJECT.sub(person, resolved, count=1)
    if places:
        resolved = _THERE.sub(f"in {places[0]}", resolved, count=1)
    return resolved


def _referents(text: str) -> tuple[list[str], list[str]]:
    """The people and places `text` names, first mentioned first."""
    from rag.lang import parse

    doc = parse(_MARKERS.sub(" ", text))
    people = list(dict.fromkeys(e.text for e in doc.ents if e.label_ == "PERSON"))
    places = list(dict.fromkeys(e.text for e in doc.ents if e.label_ in ("GPE", "LOC", "FAC")))
    return people, places


def contextualize(question: str, history: Sequence[Turn], turns: int = 1) -> str:
    """The search query for `question`: itself, resolved against the last turn, or (when nothing in
    it can be resolved) expanded with the last turn's names and key terms."""
    if not history or not is_follow_up(question):
        return question
    resolved = resolve(question, history)
    if resolved != question:
        return resolved
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
