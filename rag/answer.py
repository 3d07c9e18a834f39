"""Answering: retrieved passages -> a short answer in which every sentence carries a citation.

The default backend is extractive: it needs no model server, and it cannot say anything the articles
do not say, because every sentence of its answer *is* a sentence of an article (with the speaker or
the voice named when the sentence alone would hide it). When the passages do not contain the
question's key terms, it abstains and says which terms no passage mentions.

A backend is one class with one method, `answer`; `make_answerer` picks one by name.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .clean import parse_date
from .conversation import asked_voice
from .errors import BackendError
from .schema import Answer, Citation, Claim, Hit, Passage, Turn
from .settings import Settings
from .text import QUESTION_WORDS, STOPWORDS, iter_lines, sentence_spans, spoken_date, stem, terms, words


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
    rf"(?:^|[,;][”\"’]?\s+|\bthat\s+)(?P<who>[^,;:“”\"]{{2,120}}?)\s+(?:earlier\s+|also\s+|later\s+)?(?:{_SPEECH})\b"
)
_QUOTE_OPEN = ("“", '"', "‘")
_PRONOUNS = frozenset("he she they it we i this".split())
_YEAR_OR_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(january|february|march|april|may|june|july|august|september|october|"
    r"november|december)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d(?:[\d.,]*\d)?|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|hundred|thousand|"
    r"million|billion|trillion|percent|half|dozen)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")
_VOICE_TERMS = frozenset(
    stem(w)
    for w in "reader readers comment comments commenter commenters thread translator translator's "
    "note notes editor editor's".split()
)
_MONTH_NAMES = frozenset(
    "january february march april may june july august september october november december".split()
)
_PLACE = re.compile(r"\b(in|at|near|off|from)\s+(the\s+)?[A-Z][a-z]")
_ATTRIBUTES_PREVIOUS = re.compile(rf"[—–-]\s*({_SPEECH})\s+[A-Z]|^[^.]{{0,60}}[,—–]\s*({_SPEECH})\s+[A-Z]")
_INTRODUCES = re.compile(r"([:;]|\bthe following[:;,.]?|\bas follows[:;,.]?)[\"”’]?$", re.IGNORECASE)
_ASKS_CREDIT = re.compile(
    # "Who wrote that China must not copy the Kaiser's errors?" asks about a quote, not a byline.
    r"\b(who (wrote|writes|authored|penned|posted|published) "
    r"(about|(the|this|that|an?) (article|piece|story|report|post))|"
    r"who translated|authors? of|written by|translated by|by whom|whose (article|piece|story|report)|byline|"
    r"(when|what (date|day|year)|which (date|day|year)) (was|were) (\S+\s+){0,15}?(published|posted|written)|"
    r"publication date|date of publication)\b",
    re.IGNORECASE,
)
_CREDIT_TERMS = frozenset(
    stem(w)
    for w in "wrote write writes written author authors authored penned translated translate posted post published "
    "publish article articles piece story report byline publication date".split()
)


@dataclass
class _Candidate:
    span: Span
    text: str
    score: float
    support: float  # share of the user's own key terms this unit (and its neighbours) contains
    index: int  # position of its last sentence in the passage
    first: int  # position of its first sentence in the passage
    asked: bool  # mentions one of the user's own key terms itself
    mentions: bool  # mentions any key term (the conversation's included) itself


@dataclass(frozen=True)
class _Intent:
    """What kind of answer the question wants, read off its wording."""

    date: bool
    number: bool
    person: bool
    place: bool
    voice: str | None
    literals: frozenset[str]  # numbers and years the question itself contains

    @classmethod
    def of(cls, question: str) -> _Intent:
        return cls(
            date=bool(re.search(r"\b(when|what year|which year|what date|how long ago|since when)\b", question, re.I)),
            number=bool(
                re.search(
                    r"\b(how (many|much|far|large|big|long)|by how much|what (percentage|share|amount|number|price))\b",
                    question,
                    re.I,
                )
            ),
            person=bool(re.search(r"\b(who|whom|whose)\b", question, re.I)),
            place=bool(re.search(r"\b(where|which (city|country|place|region|sea|bay))\b", question, re.I)),
            voice=asked_voice(question),
            literals=frozenset(
                m.group().lower()
                for m in re.finditer(r"\d(?:[\d.,]*\d)?|\b[A-Za-z]+\b", question)
                if m.group()[0].isdigit() or m.group().lower() in _MONTH_NAMES
            ),
        )

    def bonus(self, sentence: str) -> float:
        def new(pattern: re.Pattern[str]) -> bool:
            return any(m.group().lower() not in self.literals for m in pattern.finditer(sentence))

        bonus = 0.0
        if self.date and new(_YEAR_OR_DATE):
            bonus += 0.25
        if self.number and new(_NUMBER):
            bonus += 0.25
        if self.person:
            named = bool(_NAME.search(sentence))
            bonus += 0.1 if named and _SPEECH_VERB.search(sentence) else 0.05 if named else 0.0
        if self.place and _PLACE.search(sentence):
            bonus += 0.1
        return bonus


class ExtractiveAnswerer:
    """Composes 1-4 of the articles' own sentences, each cited, or abstains."""

    name = "extractive"

    def __init__(self, idf: Callable[[str], float], max_sentences: int = 3, min_support: float = 0.55):
        self.idf = idf
        self.max_sentences = max_sentences
        self.min_support = min_support

    def answer(
        self,
        question: str,
        query: str,
        hits: Sequence[Hit],
        texts: Mapping[str, str],
        history: Sequence[Turn] = (),
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        # `history` is already in `query` (the expanded follow-up); nothing is streamed.
        key_terms, own_terms = self._key_terms(question, query)
        if _ASKS_CREDIT.search(question) and (credited := self._credit(question, query, hits, texts, key_terms)):
            return credited
        candidates = self._candidates(question, key_terms, own_terms, hits, texts) if hits and key_terms else []
        if not candidates or max(c.support for c in candidates) < self.min_support:
            return self._abstain(question, query, hits, key_terms)
        chosen = self._select(candidates)
        citations = CitationList(texts)
        claims: list[Claim] = []
        for cand in chosen:
            text, span = self._attribute(cand, texts)
            claims.append(Claim(text=text, citations=(citations.cite(span),)))
        return self._answer(question, query, hits, claims, citations)

    def _answer(
        self, question: str, query: str, hits: Sequence[Hit], claims: Sequence[Claim], citations: CitationList
    ) -> Answer:
        return Answer(
            question=question,
            text=" ".join(f"{c.text} " + " ".join(f"[{n}]" for n in c.citations) for c in claims),
            citations=tuple(citations.items),
            claims=tuple(claims),
            abstained=False,
            retrieved=tuple(hits),
            search_query=query,
            backend=self.name,
        )

    # -- who wrote it, and when --

    def _credit(
        self,
        question: str,
        query: str,
        hits: Sequence[Hit],
        texts: Mapping[str, str],
        key_terms: Mapping[str, float],
    ) -> Answer | None:
        """Answers "Who wrote the article about X?" or "When was it published?" for the article the
        rest of the question is about, from its own credit lines (byline, "Posted ... by", dateline),
        cited like any sentence. None when no retrieved article is clearly about it."""
        subject = {t: w for t, w in key_terms.items() if t not in _CREDIT_TERMS}
        best: tuple[float, Passage] | None = None
        for hit in hits:
            p = hit.passage
            if not p.credits or not subject:
                continue
            coverage = self._coverage(subject, {t: 1.0 for t in terms(f"{p.title} {p.text}")})
            if best is None or coverage > best[0]:
                best = (coverage, p)
        if best is None or best[0] < self.min_support:
            return None
        p = dataclasses.replace(best[1], kind="article")  # credit lines are the article's own
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
        citations = CitationList(texts)
        numbers = tuple(dict.fromkeys(citations.cite(Span(p, *s)) for s in (by, dated) if s is not None))
        return self._answer(question, query, hits, [Claim(sentence + ".", numbers)], citations)

    # -- scoring --

    def _key_terms(self, question: str, query: str) -> tuple[dict[str, float], dict[str, float]]:
        """Stemmed content terms with IDF weights: all of them, and the user's own. Terms the
        conversation added to a follow-up count a third as much as the user's own words; words naming
        a voice ("readers", "translator") select passages by kind instead of counting as content."""
        # sqrt dampens IDF so that one rare term the question merely names ("Joint-Sea 2013") does
        # not outweigh everything it asks.
        own = {t: math.sqrt(self.idf(t)) for t in dict.fromkeys(terms(question)) if t not in _VOICE_TERMS}
        weights = dict(own)
        for t in terms(query):
            if t not in weights and t not in _VOICE_TERMS:
                weights[t] = math.sqrt(self.idf(t)) / 2
        # In a follow-up ("Where was it held?") the conversation says what "it" is: its terms count
        # towards support too.
        return weights, (weights if query != question else own)

    @staticmethod
    def _coverage(key_terms: Mapping[str, float], credit: Mapping[str, float]) -> float:
        total = sum(key_terms.values())
        return sum(w * credit.get(t, 0.0) for t, w in key_terms.items()) / total if total > 0 else 0.0

    def _candidates(
        self,
        question: str,
        key_terms: Mapping[str, float],
        own_terms: Mapping[str, float],
        hits: Sequence[Hit],
        texts: Mapping[str, str],
    ) -> list[_Candidate]:
        intent = _Intent.of(question)
        order = [t for t in terms(question) if t in key_terms]
        seen: set[tuple[str, int, int]] = set()
        out: list[_Candidate] = []
        for rank, hit in enumerate(hits):
            p = hit.passage
            text = texts[p.source]
            sentence_terms = [set(terms(text[s:e])) for s, e in p.sentences]
            metadata = set(terms(" ".join(filter(None, (p.title, p.author, spoken_date(p.date))))))
            context = metadata.union(*sentence_terms)
            if p.kind == "note":
                # An inline note reacts to what precedes it in the article.
                before = set(terms(text[max(0, p.start - 400) : p.start]))
            else:
                before = set()
            for first, last in self._units(text, p):
                start, end = p.sentences[first][0], p.sentences[last][1]
                if (p.source, start, end) in seen:
                    continue
                seen.add((p.source, start, end))
                unit_terms = set().union(*sentence_terms[first : last + 1])
                neighbours = set()
                for j in (first - 1, last + 1):
                    if 0 <= j < len(sentence_terms):
                        neighbours |= sentence_terms[j]
                credit = {t: 0.3 for t in context}
                credit.update({t: 0.6 for t in before})
                credit.update({t: 0.5 for t in neighbours if credit.get(t, 0) < 0.5})
                credit.update({t: 1.0 for t in unit_terms})
                sentence = text[start:end]
                score = self._coverage(key_terms, credit) + 0.12 / (1 + rank) + intent.bonus(sentence)
                score += 0.1 * _in_order(order, terms(sentence))
                if len(sentence.split()) < 6:
                    score *= 0.6  # headings, fragments
                if intent.voice is not None and p.kind != intent.voice:
                    score *= 0.5  # the question asks for another voice
                elif intent.voice is None and p.kind != "article":
                    score *= 0.7 if p.kind == "comment" else 0.75  # prefer the article's own reporting
                support_credit = {t: 0.5 for t in neighbours | before | metadata}
                support_credit.update({t: 1.0 for t in unit_terms})
                out.append(
                    _Candidate(
                        Span(p, start, end),
                        " ".join(sentence.split()),
                        score,
                        support=self._coverage(own_terms, support_credit) if own_terms else 0.0,
                        index=last,
                        first=first,
                        asked=bool(unit_terms & set(own_terms)),
                        mentions=bool(unit_terms & set(key_terms)),
                    )
                )
        out.sort(key=lambda c: -c.score)
        return out

    @staticmethod
    def _units(text: str, p: Passage) -> list[tuple[int, int]]:
        """Sentence ranges that can stand as one answer sentence: single sentences, and a quotation
        fused with the sentence that attributes it ("Zhou said:" + quote; quote + "— says Sutter")."""
        units = []
        n = len(p.sentences)
        for i, (s, e) in enumerate(p.sentences):
            sentence = text[s:e]
            if _INTRODUCES.search(sentence) and i + 1 < n:
                units.append((i, i + 1))
                continue
            units.append((i, i))
            if i + 1 < n and not _SPEECH_VERB.search(sentence):
                following = text[p.sentences[i + 1][0] : p.sentences[i + 1][1]]
                if _ATTRIBUTES_PREVIOUS.search(following):
                    units.append((i, i + 1))
        return units

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        best = candidates[0]
        chosen = [best]
        chosen_terms = [set(terms(best.text))]
        for cand in candidates[1:]:
            if len(chosen) >= self.max_sentences or cand.score < 0.5 * best.score:
                break
            adjacent = any(
                cand.span.passage.id == c.span.passage.id and (cand.first == c.index + 1 or cand.index == c.first - 1)
                for c in chosen
            )
            if not ((adjacent and cand.mentions) or (cand.asked and cand.score >= 0.8 * best.score)):
                continue  # an added sentence must itself mention something asked, or continue a chosen one
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

    def _attribute(self, cand: _Candidate, texts: Mapping[str, str]) -> tuple[str, Span]:
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
        # Look back through the article (not just this passage) for the sentence that introduces it.
        article_start = int(p.article_id.rsplit("#", 1)[1])
        window = max(article_start, cand.span.start - 1500)
        # Line by line: a headline or dateline has no full stop and must not run into the sentence after it.
        lines = iter_lines(text, window, cand.span.start)
        previous = [sentence for a, b in lines for sentence in sentence_spans(text, a, b)][-3:]
        for s, e in reversed(previous):
            speakers = list(_SPEAKER.finditer(text[s:e]))
            if speakers:
                m = speakers[-1]  # the speaker nearest the quotation
                who = m.group("who").strip()
                who = re.sub(r"^(in response to [^,]*,\s*|asked about [^,]*,\s*)", "", who, flags=re.I)
                if who.split()[-1].lower() not in _PRONOUNS and len(who.split()) <= 12:
                    return who, s
        return None, cand.span.start

    # -- abstaining --

    def abstain(self, question: str, query: str, hits: Sequence[Hit]) -> Answer:
        """An abstention that names the key terms no retrieved passage mentions."""
        return self._abstain(question, query, hits, self._key_terms(question, query)[0])

    def _abstain(self, question: str, query: str, hits: Sequence[Hit], key_terms: Mapping[str, float]) -> Answer:
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
                text = (
                    "The articles don't say: the closest passages mention these words but do not answer the question."
                )
            text += " The closest passages are listed below."
        return Answer(
            question=question,
            text=text,
            citations=(),
            claims=(),
            abstained=True,
            retrieved=tuple(hits),
            search_query=query,
            backend=self.name,
        )


def _in_order(order: Sequence[str], sentence_terms: Sequence[str]) -> float:
    """Share of consecutive question-term pairs that the sentence has in the question's order
    ("Putin called Xi" vs "Xi called Putin")."""
    position = {}
    for i, t in enumerate(sentence_terms):
        position.setdefault(t, i)
    present = [t for t in order if t in position]
    pairs = list(itertools.pairwise(present))
    return sum(position[a] < position[b] for a, b in pairs) / len(pairs) if pairs else 0.0


def _overlaps(a: Span, b: Span) -> bool:
    return a.passage.source == b.passage.source and a.start < b.end and b.start < a.end


def _surface_forms(query: str) -> dict[str, str]:
    return {stem(w): w for w in words(query) if w not in STOPWORDS and w not in QUESTION_WORDS}


def _strip_quotes(sentence: str) -> str:
    return sentence.strip().strip('“”"')


def _lower_first(sentence: str) -> str:
    """Lower-case a leading ordinary word so the sentence reads after "According to X, "."""
    first = sentence.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and first.lower() in STOPWORDS:
        return sentence[0].lower() + sentence[1:]
    return sentence


def make_answerer(
    name: str,
    idf: Callable[[str], float],
    settings: Settings | None = None,
    embed: Callable[[list[str]], Any] | None = None,
) -> Answerer:
    """The answer backend called `name` (the `answerer` setting). Generative backends are imported
    only when chosen."""
    settings = settings or Settings()
    extractive = ExtractiveAnswerer(idf, settings.max_answer_sentences, settings.min_support)
    match name:
        case "extractive":
            return extractive
        case "openai" | "local":
            from .generate import GenerativeAnswerer, chat_model
            from .verify import Verifier

            if embed is None:
                raise BackendError(f"The {name} backend verifies claims with the embedding model: pass `embed`.")
            return GenerativeAnswerer(name, chat_model(name, settings), Verifier(embed), extractive, settings)
        case _:
            raise BackendError(f"Unknown answer backend '{name}': set DOSSIER_ANSWERER to extractive, openai or local.")
