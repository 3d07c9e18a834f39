"""Composition: scored candidate sentences -> the answer's claims, shaped like the question.

- factoid: the sentence that holds the answer first (its answer phrase marked), then at most a
  couple of sentences that add to it;
- timeline ("how did X develop"): the relevant dated facts, in date order;
- comparison ("how do the articles differ"): one line per article, attributed to its outlet;
- yes/no: the evidence from each article, then a plain statement that the verdict is the reader's;
- overview ("what is this collection about"): what the collection holds, one sentence per article.

Every claim is an article's own sentence (or a credit line), cited; nothing here writes content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rag.answer.attribution import attribute
from rag.answer.candidates import Candidate
from rag.answer.citations import CitationList, Span, overlaps
from rag.answer.constraints import Fit, is_title, years
from rag.core.schema import Article, Claim, Passage
from rag.lang.text import MONTHS, STOPWORDS, dated, spoken_date, terms


@dataclass(frozen=True)
class Features:
    """What a candidate's score is made of (see `extractive.Weights`)."""

    sentence: float  # the cross-encoder's logit for (question, sentence)
    passage: float  # its passage's logit
    clauses: float  # the question's clauses beyond the first (read from its parse, not its length)
    untyped: float  # 1 when the sentence lacks the wanted kind of answer
    distant: float  # question names/numbers not near the sentence
    missing: float  # share of the question's names/numbers its article never mentions
    fragment: float  # 1 for a headline or list
    other_voice: float  # 1 for a comment or note the question did not ask for
    wrong_voice: float  # 1 for the wrong voice when the question asks for one
    absent: float  # IDF share of the question's words its article never uses
    other_outlet: float = 0.0  # 1 when the question names outlets and this article is from none of them


@dataclass(frozen=True)
class Scored:
    cand: Candidate
    score: float
    fit: Fit
    features: Features | None = None


def claim(
    item: Scored, texts: Mapping[str, str], citations: CitationList, prefix: str = "", lead: bool = False
) -> Claim:
    """The candidate as a cited claim, its answer phrase marked; with `lead`, the phrase also opens
    the claim ("45 percent: ... a drastic 45 percent fall ..."), so the answer is read first."""
    text, span = attribute(item.cand, texts)
    answer = None
    if item.fit.phrase is not None:
        a, b = item.fit.phrase
        phrase = item.cand.text[a:b].strip(" ,.;:")
        at = text.find(phrase)
        if at >= 0 and lead and not prefix and not text.startswith(phrase):
            shown = full_name(re.sub(r"['’]s?$", "", phrase), texts.get(item.cand.passage.source, ""))
            shown = dated(shown, item.cand.passage.date, item.cand.text)  # "Sunday" -> "Sunday, July 16, 2023"
            return Claim(f"{shown}: {text}", (citations.cite(span),), answer=(0, len(shown)))
        if at >= 0:
            answer = (len(prefix) + at, len(prefix) + at + len(phrase))
    return Claim(prefix + text, (citations.cite(span),), answer=answer)


# A name as an article first gives it: capitalised words before a surname ("Sam Bankman-Fried").
_GIVEN = r"(?:[A-Z][a-z][\w.-]*\s+){1,2}"


def full_name(phrase: str, article: str) -> str:
    """`phrase` as the article first names it, when it is a surname the article gives in full
    ("Bankman-Fried" -> "Sam Bankman-Fried"): an answer leads with whom it names, not a surname."""
    words_ = phrase.split()
    while len(words_) > 1 and is_title(words_[0]) and not all(is_title(w) for w in words_):
        words_ = words_[1:]  # "President Vladimir Putin" leads as Vladimir Putin
    phrase = " ".join(words_)
    if not re.fullmatch(r"[A-Z][a-z][\w’'-]*", phrase):
        return phrase
    for m in re.finditer(rf"(?<![\w’'-])({_GIVEN}){re.escape(phrase)}\b", article):
        given = m.group(1).split()
        while given and is_title(given[0]):
            given = given[1:]  # "President Vladimir Putin": the name is Vladimir Putin
        if given and not any(w.lower() in STOPWORDS or w in MONTHS or is_title(w) for w in given):
            return f"{' '.join(given)} {phrase}"
    return phrase


