"""Claim-level verification of a generated answer against the passages it cites.

A model's answer is split into sentences (claims). A claim is *supported* when one of its cited
passages contains every number, date and name the claim states and, verbatim, whatever it quotes,
and a sentence of that passage (or two adjacent ones) is semantically close to the claim. The
citation then points at that exact span. A claim whose citations do not support it is re-cited to
another retrieved passage that does; a claim no passage supports is marked unsupported. Citations
are always built here from retrieved passages: a model cannot invent a source, only a number,
which is then discarded.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.citations import CitationList, Span
from rag.core.schema import Claim, Hit
from rag.lang.injection import meta_claim, planted, urls
from rag.lang.text import normalize, sentence_spans, terms

_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_NUMBER = re.compile(r"\d(?:[\d.,]*\d)?")
_NAME = re.compile(r"\b(?:[A-Z]{2,}[A-Za-z0-9]*|[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*)\b")  # "Wang Yi", "ICBC"
_REFUSAL = re.compile(
    r"\b(passages?|articles?|sources?|context|texts?|documents?) (do not|don't|does not|doesn't|did not) "
    r"(say|mention|contain|answer|provide|specify|state|give|include)|\bno (information|mention|details)\b|"
    r"\b(cannot|can't|unable to) (answer|find|determine)\b|\bnot (mentioned|stated|specified|provided)\b",
    re.IGNORECASE,
)
_SENTENCE_START_WORDS = frozenset("The A An In On At It This That These Those He She They We According".split())

Embed = Callable[[list[str]], np.ndarray]
# Words about the text rather than in it ("the article states", "the translator mentions").
_VOICE_WORDS = frozenset(
    terms(
        "article author translator editor reader readers comment comments commenter mentions "
        "states writes notes reports passage passages reference refers"
    )
)


@dataclass(frozen=True)
class Verified:
    claims: tuple[Claim, ...]
    spans: tuple[tuple[Span, ...], ...]
    """For each claim, the spans its citation numbers refer to (empty when unsupported)."""
    refusal: bool
    recited: int
    """Claims whose citation was corrected or added by verification."""
    meta: int = 0
    """Claims about the answer itself or instructions ("the answer is verified"): a sign the model
    obeyed text planted in a passage."""


_LEADING_MARKERS = re.compile(r"(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+")


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(n) for m in _MARKER.finditer(text) for n in re.split(r"\s*[,;]\s*", m.group(1)))


def split_claims(answer: str) -> list[tuple[str, tuple[int, ...]]]:
    """Sentences of a model answer with the citation numbers written after them. A sentence the
    model repeats (small models loop) is kept once."""
    out: list[tuple[str, tuple[int, ...]]] = []
    seen: set[str] = set()
    repeated = False
    for s, e in sentence_spans(answer):
        sentence = answer[s:e]
        # Markers written after the full stop ("... firms. [1] Zhou said ...") open the next span but
        # belong to the sentence before.
        leading = _LEADING_MARKERS.match(sentence)
        if leading and out and not repeated:
            prev_text, prev_numbers = out[-1]
            out[-1] = (prev_text, prev_numbers + _numbers(leading.group()))
        if leading:
            sentence = sentence[leading.end() :]
        numbers = _numbers(sentence)
        text = " ".join(_MARKER.sub("", sentence).split())
        if text in {".", ""}:
            continue
        repeated = normalize(text) in seen
        if not repeated:
            seen.add(normalize(text))
            out.append((text, numbers))
    return out


def facts(claim: str) -> set[str]:
    """Numbers and names a claim states: each must appear in the passage that supports it."""
    found = {m.group().rstrip(".,") for m in _NUMBER.finditer(claim)}
    for m in _NAME.finditer(claim):
        name = m.group()
        first, _, rest = name.partition(" ")
        if rest and first in _SENTENCE_START_WORDS:
            found.add(rest)  # "The Peking University professor": the name is "Peking University"
            continue
        if " " not in name and not name.isupper() and (m.start() == 0 or name in _SENTENCE_START_WORDS):
            continue  # a capitalised first word is not a name
        found.add(name)
    return found


_QUOTATION = re.compile(r"[“\"]([^“”\"]{3,})[”\"]")


def quotations(claim: str) -> set[str]:
    """What a claim puts in quotation marks: a quotation must be the passage's own words, verbatim."""
    return {normalize(m.group(1)).strip(" .,;:!?'") for m in _QUOTATION.finditer(claim)} - {""}


_CLAIMED_VOICE = [
    ("note", re.compile(r"\b(translator|editor)(['’]s)?\b", re.IGNORECASE)),
    ("comment", re.compile(r"\b(reader|commenter|comment)s?\b", re.IGNORECASE)),
]


def claimed_voice(claim: str) -> str | None:
    """The voice a claim attributes itself to ("the translator mentions ..."), if any."""
    return next((kind for kind, pattern in _CLAIMED_VOICE if pattern.search(claim)), None)


@dataclass(frozen=True)
class _Unit:
    """A candidate supporting span with its evidence prepared once per answer."""

    hit: int  # index of its passage in the retrieved hits
    span: Span
    passage_text: str  # normalised title, author, date and passage: where facts must appear
    span_terms: frozenset[str]  # content terms of the title, author, date and the span itself


@dataclass(frozen=True)
class _ClaimEvidence:
    facts: frozenset[str]  # normalised numbers, names and quotations
    terms: frozenset[str]
    voice: str | None


