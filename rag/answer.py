"""Answering: retrieved passages -> a short answer in which every sentence carries a citation.

The default backend is extractive: it needs no model server, and it cannot say anything the articles
do not say, because every sentence of its answer *is* a sentence of an article (with the speaker or
the voice named when the sentence alone would hide it). When the passages do not contain the
question's key terms, it abstains and says which terms no passage mentions.

A backend is one class with one method, `answer`; `make_answerer` picks one by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Protocol, Sequence

from .errors import BackendError
from .schema import Answer, Citation, Claim, Hit, Passage
from .text import QUESTION_WORDS, STOPWORDS, stem, terms, words


class Answerer(Protocol):
    name: str

    def answer(self, question: str, query: str, hits: Sequence[Hit], texts: Mapping[str, str]) -> Answer:
        """Answer `question` from `hits`; `query` is the question as searched (expanded for follow-ups);
        `texts` maps each source file to its text, which citation offsets point into."""
        ...


# --- citations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A quotable span of a passage's source file."""

    passage: Passage
    start: int
    end: int


class CitationList:
    """Numbers spans in order of first use; the same span cited twice keeps its number."""

    def __init__(self, texts: Mapping[str, str]):
        self.texts = texts
        self.items: list[Citation] = []
        self._numbers: dict[tuple[str, int, int], int] = {}

    def cite(self, span: Span) -> int:
        key = (span.passage.source, span.start, span.end)
        if key not in self._numbers:
            p = span.passage
            n = len(self.items) + 1
            quote = self.texts[p.source][span.start : span.end]
            self.items.append(Citation(n, p.source, p.title, p.author, p.date, p.kind, span.start, span.end, quote))
            self._numbers[key] = n
        return self._numbers[key]


# --- the extractive backend ---------------------------------------------------------------------

_SPEECH = (
    r"said|says|saying|stated|told|wrote|writes|stressed|added|noted|declared|announced|warned|explained|"
    r"emphasi[sz]ed|insisted|argued|claimed|called|condemned|slammed|pledged|proclaimed"
)
_SPEECH_VERB = re.compile(rf"\b({_SPEECH})\b|\baccording to\b", re.IGNORECASE)
_SPEAKER = re.compile(
    rf"(?:^|[,;]\s+|\bthat\s+)(?P<who>[^,;:“”\"]{{2,120}}?)\s+(?:earlier\s+|also\s+|later\s+)?(?:{_SPEECH})\b"
)
_QUOTE_OPEN = ("“", '"', "‘")
_PRONOUNS = frozenset("he she they it we i this".split())
_YEAR_OR_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(january|february|march|april|may|june|july|august|september|october|"
    r"november|december)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|hundred|thousand|"
                     r"million|billion|trillion|percent|half|dozen)\b", re.IGNORECASE)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")
_ASKS_COMMENTS = re.compile(r"\b(comment|commenter|reader|readers|thread)s?\b", re.IGNORECASE)
_ASKS_NOTES = re.compile(r"\b(translator|translation|editor|note|notes|bracket)", re.IGNORECASE)
_VOICE_TERMS = frozenset(
    stem(w) for w in "reader readers comment comments commenter commenters thread translator translator's "
    "note notes editor editor's".split()
)
_INTRODUCES = re.compile(r"([:;]|\bthe following[:;,.]?|\bas follows[:;,.]?)[\"”’]?$", re.IGNORECASE)

@dataclass
class _Candidate:
    span: Span
    text: str
    score: float
    index: int  # position in its passage
    rank: int  # rank of its passage
    asked: bool  # mentions one of the user's own key terms itself


