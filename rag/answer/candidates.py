"""Answer candidates: the sentences of the retrieved passages that could stand as one answer
sentence, with their neighbours and the article around them.

A unit is usually one sentence; a quotation is fused with the sentence that attributes it ("Zhou
said:" + the quote; the quote + "— says Sutter"), so the answer never separates words from speaker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rag.answer.citations import Span
from rag.core.schema import Hit, Passage
from rag.lang.values import PREPOSITIONS

SPEECH = (
    r"said|says|saying|stated|told|tells|wrote|writes|stressed|added|noted|declared|announced|warned|explained|"
    r"emphasi[sz]ed|insisted|argued|claimed|called|condemned|slammed|pledged|proclaimed|asserted|remarked|"
    r"commented|suggested|acknowledged|admitted|confirmed|denied|urged"
)
SPEECH_VERB = re.compile(rf"\b({SPEECH})\b|\baccording to\b", re.IGNORECASE)
_ATTRIBUTES_PREVIOUS = re.compile(rf"[—–-]\s*({SPEECH})\s+[A-Z]|^[^.]{{0,60}}[,—–]\s*({SPEECH})\s+[A-Z]")
_INTRODUCES = re.compile(r"([:;]|\bthe following[:;,.]?|\bas follows[:;,.]?)[\"”’]?$", re.IGNORECASE)
_VERBLESS = re.compile(r"^[^a-z]*$")  # headings, captions in capitals, lists of names
# A sentence that names its subject only by pointing back ("Once they become effective ...", "He
# said ...", "He’s based at ...", "His company ...", "It took four years ...", "The 21-year-old ...",
# "The Everton manager said ...") or its object ("The Academy honoured him for ..."): it means little
# alone, and is also offered with the sentence before, which names who or what is meant.
_REFERS_BACK = re.compile(
    r"^\W*(?:(?:\w+,?\s+){0,2}?(?:they|these|those|such)\b|(?:he|she|it)(?:\s|['’](?:s|d|ll)\b)|(?:his|her|its)\s|the\s+\d+-year-old\b|"
    rf"the\s+(?:[A-Z][\w’'-]*\s+){{0,3}}[a-z]+\s+(?:{SPEECH})\b)"
    r"|\b(?:him|them)\b",
    re.IGNORECASE,
)
# "The company has raised ...", "The film, directed by ...", "The town's residents ...": a sentence
# that opens with a definite description refers back, unless what follows its noun names what is
# meant ("The cheapest Barcelona ticket", "The comparison to ABBA's show"); then only when its noun
# repeats a word of the sentence before ("broke the world record ... The previous record of ...").


def refers_back(sentence: str, before: str = "") -> bool:
    """Whether `sentence` leaves who or what it is about to the text before it."""
    if _REFERS_BACK.search(sentence):
        return True
    tokens = re.findall(r"[\w’'-]+|,", sentence[:120])
    if not tokens or tokens[0] != "The":
        return False
    nouns: list[str] = []
    for token in tokens[1:4]:
        if token == ",":
            return bool(nouns)
        possessor = re.fullmatch(r"([a-z]+)[’']s", token)
        if possessor and possessor.group(1) not in PREPOSITIONS:
            return True  # "The town's 3,700 residents": whose, the text before says
        if not token.isalpha() or not token.islower() or token in PREPOSITIONS:
            break
        if len(nouns) == 2:
            return True  # "The company has raised": the description ended, a verb follows
        nouns.append(token)
    return bool(set(nouns) & set(re.findall(r"[\w-]+", before.lower())))


@dataclass(frozen=True)
class Candidate:
    span: Span
    text: str
    """The unit's text, whitespace collapsed."""
    rank: int
    """Rank of its passage in the (reranked) retrieval."""
    first: int
    last: int
    """Positions of its first and last sentence in the passage."""
    context: str
    """The sentence before and after it, for names and pronouns the unit itself leaves out."""

    @property
    def passage(self) -> Passage:
        return self.span.passage

    @property
    def is_sentence(self) -> bool:
        """A real sentence: enough words, with lower-case words in it (not a headline fragment), and
        not a table or list run together (a results table read as one "sentence": few lower-case
        words among many names and numbers)."""
        tokens = self.text.split()
        if len(tokens) < 6 or _VERBLESS.match(self.text):
            return False
        lower = sum(t[:1].islower() for t in tokens)
        return len(tokens) < 25 or lower >= 0.35 * len(tokens)


def gather(hits: Sequence[Hit], texts: Mapping[str, str], passages: int) -> list[Candidate]:
    """The units of the first `passages` hits, each span once, in retrieval order."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Candidate] = []
    for rank, hit in enumerate(hits[:passages]):
        p = hit.passage
        text = texts[p.source]
        sentences = [" ".join(text[s:e].split()) for s, e in p.sentences]
        for first, last in units(text, p):
            start, end = p.sentences[first][0], p.sentences[last][1]
            if (p.source, start, end) in seen:
                continue
            seen.add((p.source, start, end))
            around = [sentences[j] for j in (first - 1, last + 1) if 0 <= j < len(sentences)]
            if p.kind == "note" and first == 0:
                around.insert(0, " ".join(text[max(0, p.start - 300) : p.start].split()))  # what it reacts to
            out.append(
                Candidate(
                    Span(p, start, end),
                    " ".join(sentences[first : last + 1]),
                    rank,
                    first,
                    last,
                    " ".join(around),
                )
            )
    return out


def units(text: str, p: Passage) -> list[tuple[int, int]]:
    """Sentence ranges that can stand as one answer sentence."""
    out = []
    n = len(p.sentences)
    for i, (s, e) in enumerate(p.sentences):
        sentence = text[s:e]
        before = text[p.sentences[i - 1][0] : p.sentences[i - 1][1]] if i > 0 else ""
        if i > 0 and (i - 1, i) not in out and refers_back(sentence, before):
            out.append((i - 1, i))
        if _INTRODUCES.search(sentence) and i + 1 < n:
            out.append((i, i + 1))
            continue
        out.append((i, i))
        if i + 1 < n and not SPEECH_VERB.search(sentence):
            following = text[p.sentences[i + 1][0] : p.sentences[i + 1][1]]
            if _ATTRIBUTES_PREVIOUS.search(following):
                out.append((i, i + 1))
    return out


def followed(cand: Candidate, texts: Mapping[str, str]) -> Candidate | None:
    """The unit with the sentence after it, when its passage has one: "Three scientists won the
    Nobel Prize in chemistry ..." says what happened, and the next sentence who."""
    p = cand.passage
    nxt = cand.last + 1
    if nxt >= len(p.sentences):
        return None
    text = texts[p.source]
    sentences = [" ".join(text[s:e].split()) for s, e in p.sentences]
    around = [sentences[j] for j in (cand.first - 1, nxt + 1) if 0 <= j < len(sentences)]
    return Candidate(
        Span(p, p.sentences[cand.first][0], p.sentences[nxt][1]),
        " ".join(sentences[cand.first : nxt + 1]),
        cand.rank,
        cand.first,
        nxt,
        " ".join(around),
    )