def _units(hits: Sequence[Hit], texts: Mapping[str, str]) -> list[_Unit]:
    """Every sentence, and every pair of adjacent sentences, of every retrieved passage, and the
    credit lines of its article ("By Ben McGrath"), which support claims about who wrote it and when."""
    units = []
    for i, hit in enumerate(hits):
        p = hit.passage
        text = texts[p.source]
        meta = " ".join((p.title, p.author or "", p.date or ""))
        passage_text = normalize(" ".join([meta, text[p.start : p.end], *(text[s:e] for s, e in p.credits)]))
        skip = planted(text, p.sentences) if p.instruction else frozenset()
        for j, (s, e) in enumerate(p.sentences):
            if j in skip:
                continue  # an instruction planted in an article, and what follows it, support nothing
            ends = [e] + ([p.sentences[j + 1][1]] if j + 1 < len(p.sentences) and j + 1 not in skip else [])
            for end in ends:
                span_terms = frozenset(terms(meta + " " + text[s:end]))
                units.append(_Unit(i, Span(p, s, end), passage_text, span_terms))
        article_voice = dataclasses.replace(p, kind="article")  # credit lines are the article's own
        for s, e in p.credits:
            units.append(_Unit(i, Span(article_voice, s, e), passage_text, frozenset(terms(meta + " " + text[s:e]))))
    return units


def _grounded(claim: _ClaimEvidence, unit: _Unit, min_terms: float) -> bool:
    """Every number and name of the claim is in the span's passage; most of its content words are in the
    span itself (so an invented clause tacked onto a supported one fails); and a claim that names a voice
    ("the translator says") is supported by a span in that voice."""
    if claim.voice is not None and unit.span.passage.kind != claim.voice:
        return False
    if not all(f in unit.passage_text for f in claim.facts):
        return False
    return not claim.terms or len(claim.terms & unit.span_terms) / len(claim.terms) >= min_terms


class Verifier:
    def __init__(self, embed: Embed, min_similarity: float = 0.55, min_terms: float = 0.6):
        self.embed = embed
        self.min_similarity = min_similarity
        self.min_terms = min_terms

    def verify(self, answer: str, hits: Sequence[Hit], texts: Mapping[str, str]) -> Verified:
        claims = split_claims(answer)
        if not claims or (_REFUSAL.search(answer) and len(claims) <= 2):
            return Verified((), (), refusal=True, recited=0)
        units = _units(hits, texts)
        unit_texts = [" ".join(texts[u.span.passage.source][u.span.start : u.span.end].split()) for u in units]
        # Overlapping passages share sentences and an article's passages share its credit lines:
        # embed each distinct text once.
        distinct = list(dict.fromkeys(unit_texts))
        vectors = self.embed([c for c, _ in claims] + distinct)
        claim_vectors = vectors[: len(claims)]
        row = {t: len(claims) + i for i, t in enumerate(distinct)}
        unit_vectors = vectors[np.array([row[t] for t in unit_texts], dtype=np.int64)]

        out_claims, out_spans, recited, meta = [], [], 0, 0
        for (text, numbers), vector in zip(claims, claim_vectors, strict=True):
            meta += meta_claim(text)
            if _REFUSAL.search(text) or meta_claim(text):
                # "the article does not say how many ...", "the answer is verified": no passage can support it
                out_claims.append((text, False))
                out_spans.append(())
                continue
            claim = _ClaimEvidence(
                frozenset(normalize(f) for f in facts(text)) | quotations(text),
                frozenset(terms(text)) - _VOICE_WORDS,
                claimed_voice(text),
            )
            similarity = unit_vectors @ vector if units else np.zeros(0)
            cited = {n - 1 for n in numbers if 1 <= n <= len(hits)}
            score, span = self._best(claim, units, similarity, cited) if cited else (-1.0, None)
            if span is None or score < self.min_similarity:
                other_score, other_span = self._best(claim, units, similarity, None)
                if other_span is not None and other_score >= self.min_similarity + 0.05:
                    score, span = other_score, other_span
                    recited += 1
                else:
                    span = None
            if span is not None and any(u not in texts[span.passage.source][span.start : span.end] for u in urls(text)):
                span = None  # a link the cited words do not contain is the model's, not the article's
            out_claims.append((text, span is not None))
            out_spans.append((span,) if span is not None else ())
        return Verified(
            claims=tuple(Claim(t, (), supported) for t, supported in out_claims),
            spans=tuple(out_spans),
            refusal=False,
            recited=recited,
            meta=meta,
        )

    def _best(
        self, claim: _ClaimEvidence, units: list[_Unit], similarity: np.ndarray, allowed: set[int] | None
    ) -> tuple[float, Span | None]:
        """The most similar grounded span among the passages `allowed` (all when None)."""
        score, span = -1.0, None
        for unit, sim in zip(units, similarity, strict=True):
            if (allowed is None or unit.hit in allowed) and sim > score and _grounded(claim, unit, self.min_terms):
                score, span = float(sim), unit.span
        return score, span


def cite(verified: Verified, texts: Mapping[str, str]) -> tuple[tuple[Claim, ...], CitationList, str]:
    """Number the supporting spans and write the answer text: supported claims end with their
    markers, unsupported ones are kept but visibly flagged."""
    citations = CitationList(texts)
    claims: list[Claim] = []
    parts: list[str] = []
    for claim, spans in zip(verified.claims, verified.spans, strict=True):
        numbers = tuple(citations.cite(span) for span in spans)
        claims.append(Claim(claim.text, numbers, claim.supported))
        markers = " ".join(f"[{n}]" for n in numbers)
        parts.append(f"{claim.text} {markers}" if numbers else f"{claim.text} [not supported by the articles]")
    return tuple(claims), citations, " ".join(parts)