class ExtractiveAnswerer:
    """Composes 1-4 of the articles' own sentences, each cited, or abstains."""

    name = "extractive"

    def __init__(self, idf: Callable[[str], float], max_sentences: int = 3, min_support: float = 0.45):
        self.idf = idf
        self.max_sentences = max_sentences
        self.min_support = min_support

    def answer(self, question: str, query: str, hits: Sequence[Hit], texts: Mapping[str, str]) -> Answer:
        key_terms = self._key_terms(question, query)
        if not hits or not key_terms:
            return self._abstain(question, query, hits, key_terms, texts)
        support, best_passage = max(
            ((self._coverage(key_terms, set(terms(h.passage.title + " " + h.passage.text))), h) for h in hits),
            key=lambda x: x[0],
        )
        if support < self.min_support:
            return self._abstain(question, query, hits, key_terms, texts)

        candidates = self._candidates(question, key_terms, hits, texts)
        if not candidates:
            return self._abstain(question, query, hits, key_terms, texts)
        chosen = self._select(candidates)
        citations = CitationList(texts)
        claims: list[Claim] = []
        for cand in chosen:
            text, span = self._attribute(cand, texts, question)
            n = citations.cite(span)
            claims.append(Claim(text=text, citations=(n,)))
        answer_text = " ".join(f"{c.text} [{c.citations[0]}]" for c in claims)
        return Answer(
            question=question,
            text=answer_text,
            citations=tuple(citations.items),
            claims=tuple(claims),
            abstained=False,
            retrieved=tuple(hits),
            search_query=query,
            backend=self.name,
        )

    # -- scoring --

    def _key_terms(self, question: str, query: str) -> dict[str, float]:
        """Stemmed content terms with IDF weights. Terms the conversation added to a follow-up count a
        third as much as the user's own words; words naming a voice ("readers", "translator") select
        passages by kind instead of counting as content."""
        own = [t for t in dict.fromkeys(terms(question)) if t not in _VOICE_TERMS]
        weights = {t: self.idf(t) for t in own}
        for t in terms(query):
            if t not in weights and t not in _VOICE_TERMS:
                weights[t] = self.idf(t) / 3
        return weights

    @staticmethod
    def _coverage(key_terms: Mapping[str, float], present: set[str] | Mapping[str, float]) -> float:
        total = sum(key_terms.values())
        if total <= 0:
            return 0.0
        if isinstance(present, set):
            return sum(w for t, w in key_terms.items() if t in present) / total
        return sum(w * present.get(t, 0.0) for t, w in key_terms.items()) / total

    def _candidates(
        self, question: str, key_terms: Mapping[str, float], hits: Sequence[Hit], texts: Mapping[str, str]
    ) -> list[_Candidate]:
        wants_date = bool(re.search(r"\b(when|what year|which year|what date|how long ago|since when)\b", question, re.I))
        wants_number = bool(re.search(r"\b(how (many|much|far|large|big|long)|what (percentage|share|amount|number|price))\b", question, re.I))
        wants_person = bool(re.search(r"\b(who|whom|whose)\b", question, re.I))
        asks_comments = bool(_ASKS_COMMENTS.search(question))
        asks_notes = bool(_ASKS_NOTES.search(question))
        seen: set[tuple[str, int, int]] = set()
        own_key_terms = {t for t in terms(question) if t in key_terms}
        out: list[_Candidate] = []
        for rank, hit in enumerate(hits):
            p = hit.passage
            text = texts[p.source]
            sentence_terms = [set(terms(text[s:e])) for s, e in p.sentences]
            context = set(terms(p.title)) | set().union(*sentence_terms)
            for i, (s, e) in enumerate(p.sentences):
                units = [(s, e, sentence_terms[i], i)]
                if _INTRODUCES.search(text[s:e]) and i + 1 < len(p.sentences):
                    # "Zhou said:" + the quotation that follows, as one unit: neither stands alone.
                    units = [(s, p.sentences[i + 1][1], sentence_terms[i] | sentence_terms[i + 1], i + 1)]
                for start, end, own_terms, index in units:
                    if (p.source, start, end) in seen:
                        continue
                    seen.add((p.source, start, end))
                    sentence = text[start:end]
                    credit: dict[str, float] = {t: 0.3 for t in context}
                    for j in (i - 1, index + 1):
                        if 0 <= j < len(sentence_terms):
                            credit.update({t: 0.5 for t in sentence_terms[j]})
                    credit.update({t: 1.0 for t in own_terms})
                    score = self._coverage(key_terms, credit)
                    score += 0.12 / (1 + rank)  # the retrievers' judgement, mildly
                    if wants_date and _YEAR_OR_DATE.search(sentence):
                        score += 0.15
                    if wants_number and _NUMBER.search(sentence):
                        score += 0.15
                    if wants_person and (_NAME.search(sentence) or _SPEECH_VERB.search(sentence)):
                        score += 0.05
                    if len(sentence.split()) < 6:
                        score *= 0.6  # headings, fragments
                    if p.kind == "comment" and not asks_comments:
                        score *= 0.7  # prefer the article's own reporting
                    if p.kind == "note" and not asks_notes:
                        score *= 0.75
                    asked = bool(own_terms & own_key_terms)
                    out.append(_Candidate(Span(p, start, end), " ".join(sentence.split()), score, index, rank, asked))
        out.sort(key=lambda c: -c.score)
        return out

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        best = candidates[0].score
        chosen = [candidates[0]]
        chosen_terms = [set(terms(candidates[0].text))]
        for cand in candidates[1:]:
            if len(chosen) >= self.max_sentences or cand.score < 0.8 * best:
                break
            if not cand.asked:
                continue  # an added sentence must itself mention something asked
            cand_terms = set(terms(cand.text))
            if any(len(cand_terms & t) / max(1, len(cand_terms | t)) > 0.5 for t in chosen_terms):
                continue  # says the same thing again
            if any(_overlaps(cand.span, c.span) for c in chosen):
                continue
            chosen.append(cand)
            chosen_terms.append(cand_terms)
        # Read in the articles' order: by article, then by position.
        first_seen = {c.span.passage.article_id: i for i, c in reversed(list(enumerate(chosen)))}
        return sorted(chosen, key=lambda c: (first_seen[c.span.passage.article_id], c.span.start))

    # -- who said it --

    def _attribute(self, cand: _Candidate, texts: Mapping[str, str], question: str) -> tuple[str, Span]:
        """The answer sentence with its voice made explicit, and the span that supports all of it."""
        p, sentence = cand.span.passage, cand.text
        if p.kind == "comment":
            return f"A reader comment says: “{_strip_quotes(sentence)}”", cand.span
        if p.kind == "note":
            who = "translator" if "translat" in (p.author or "").lower() else "editor"
            return f"A note by the {who} (not the article's reporting) says: “{_strip_quotes(sentence)}”", cand.span
        speaker, start = self._speaker(cand, texts)
        if speaker is None:
            return sentence, cand.span
        return f"According to {speaker}, {_lower_first(sentence)}", Span(p, start, cand.span.end)

    def _speaker(self, cand: _Candidate, texts: Mapping[str, str]) -> tuple[str | None, int]:
        """For a quotation whose speaker is named in an earlier sentence ("Zhou said:" then the quote),
        that speaker and where the attributing sentence starts."""
        sentence = cand.text
        own = _SPEAKER.search(sentence)
        quoted = sentence.lstrip().startswith(_QUOTE_OPEN)
        if own is not None and own.group("who").split()[-1].lower() not in _PRONOUNS:
            return None, cand.span.start  # the sentence names its own speaker
        if not quoted and own is None:
            return None, cand.span.start  # the article's own voice
        p = cand.span.passage
        text = texts[p.source]
        for j in range(cand.index - 1, max(-1, cand.index - 4), -1):
            s, e = p.sentences[j]
            m = None
            for m in _SPEAKER.finditer(text[s:e]):
                pass
            if m is not None:
                who = m.group("who").strip()
                who = re.sub(r"^(in response to [^,]*,\s*|asked about [^,]*,\s*)", "", who, flags=re.I)
                if who.split()[-1].lower() not in _PRONOUNS and len(who.split()) <= 12:
                    return who, s
        return None, cand.span.start

    # -- abstaining --

    def _abstain(
        self, question: str, query: str, hits: Sequence[Hit], key_terms: Mapping[str, float], texts: Mapping[str, str]
    ) -> Answer:
        if not key_terms:
            text = "The question has no searchable terms; ask about a person, place, event or topic in the articles."
        else:
            present: set[str] = set()
            for h in hits:
                present |= set(terms(h.passage.title + " " + h.passage.text))
            surface = _surface_forms(query)
            missing = [surface.get(t, t) for t in key_terms if t not in present]
            if missing:
                listed = ", ".join(f"“{m}”" for m in missing[:4])
                text = f"The articles don't say. None of the passages that come closest mentions {listed}."
            else:
                text = "The articles don't say: the closest passages mention these words but do not answer the question."
            text += " The closest passages are listed below."
        return Answer(
            question=question, text=text, citations=(), claims=(), abstained=True,
            retrieved=tuple(hits), search_query=query, backend=self.name,
        )


def _overlaps(a: Span, b: Span) -> bool:
    return a.passage.source == b.passage.source and a.start < b.end and b.start < a.end


def _surface_forms(query: str) -> dict[str, str]:
    return {stem(w): w for w in words(query) if w not in STOPWORDS and w not in QUESTION_WORDS}


def _strip_quotes(sentence: str) -> str:
    return sentence.strip().strip("“”\"")


def _lower_first(sentence: str) -> str:
    """Lower-case a leading ordinary word so the sentence reads after "According to X, "."""
    first = sentence.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and first.lower() in STOPWORDS:
        return sentence[0].lower() + sentence[1:]
    return sentence


def make_answerer(name: str, idf: Callable[[str], float], max_sentences: int, min_support: float) -> Answerer:
    """The answer backend called `name` (the `answerer` setting)."""
    match name:
        case "extractive":
            return ExtractiveAnswerer(idf, max_sentences=max_sentences, min_support=min_support)
        case _:
            raise BackendError(f"Unknown answer backend '{name}': set DOSSIER_ANSWERER=extractive.")