def factoid(ranked: Sequence[Scored], floor: float, limit: int, margin: float) -> list[Scored]:
    """The best typed sentence first, then others close to it that say something new."""
    lead = next((s for s in ranked if s.fit.typed), ranked[0])
    chosen = [lead]
    for item in ranked:
        if len(chosen) >= limit:
            break
        # A sentence that continues the lead ("If the Russian side needs it, we will provide…") may
        # score lower on its own: it is read with the lead.
        follows = item.cand.passage.id == lead.cand.passage.id and item.cand.first == lead.cand.last + 1
        if item is lead or item.score < (floor - margin if follows else max(floor, lead.score - margin)):
            continue
        if _repeats(item, chosen):
            continue
        chosen.append(item)
    return chosen


def per_article(ranked: Sequence[Scored], floor: float, limit: int) -> list[Scored]:
    """The best sentence of each article above `floor`, best articles first."""
    seen: set[str] = set()
    out = []
    for item in ranked:
        article = item.cand.passage.article_id
        if item.score < floor or article in seen:
            continue
        seen.add(article)
        out.append(item)
        if len(out) >= limit:
            break
    return out


def timeline(ranked: Sequence[Scored], floor: float, limit: int) -> list[tuple[str, Scored]]:
    """Dated facts above `floor`, each with the year it is about, in date order."""
    dated = []
    for item in ranked:
        if item.score < floor or _repeats(item, [d for _, d in dated]):
            continue
        found = years(item.cand.text)
        when = str(min(found)) if found else (item.cand.passage.date or "")[:4]
        if when:
            dated.append((when, item))
        if len(dated) >= limit:
            break
    return sorted(dated, key=lambda d: (d[0], d[1].cand.span.start))


def outlet_label(p: Passage) -> str:
    """ "The Verge, October 3, 2023" — who published what the line says, and when."""
    who = p.publisher or f"“{p.title}”"
    return f"{who}, {spoken_date(p.date)}" if p.date else who


def overview(articles: Sequence[Article], leads: Mapping[str, Passage], limit: int = 8) -> tuple[str, list[Passage]]:
    """A sentence describing the collection, and the lead passages of the articles to list."""
    summary = describe(articles)
    newest = sorted(articles, key=lambda a: a.date or "", reverse=True)
    shown = [leads[a.id] for a in newest if a.id in leads][:limit]
    if len(articles) > len(shown):
        summary += f" The {len(shown)} most recent:"
    return summary, shown


def describe(articles: Sequence[Article]) -> str:
    """The collection in one sentence: how many articles, from which outlets, over which dates."""
    outlets: dict[str, int] = {}
    for a in articles:
        if a.publisher:
            outlets[a.publisher] = outlets.get(a.publisher, 0) + 1
    dates = sorted(a.date for a in articles if a.date)
    summary = f"The collection holds {len(articles)} article{'s' if len(articles) != 1 else ''}"
    if outlets:
        top = sorted(outlets, key=lambda o: -outlets[o])[:5]
        summary += f" from {len(outlets)} outlet{'s' if len(outlets) != 1 else ''} (most from {', '.join(top)})"
    if dates:
        summary += f", dated {spoken_date(dates[0])} to {spoken_date(dates[-1])}"
        if len(dates) < len(articles):
            summary += f" ({len(articles) - len(dates)} undated)"
    return summary + "."


def lead_span(p: Passage, texts: Mapping[str, str]) -> Span:
    """An article's lead in its first passage: the first real sentence that speaks of what the
    headline names (a newsletter sign-up or a photo credit before it does not), else the first
    real sentence."""
    text = texts[p.source]
    real = [(s, e) for s, e in p.sentences if len(text[s:e].split()) >= 8]
    headline = set(terms(p.title))
    for s, e in real:
        if headline & set(terms(text[s:e])):
            return Span(p, s, e)
    return Span(p, *(real or p.sentences)[0])


def _repeats(item: Scored, chosen: Sequence[Scored]) -> bool:
    """Says the same thing as, or overlaps, a chosen sentence."""
    mine = set(terms(item.cand.text))
    for other in chosen:
        if overlaps(item.cand.span, other.cand.span):
            return True
        theirs = set(terms(other.cand.text))
        if len(mine & theirs) / max(1, len(mine | theirs)) > 0.5:
            return True
    return False
