"""Who said it: an answer sentence with its voice made explicit, and the article's credit lines.

A quotation lifted out of an article hides its speaker when the speaker is named in an earlier
sentence ("Zhou said:" then the quote); a reader comment or a translator's note lifted out of a page
reads like the article's reporting. Both are said plainly here, and the citation widened to cover
the sentence that names the speaker.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

from rag.answer.candidates import SPEECH, Candidate
from rag.answer.citations import Span
from rag.core.schema import Hit, Passage
from rag.ingest.clean import parse_date
from rag.lang.text import STOPWORDS, iter_lines, sentence_spans, spoken_date

_SPEAKER = re.compile(
    rf"(?:^|[,;][”\"’]?\s+|\bthat\s+)(?P<who>[^,;:“”\"]{{2,120}}?)\s+(?:earlier\s+|also\s+|later\s+)?(?:{SPEECH})\b"
)
_QUOTE_OPEN = ("“", '"', "‘")
_PRONOUNS = frozenset("he she they it we i this".split())


# A dateline that opens a news sentence ("MURMANSK —", "WASHINGTON (Reuters) -", "STADE DE FRANCE –"):
# where the story was filed, not part of what it says.
_DATELINE = re.compile(r"[A-Z][A-Z.'’ -]{3,40}(?:,\s*[A-Z][\w.’' -]{1,30})?\s*(?:\([^()]{1,40}\)\s*)?[—–-]{1,2}\s+")


def without_dateline(cand: Candidate, texts: Mapping[str, str]) -> Candidate:
    """The candidate with an opening dateline left out of its text and its span."""
    m = _DATELINE.match(texts[cand.passage.source], cand.span.start, cand.span.end)
    if m is None or m.end() >= cand.span.end or not m.group().strip(" —–-").replace(" ", "").isupper():
        return cand
    text = " ".join(texts[cand.passage.source][m.end() : cand.span.end].split())
    return dataclasses.replace(cand, span=Span(cand.passage, m.end(), cand.span.end), text=text)


def attribute(cand: Candidate, texts: Mapping[str, str]) -> tuple[str, Span]:
    """The candidate's sentence with its voice made explicit, and the span that supports all of it."""
    cand = without_dateline(cand, texts)
    p, sentence = cand.passage, cand.text
    if p.kind == "comment":
        who = f"by {p.speaker} " if p.speaker else ""
        return f"A reader comment {who}says: “{_strip_quotes(sentence)}”", cand.span
    if p.kind == "note":
        who = "translator" if "translat" in (p.author or "").lower() else "editor"
        return f"A note by the {who} (not the article's reporting) says: “{_strip_quotes(sentence)}”", cand.span
    speaker, start = speaker_of(cand, texts)
    if speaker is None:
        return sentence, cand.span
    return f"According to {speaker}, {_lower_first(sentence)}", Span(p, start, cand.span.end)


def speaker_of(cand: Candidate, texts: Mapping[str, str]) -> tuple[str | None, int]:
    """For a quotation whose speaker is named in an earlier sentence, that speaker and where the
    attributing sentence starts; (None, start) when the sentence names its own speaker or is the
    article's own voice."""
    sentence = cand.text
    own = _SPEAKER.search(sentence)
    quoted = sentence.lstrip().startswith(_QUOTE_OPEN)
    if own is not None and own.group("who").split()[-1].lower() not in _PRONOUNS:
        return None, cand.span.start
    if not quoted and own is None:
        return None, cand.span.start
    p = cand.passage
    text = texts[p.source]
    # Look back through the article (not just this passage) for the sentence that introduces it.
    article_start = int(p.article_id.rsplit("#", 1)[1])
    window = max(article_start, cand.span.start - 1500)
    # Line by line: a headline or dateline has no full stop and must not run into the sentence after it.
    lines = iter_lines(text, window, cand.span.start)
    previous = [s for a, b in lines for s in sentence_spans(text, a, b)][-3:]
    for s, e in reversed(previous):
        speakers = list(_SPEAKER.finditer(text[s:e]))
        if speakers:
            who = speakers[-1].group("who").strip()  # the speaker nearest the quotation
            who = re.sub(r"^(in response to [^,]*,\s*|asked about [^,]*,\s*)", "", who, flags=re.I)
            if who.split()[-1].lower() not in _PRONOUNS and len(who.split()) <= 12:
                return who, s
    return None, cand.span.start


def credit(hits: Sequence[Hit], texts: Mapping[str, str]) -> tuple[str, list[Span]] | None:
    """ "Who wrote the article about X?" / "When was it published?": for the best retrieved article
    with credit lines, a sentence naming its author and date, and the lines that state them."""
    for hit in hits:
        if hit.passage.credits:
            break
    else:
        return None
    p: Passage = dataclasses.replace(hit.passage, kind="article")  # credit lines are the article's own
    text = texts[p.source]
    names = [w for w in re.findall(r"\w+", p.author or "") if w[:1].isupper()]
    year = int(p.date[:4]) if p.date else None
    by = next((s for s in p.credits if names and all(n in text[s[0] : s[1]] for n in names)), None)
    dated = next((s for s in p.credits if p.date and parse_date(text[s[0] : s[1]], year) == p.date), None)
    if by is None and dated is None:
        return None
    sentence = f"“{p.title}” is " + (f"credited to {p.author}" if by else "")
    if dated:
        sentence += (", dated " if by else "dated ") + spoken_date(p.date)
    if p.publisher:
        sentence += f", published by {p.publisher}"
    return sentence + ".", [Span(p, *s) for s in (by, dated) if s is not None]


def _strip_quotes(sentence: str) -> str:
    return sentence.strip().strip('“”"')


def _lower_first(sentence: str) -> str:
    """Lower-case a leading ordinary word so the sentence reads after "According to X, "."""
    first = sentence.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and first.lower() in STOPWORDS:
        return sentence[0].lower() + sentence[1:]
    return sentence
