"""The extractive answerer: an answer made only of the articles' own sentences, each cited.

It needs no model server and cannot say anything the articles do not say. The stages, each in its
own module: `question` reads what is asked, `candidates` lists the sentences that could answer it,
the cross-encoder (`rerank`) scores each against the question, `constraints` checks the answer type
and the question's names and numbers, `compose` shapes the answer, `attribution` names who speaks.
When no sentence scores above the calibrated threshold, it says plainly that the articles don't say.

Over 400 lines: the answerer's one class holds the gate, scoring, the premise check, verdict
composition and refusals, which share its calibrated weights and per-article caches.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rag.answer import compose, verdicts
from rag.answer.attribution import credit
from rag.answer.candidates import Candidate, followed, gather
from rag.answer.citations import CitationList
from rag.answer.compose import Features, Scored
from rag.answer.constraints import (
    Fit,
    Names,
    agents,
    asked_roles,
    asks_loser,
    entity_phrase,
    fit,
    is_outlet,
    mention_text,
    mentions,
    reported,
    roles,
    swapped,
)
from rag.answer.question import Question, analyse
from rag.answer.slots import Slot, check, mentions_month
from rag.core import AnswerSettings
from rag.core.schema import Answer, Article, Claim, Hit, Passage, Turn
from rag.lang import parse
from rag.lang.injection import planted
from rag.lang.text import spelled_out, spoken_date, terms
from rag.search.rerank import Reranker


@dataclass(frozen=True)
class Weights:
    """How a candidate's score is made, in cross-encoder logits. Calibrated on development questions
    only (`eval/tune_answer.py`: the reader-question dev split and MultiHop-RAG dev; see README)."""

    passage: float = 0.0  # the passage's own relevance carries over to its sentences
    clauses: float = 5.0  # per clause beyond the first: the cross-encoder scores many-clause questions lower
    untyped: float = 4.0  # "how much" answered by a sentence with no amount (a lead sentence must have one)
    distant: float = 0.5  # per question name/number the sentence's neighbourhood does not mention
    missing: float = 2.0  # times the share of the question's names/numbers its article never mentions
    fragment: float = 3.0  # a headline or list, not a sentence
    other_voice: float = 1.0  # a reader comment or note when the question did not ask for one
    wrong_voice: float = 2.0  # the article's reporting when the question asks for the readers
    other_outlet: float = 1.0  # "as reported by TechCrunch": a sentence from another outlet
    absent: float = 0.0  # times the IDF share of the question's words its article never uses ("climate")

    def score(self, f: Features) -> float:
        return (
            f.sentence
            + self.passage * f.passage
            + self.clauses * f.clauses
            - self.untyped * f.untyped
            - self.distant * f.distant
            - self.missing * f.missing
            - self.fragment * f.fragment
            - self.other_voice * f.other_voice
            - self.wrong_voice * f.wrong_voice
            - self.other_outlet * f.other_outlet
            - self.absent * f.absent
        )


@dataclass(frozen=True)
class Gap:
    unknown: tuple[str, ...]
    """Names no article mentions."""
    foreign: tuple[str, ...]
    """Outlets named as a source that no article comes from."""


MARGIN = 2.5  # how far below the lead an added sentence may score
FILLED = ("person", "place", "date", "number", "score", "name")  # answer types a lead sentence must hold
_ASKED = {
    "person": "who",
    "place": "where",
    "date": "when",
    "number": "how much or how many",
    "score": "the score",
    "name": "which",
}
HEDGE_CHECKED = 3  # best sentences of a factoid read for modality ("is expected to win"), per question
RETYPED = 6  # untyped sentences near the bar that spaCy's entities may type, per question
ROLE_CHECKED = 4  # best sentences whose verbs' objects are read with the parser, per question
COMPLETED = 2  # untyped sentences near the bar read again with the sentence after them, per question
CLAUSE_CANDIDATES = 8  # sentences of a compound question scored again against each of its clauses
VERB_WEIGHT = 0.5  # logits a yes/no question's verbs must add to a sentence that says them otherwise
_DEFAULTS = AnswerSettings()
CREDIT_FLOOR = -4.0  # a passage scored below this is not about what "who wrote the article about X" names


def _agreed(items: Sequence[Scored]) -> bool:
    """Whether the first sentence's answer phrase is named (by its last word) in another of `items`."""
    first = items[0]
    if first.fit.phrase is None or len(items) < 2:
        return False
    a, b = first.fit.phrase
    last = re.sub(r"['’]s?$", "", first.cand.text[a:b].strip(" ,.;:")).split()
    return bool(last) and any(re.search(rf"\b{re.escape(last[-1])}\b", i.cand.text) for i in items[1:])


_LOCATIVE = re.compile(r"\b(?:in|at|near|outside|inside|across)\s+(?:the\s+)?$", re.IGNORECASE)
_NO_ONE = frozenset({"FAC", "LOC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT"})  # kinds of name no person has


def _nobody(q: Question, item: Scored) -> bool:
    """Asked who, whether the sentence's answer is a name the parser reads as no person (a place,
    an organisation) and it names no person the question does not."""
    if q.wants != "person" or item.fit.phrase is None or asks_loser(q.text):
        return False  # the side beaten is found by its role, a team as often as a person
    a, b = item.fit.phrase
    text = item.cand.text
    ents = parse(text).ents
    if any(e.label_ == "PERSON" for e in ents if not any(w in q.text for w in e.text.split())):
        return False
    # A team or a country may be who won; a name after "in" or "at", a building or a region is where,
    # an event, a work, a law or a product is what ("won the Chicago Marathon").
    placed = bool(_LOCATIVE.search(text[max(0, a - 12) : a]))
    return any(e.start_char < b and a < e.end_char and (e.label_ in _NO_ONE or placed) for e in ents)


def _person_led(q: Question, item: Scored) -> Scored:
    """Asked who, the answer leads with the person spaCy finds in the sentence, when the patterns'
    phrase is what it reads as another kind of name ("FTX", "Alameda Research's" where Sam
    Bankman-Fried is named)."""
    if item.fit.phrase is not None:
        a, b = item.fit.phrase
        # The phrase stands unless the parser reads it as another kind of name: the small model
        # misses many people ("Billie Eilish") and would lead with a film's name instead.
        if not any(e.start_char < b and a < e.end_char and e.label_ != "PERSON" for e in parse(item.cand.text).ents):
            return item
    found = entity_phrase(q, item.cand.text, ("PERSON",))
    if found is None:
        return item
    return dataclasses.replace(item, fit=dataclasses.replace(item.fit, phrase=found))


class ExtractiveAnswerer:
    """Composes 1-4 of the articles' own sentences, each cited, or abstains."""

    name = "extractive"

    def __init__(
        self,
        reranker: Reranker | None,
        idf: Callable[[str], float],
        articles: Sequence[Article] = (),
        leads: Mapping[str, Passage] | None = None,
        settings: AnswerSettings = _DEFAULTS,
        weights: Weights = Weights(),
        names: Names | None = None,
        side_margin: float = -1.0,
    ):
        self.reranker = reranker
        self.names = names
        self.idf = idf
        self.articles = articles
        self.leads = leads or {}
        self.outlets = frozenset(a.publisher.lower() for a in articles if a.publisher)
        self.publishers = sorted({a.publisher for a in articles if a.publisher})
        self.max_sentences = settings.max_answer_sentences
        self.threshold = settings.answer_threshold
        self.min_support = settings.min_support
        self.weights = weights
        self.passages = settings.answer_passages
        # How far above the bar a side of a two-sided question must score to be borne out: -1 on MultiHop
        # dev (every third comparison/temporal question: yes-gold 0.55, no-gold 0.49 right; the support
        # of each side tells the two apart only weakly, see README).
        self.side_margin = side_margin
        self._articles: dict[str, tuple[str, frozenset[str]]] = {}

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
        q = analyse(question)
        if q.shape == "overview" and self.articles:
            return self._overview(question, query, hits, texts)
        if gap := self.gap(q, hits):
            return self.abstain(question, query, hits, q, gap)
        if q.asks_credit and (found := credit(self._about(q, hits, texts), texts)) is not None:
            sentence, spans = found
            citations = CitationList(texts)
            numbers = tuple(dict.fromkeys(citations.cite(s) for s in spans))
            return self._answer(question, query, hits, [Claim(sentence, numbers)], citations)
        if conflicts := self.premise(q, hits, texts):
            return self.abstain(question, query, hits, q, conflicts=conflicts)
        if q.shape == "yesno" and self.reranker is not None:
            return self._verdict(question, query, q, hits, texts)
        ranked = self.score(q, query, hits, texts)
        if q.shape == "factoid" and q.wants in FILLED:
            ranked = self._sound(q, ranked)
        # "What does the article say about X" asks for what is there, not for one fact: a lower bar.
        floor = self.floor - MARGIN if q.shape == "summary" else self.floor
        # A question that asks for a person, place, date or amount is answered only by a sentence
        # that holds one the question does not already state: restating the topic is no answer.
        leads = [s for s in ranked if s.fit.typed] if q.wants in FILLED and q.shape == "factoid" else ranked
        if not leads or leads[0].score < floor:
            return self.abstain(question, query, hits, q, unfilled=bool(ranked) and ranked[0].score >= floor)
        # The best sentence passed the gate; in broad answers, others may add to it a little below.
        chosen: list[tuple[str, Scored]] = []
        match q.shape:
            case "timeline":
                chosen = [(f"{when}: ", item) for when, item in compose.timeline(ranked, self.floor - MARGIN, 5)]
                if len(chosen) < 2:
                    chosen = []  # too few dated facts for a timeline: answer as a fact
            case "comparison" | "yesno":  # yes/no without a reranker: the evidence, no verdict
                chosen = [
                    (f"{compose.outlet_label(item.cand.passage)}: ", item)
                    for item in compose.per_article(ranked, self.floor - MARGIN, 4)
                ]
        if not chosen:
            # Each clause of a compound question may be borne out by a different sentence, and a
            # summary is the best few sentences on its topic.
            margin = math.inf if q.compound or q.shape == "summary" else MARGIN
            chosen = [("", item) for item in compose.factoid(ranked, floor, self.max_sentences, margin)]
        if unsourced := self._unsourced(q, [item for _, item in chosen], texts):
            return self.abstain(question, query, hits, q, Gap((), tuple(unsourced)))
        citations = CitationList(texts)
        lead = q.wants in FILLED and q.shape == "factoid"
        if lead and q.wants == "person":
            chosen[0] = (chosen[0][0], _person_led(q, chosen[0][1]))
        if lead and q.compound:
            # A many-clause question ("which company, featured in ..., has ... and is also accused
            # of ...") is borne out clause by clause: one sentence's name is its answer only when
            # the other sentences shown speak of it too.
            lead = _agreed([item for _, item in chosen])
        claims = [
            compose.claim(item, texts, citations, prefix=prefix, lead=lead and n == 0)
            for n, (prefix, item) in enumerate(chosen)
        ]
        return self._answer(question, query, hits, claims, citations)

    # -- verdicts --

    def _verdict(self, question: str, query: str, q: Question, hits: Sequence[Hit], texts: Mapping[str, str]) -> Answer:
        """A yes/no question answered with a verdict first, then its evidence (`verdicts`)."""
        citations = CitationList(texts)
        parts = verdicts.sides(q.text, self.publishers)
        if parts:
            found: list[tuple[verdicts.Side, Scored | None]] = []
            for side in parts:
                own = [h for h in hits if h.passage.publisher == side.outlet]
                # The report of the day named, when it is at hand.
                own = [h for h in own if h.passage.date == side.date] or own
                ranked = self.score(analyse(side.claim), side.claim, own, texts) if own else []
                found.append((side, ranked[0] if ranked else None))
            missing = [side.outlet for side, best in found if best is None]
            weak = [side for side, best in found if best is not None and best.score < self.floor + self.side_margin]
            evidence = [best for _, best in found if best is not None]
            if missing:
                opening = (
                    f"The articles don't settle it: no passage from {', '.join(dict.fromkeys(missing))} was found."
                )
            elif weak:
                opening = "No: " + "; ".join(f"{s.outlet} does not bear out “{s.claim}”" for s in weak) + "."
            elif (order := verdicts.asked_order(q.text, parts)) is not None:
                opening = _in_order(order, [(side, best) for side, best in found if best is not None])
            elif verdicts.asks_discord(q.text):
                outlets = " and ".join(dict.fromkeys(s.outlet for s, _ in found))
                opening = f"No: {outlets} each bear out the account the question gives; they do not clash."
            else:
                opening = "Yes: " + " and ".join(dict.fromkeys(s.outlet for s, _ in found)) + " bear it out."
        else:
            # Evidence speaks of everything the proposition names (in the sentence, its neighbours or
            # its title: "Did Li Shanfu visit Washington?" is not settled by his trip to Moscow) and,
            # when it asks about an outcome, of that outcome.
            ranked = [s for s in self.score(q, query, hits, texts) if self._settles(q, s)]
            evidence = compose.per_article(ranked, self.floor, 4)
            if not evidence and (turned := verdicts.opposite(q.text)) is not None:
                # "Did the ruble rise?" scores "the ruble fell" low, though it answers "no": ask
                # the opposite, and keep the sentences that take the other side.
                against = self.score(analyse(turned), turned, hits, texts)
                denying = [s for s in against if self._settles(q, s) and not verdicts.agrees(q.text, s.cand.text)]
                evidence = compose.per_article(denying, self.floor, 4)
            if not evidence:
                return self.abstain(question, query, hits, q)
            sayings = [verdicts.agrees(q.text, item.cand.text) for item in evidence]
            if all(sayings):
                opening = f"Yes, according to {_outlets(evidence)}."
            elif not any(sayings):
                opening = f"No, according to {_outlets(evidence)}."
            else:
                opening = "The articles disagree."
        claims = [
            compose.claim(item, texts, citations, prefix=f"{compose.outlet_label(item.cand.passage)}: ")
            for item in evidence
        ]
        cited = tuple(dict.fromkeys(n for c in claims for n in c.citations))
        return self._answer(question, query, hits, [Claim(opening, cited), *claims], citations)

    def _sound(self, q: Question, ranked: list[Scored]) -> list[Scored]:
        """`ranked` without its best sentences that, read with the parser, do not answer: they only
        say the asked event will, may or is meant to happen ("Arizona will take on Arizona State next
        Saturday" holds no score yet; "X is expected to win" names no winner), or, asked who, the
        name they hold is a place or a body and no person is named ("held at the Dolby Theatre in
        Los Angeles" for "who hosted")."""
        near = [s for s in ranked[:HEDGE_CHECKED] if s.score >= self.floor - MARGIN]
        dropped = {id(s) for s in near if verdicts.hedged(q.text, s.cand.text) or _nobody(q, s)}
        return [s for s in ranked if id(s) not in dropped] if dropped else ranked

    def _settles(self, q: Question, item: Scored) -> bool:
        """Whether a scored sentence can carry a verdict on `q`: above the bar and, unless `q` has
        many clauses, with every name, number and slot of `q` in its neighbourhood, and on the
        outcome asked (`verdicts.bears_on`). A sentence without the question's verbs may say it in other words
        ("renounce" the dollar for "drop" it) or only share its topic ("the EU's investigation of X"
        for "was X fined"): it counts when the cross-encoder, given the question itself, puts it
        above the bar and `VERB_WEIGHT` higher than with the verbs taken out (the verbs are part of
        what it matched)."""
        if item.score < self.floor:
            return False
        if q.compound:
            return True  # each clause of a many-clause question may be another sentence's (see `_by_clause`)
        if item.fit.distant or item.fit.missing:
            return False
        question = q.text
        if verdicts.hedged(question, item.cand.text):
            return False  # "donanemab is expected to follow" does not say it was approved
        if verdicts.bears_on(question, item.cand.text):
            # With no outcome or verb to check, only a sentence that names what the question names
            # itself speaks of it ("the exercise involved Russian and Chinese ships" beside a
            # mention of Japan says nothing of Japan's part).
            return verdicts.names_outcome(question) or all(
                mentions(mention_text(item.cand.text), n) for n in q.names if not is_outlet(n, self.outlets)
            )
        bare = verdicts.without_verbs(question)
        if bare is None or self.reranker is None:
            return False
        full = float(self.reranker.score(question, [item.cand.text])[0])
        return full >= self.floor and full - float(self.reranker.score(bare, [item.cand.text])[0]) >= VERB_WEIGHT

    def _about(self, q: Question, hits: Sequence[Hit], texts: Mapping[str, str]) -> list[Hit]:
        """The hits whose article is about what the question names (for "who wrote the article
        about X": an article that never mentions X is not the one meant)."""
        names = [n for n in q.names if not is_outlet(n, self.outlets)]
        return [
            h
            for h in hits
            if (h.rerank is None or h.rerank > CREDIT_FLOOR)
            and all(mentions(self._article(h.passage, texts)[0], n) for n in names)
        ]

    def gap(self, q: Question, hits: Sequence[Hit]) -> Gap | None:
        """What the question takes for granted that the collection lacks: a name no article
        mentions, or an outlet it says reported something that no article comes from and no close
        passage mentions. However near a sentence comes, it is about something else."""
        unknown = []
        if self.names is not None:
            unknown = [n for n in q.proper_names if not is_outlet(n, self.outlets) and not self.names.mentioned(n)]
        near = mention_text(" ".join(h.passage.text for h in hits))
        foreign = [
            s for s in q.sources if not is_outlet(s, self.outlets) and s not in unknown and not mentions(near, s)
        ]
        return Gap(tuple(unknown), tuple(foreign)) if unknown or foreign else None

    def premise(self, q: Question, hits: Sequence[Hit], texts: Mapping[str, str]) -> list[tuple[Slot, str]]:
        """The question's counted or numbered values that the retrieved passages give otherwise and
        nowhere as asked ("201 million users" where they say 100 million; "the fourth season" where
        they only speak of the third), each with a sentence that says otherwise. However well the
        rest of the question matches, the articles do not bear out what it takes for granted."""
        checked = [
            s
            for s in q.slots
            if s.kind in ("quantity", "measure", "ordinal", "edition") or (s.kind == "year" and s.head)
        ]
        if not checked:
            return []
        cands = gather(hits, texts, max(2 * self.passages, len(hits)))
        out = []
        for slot in checked:
            verdicts_ = [(check(slot, c.text, f"{c.context} {c.passage.title}"), c) for c in cands]
            if any(v == "meets" for v, _ in verdicts_):
                continue
            against = [c for v, c in verdicts_ if v == "contradicts"]
            if against:  # quote a sentence that says otherwise itself, not only beside it
                own = next((c for c in against if check(slot, c.text, "") == "contradicts"), against[0])
                out.append((slot, own.text))
        return out

    @property
    def floor(self) -> float:
        return self.threshold if self.reranker is not None else self.min_support

    # -- scoring --

    def score(self, q: Question, query: str, hits: Sequence[Hit], texts: Mapping[str, str]) -> list[Scored]:
        """Every candidate sentence of the best passages, scored and sorted (best first); sentences
        whose article mentions none of the names and numbers the question states are left out."""
        # A broad question reads more passages; so does one asking for a voice (the comments or
        # notes come first, and a short note ranks by what it reacts to, which the search does not see).
        broad = q.shape != "factoid" or q.voice is not None
        passages = max(2 * self.passages, len(hits)) if broad else self.passages
        # A typed fact may sit further down the passages found ("seal the Browns' 20-17 win" in the
        # eighth): there, only sentences that hold the wanted type are read.
        further = q.shape == "factoid" and q.wants in FILLED and self.reranker is not None
        checked = self._checked(q, gather(hits, texts, 2 * passages if further else passages), texts)
        kept = [k for k in checked if k[0].rank < passages or k[1].typed]
        # A follow-up is scored with what the conversation says it is about.
        ce_query = q.topic if query == q.text else query
        out = self._scored(q, query, ce_query, kept, hits, texts)
        if q.voice is not None and any(s.cand.passage.kind == q.voice and s.score >= self.floor for s in out):
            # "What do the readers say": the readers answer, however well the article itself scores.
            out = [s for s in out if s.cand.passage.kind == q.voice]
        return out

    def _checked(
        self, q: Question, cands: Sequence[Candidate], texts: Mapping[str, str]
    ) -> list[tuple[Candidate, Fit, float]]:
        """The candidates the checks let through, each with its fit and the IDF share of the
        question's words its article never uses. The checks come first: a sentence they rule out is
        not worth a cross-encoder pair (most of a question's time)."""
        asked = {t: self.idf(t) for t in dict.fromkeys(terms(q.topic))}
        asked_total = sum(asked.values()) or 1.0
        absent: dict[str, float] = {}
        articles: dict[str, str] = {}
        kept = []
        for cand in cands:
            p = cand.passage
            if p.article_id not in articles:
                articles[p.article_id], used = self._article(p, texts)
                absent[p.article_id] = sum(w for t, w in asked.items() if t not in used) / asked_total
            if p.instruction and not planted_free(cand, texts):
                continue  # text planted for language models is no answer, whatever it says
            f = fit(q, cand, articles[p.article_id], self.outlets)
            if f.stated and f.missing == f.stated or f.contradicts:
                continue  # the article mentions none of the names and numbers stated, or another year or kind
            kept.append((cand, f, absent[p.article_id]))
        return kept

    def _scored(
        self,
        q: Question,
        query: str,
        ce_query: str,
        kept: Sequence[tuple[Candidate, Fit, float]],
        hits: Sequence[Hit],
        texts: Mapping[str, str],
    ) -> list[Scored]:
        """The checked candidates scored (`Weights`), best first, then refined: sentences that do
        the asked thing to another name dropped, untyped ones typed by spaCy or by the next sentence."""
        if not kept:
            return []
        if self.reranker is not None:
            shown = [self._shown(q, c) for c, _, _ in kept]
            raw = [float(x) for x in self.reranker.score(ce_query, shown)]
            if q.parts and query == q.text:
                raw = self._by_clause(q, shown, raw)
        else:
            raw = [self._coverage(q, query, c) for c, _, _ in kept]
        passage_logit = {h.passage.id: h.rerank for h in hits}
        named_outlets = [n.lower() for n in q.names if is_outlet(n, self.outlets)]
        out = []
        for (cand, f, absent), base in zip(kept, raw, strict=True):
            p = cand.passage
            logit = passage_logit.get(p.id)
            features = Features(
                sentence=base,
                clauses=float(q.clauses - 1),
                passage=0.0 if logit is None else max(logit, -5.0),
                untyped=float(not f.typed),
                distant=float(f.distant),
                missing=f.missing / f.stated if f.stated else 0.0,
                fragment=float(not cand.is_sentence),
                other_voice=float(q.voice is None and p.kind != "article"),
                wrong_voice=float(q.voice is not None and p.kind != q.voice),
                absent=absent,
                other_outlet=float(
                    bool(named_outlets) and not any(o in (p.publisher or "").lower() for o in named_outlets)
                ),
            )
            # The word-count fallback scores 0..1: its adjustments are scaled to match.
            score = base + (self.weights.score(features) - base) * (1.0 if self.reranker is not None else 0.1)
            out.append(Scored(cand, score, f, features))
        out.sort(key=lambda s: -s.score)
        out = self._unswapped(q, out)
        if q.wants in FILLED and self.reranker is not None:
            out = self._complete(q, ce_query, self._retype(q, out), texts)
        return out

    def _shown(self, q: Question, c: Candidate) -> str:
        """What the cross-encoder reads of a candidate: a note with what it reacts to, every other
        sentence on its own; an organisation asked by name spelled out beside its initials ("NAR
        chief economist"); and, asked who holds a role, the article's title before a sentence that
        leaves out the organisation the title names ("Tesla quarterly results: Chief financial
        officer Vaibhav Taneja said ..."): whose officer it is, the title says."""
        text = spelled_out(f"{c.context} {c.text}" if c.passage.kind == "note" else c.text, q.names)
        title = c.passage.title
        if q.wants != "person" or not title or not asked_roles(q.text):
            return text
        said, titled_ = mention_text(c.text), mention_text(title)
        if any(not mentions(said, n) and mentions(titled_, n) for n in q.names if not is_outlet(n, self.outlets)):
            return f"{title}: {text}"
        return text

    def _by_clause(self, q: Question, shown: list[str], raw: list[float]) -> list[float]:
        """A compound question checked clause by clause: the best sentences by the whole question
        are scored again against each clause, and keep their best score. The cross-encoder scores
        a many-clause question low against any one sentence, since each bears out only a clause."""
        best = sorted(range(len(raw)), key=lambda i: -raw[i])[:CLAUSE_CANDIDATES]
        out = list(raw)
        for part in q.parts:
            scores = self.reranker.score(part, [shown[i] for i in best])  # type: ignore[union-attr]
            for i, x in zip(best, scores, strict=True):
                out[i] = max(out[i], float(x))
        return out

    def _unswapped(self, q: Question, ranked: list[Scored]) -> list[Scored]:
        """The best sentences without those that do what is asked to another name than the asked one
        ("hire Hayes" for "hire Andonovski"): read with the parser, so only the few near the bar."""
        if not roles(q.text) and not agents(q.text):
            return ranked
        out = []
        for n, item in enumerate(ranked):
            c = item.cand
            local = f"{c.passage.title} {c.context} {c.text}"
            if n < ROLE_CHECKED and item.score >= self.floor - MARGIN and swapped(q.text, c.text, local):
                continue
            out.append(item)
        return out

    def _retype(self, q: Question, ranked: list[Scored]) -> list[Scored]:
        """The best untyped sentences that would pass if typed, read again with spaCy's entities
        ("Athens", "Shaqiri", "last Tuesday"): the patterns of `constraints` miss such answers."""
        out, tried = list(ranked), 0
        for i, item in enumerate(out):
            if tried >= RETYPED or item.score + self.weights.untyped < self.floor:
                break
            if item.fit.typed or item.fit.unheld or item.features is None:
                continue
            tried += 1
            if reported(q, item.cand) and (phrase := entity_phrase(q, item.cand.text)) is not None:
                fit_ = dataclasses.replace(item.fit, typed=True, phrase=phrase)
                features = dataclasses.replace(item.features, untyped=0.0)
                out[i] = Scored(item.cand, item.score + self.weights.untyped, fit_, features)
        out.sort(key=lambda s: -s.score)
        return out

    def _complete(self, q: Question, query: str, ranked: list[Scored], texts: Mapping[str, str]) -> list[Scored]:
        """The best untyped sentences that would pass if typed, read again with the sentence after
        them: news often says what happened first and who, when or how much next ("Three scientists
        won the Nobel Prize ..." / "Moungi Bawendi of MIT, Louis Brus ... were honored ..."). The
        pair is scored as one unit, so a next sentence on something else does not pass."""
        pairs: list[tuple[Scored, Candidate, Fit]] = []
        tried = 0
        for item in ranked:
            if tried >= COMPLETED or item.score + self.weights.untyped < self.floor:
                break
            if item.fit.typed or item.features is None or (pair := followed(item.cand, texts)) is None:
                continue
            tried += 1
            f = fit(q, pair, self._article(pair.passage, texts)[0], self.outlets)
            if f.typed and not f.contradicts and f.missing <= item.fit.missing:
                pairs.append((item, pair, f))
        if not pairs:
            return ranked
        out = list(ranked)
        raw = self.reranker.score(query, [pair.text for _, pair, _ in pairs])  # type: ignore[union-attr]
        for (item, pair, f), base in zip(pairs, raw, strict=True):
            features = dataclasses.replace(  # type: ignore[type-var]
                item.features, sentence=float(base), untyped=0.0, distant=float(f.distant)
            )
            out.append(Scored(pair, self.weights.score(features), f, features))
        out.sort(key=lambda s: -s.score)
        return out

    def _unsourced(self, q: Question, passing: Sequence[Scored], texts: Mapping[str, str]) -> list[str]:
        """The outlets the question says wrote something ("an article by the BBC", "a CNN report")
        that are none of the collection's and that no article of the answer's sentences even
        mentions: whatever those sentences say, it is not that outlet's report."""
        foreign = [s for s in q.sources if not is_outlet(s, self.outlets)]
        articles = [self._article(item.cand.passage, texts)[0] for item in passing]
        return [s for s in foreign if not any(mentions(a, s) for a in articles)]

    def _article(self, p: Passage, texts: Mapping[str, str]) -> tuple[str, frozenset[str]]:
        """The passage's article, normalised, and its search terms (kept: articles recur across questions)."""
        if p.article_id not in self._articles:
            if len(self._articles) > 2048:
                self._articles.clear()
            normalized = mention_text(_article_text(p, texts))
            self._articles[p.article_id] = (normalized, frozenset(terms(normalized)))
        return self._articles[p.article_id]

    def _coverage(self, q: Question, query: str, cand: Candidate) -> float:
        """Without a reranker: the IDF-weighted share of the question's terms in the sentence (full
        credit) and its neighbours and title (half)."""
        weights = {t: math.sqrt(self.idf(t)) for t in dict.fromkeys(terms(q.text))}
        for t in terms(query):
            weights.setdefault(t, math.sqrt(self.idf(t)) / 2)
        near = set(terms(f"{cand.passage.title} {cand.context}"))
        own = set(terms(cand.text))
        total = sum(weights.values())
        if total <= 0:
            return 0.0
        return sum(w * (1.0 if t in own else 0.5 if t in near else 0.0) for t, w in weights.items()) / total

    # -- shapes that need the whole collection --

    def _overview(self, question: str, query: str, hits: Sequence[Hit], texts: Mapping[str, str]) -> Answer:
        summary, shown = compose.overview(self.articles, self.leads)
        citations = CitationList(texts)
        claims = [Claim(summary, ())]
        for p in shown:
            span = compose.lead_span(p, texts)
            label = f"“{p.title}” ({compose.outlet_label(p)})" if p.publisher or p.date else f"“{p.title}”"
            sentence = " ".join(texts[p.source][span.start : span.end].split())
            claims.append(Claim(f"{label}: {sentence}", (citations.cite(span),)))
        return self._answer(question, query, hits, claims, citations)

    # -- output --

    def _answer(
        self, question: str, query: str, hits: Sequence[Hit], claims: Sequence[Claim], citations: CitationList
    ) -> Answer:
        return Answer(
            question=question,
            text=" ".join((f"{c.text} " + " ".join(f"[{n}]" for n in c.citations)).strip() for c in claims),
            citations=tuple(citations.items),
            claims=tuple(claims),
            abstained=False,
            retrieved=tuple(hits),
            search_query=query,
            backend=self.name,
        )

    def abstain(
        self,
        question: str,
        query: str,
        hits: Sequence[Hit],
        q: Question | None = None,
        gap: Gap | None = None,
        unfilled: bool = False,
        conflicts: Sequence[tuple[Slot, str]] = (),
    ) -> Answer:
        """ "The articles don't say", with what is missing: what the collection lacks (`gap`), a
        name no close passage mentions, or that the closest passages do not answer it."""
        q = q or analyse(question)
        text = _refusal(question, q, hits, gap, unfilled, conflicts)
        if hits:
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


def _refusal(
    question: str,
    q: Question,
    hits: Sequence[Hit],
    gap: Gap | None,
    unfilled: bool,
    conflicts: Sequence[tuple[Slot, str]],
) -> str:
    """What a refusal says is missing, as the answerer checked it."""
    if gap is not None:
        lacks = []
        if gap.unknown:
            lacks.append("none of them mentions " + ", ".join(f"“{n}”" for n in gap.unknown[:4]))
        if gap.foreign:
            lacks.append("none is from " + " or ".join(f"“{n}”" for n in gap.foreign[:4]))
        text = f"The articles don't say: {', and '.join(lacks)}."
    elif conflicts:
        slot, said = conflicts[0]
        text = (
            f"The articles don't say: none of the passages found gives “{slot.text}”; "
            f"they say: “{said if len(said) <= 200 else said[:200] + '…'}”."
        )
    elif not terms(question) and not q.names:
        text = "The question has no searchable terms; ask about a person, place, event or topic in the articles."
    else:
        # What is missing, as the answerer checks it: a name, number or typed value the closest
        # passages never state, or the kind of answer none of their sentences holds. A word of
        # the question they do not use is no reason by itself ("supposedly", "drop").
        present = mention_text(
            " ".join(
                f"{h.passage.title} {h.passage.publisher} {spoken_date(h.passage.date)} {h.passage.text}" for h in hits
            )
        )
        missing = [n for n in q.names + tuple(sorted(q.numbers)) if not mentions(present, n)]
        missing += [
            s.text
            for s in q.slots
            if s.kind not in ("year", "named")
            and not (s.kind == "month" and mentions_month(int(s.value), present))  # "Nov. 5" names November
            and check(s, present, "") != "meets"
        ]
        if missing:
            listed = ", ".join(f"“{m}”" for m in dict.fromkeys(missing[:4]))
            text = f"The articles don't say. None of the passages that come closest mentions {listed}."
        elif unfilled and q.wants in FILLED:
            text = (
                "The articles don't say: the closest passages are on the topic, but none of their "
                f"sentences says {_ASKED[q.wants]}."
            )
        else:
            text = "The articles don't say: the closest passages are on the topic but do not answer the question."
    return text


def _in_order(order: int, found: Sequence[tuple[verdicts.Side, Scored]]) -> str:
    """The verdict on whether the first side's report came before (`order` -1) or after (1) the
    second's, from their articles' dates (metadata, never guessed from the text)."""
    (first, a), (second, b) = found
    when_a, when_b = a.cand.passage.date, b.cand.passage.date
    if not when_a or not when_b:
        undated = first.outlet if not when_a else second.outlet
        return f"The articles don't settle it: the report from {undated} is not dated."
    if when_a == when_b:
        return f"The articles don't settle it: both reports are dated {spoken_date(when_a)}."
    relation = "before" if when_a < when_b else "after"
    held = (when_a < when_b) == (order < 0)
    return (
        f"{'Yes' if held else 'No'}: {first.outlet}'s report is dated {spoken_date(when_a)}, {relation} "
        f"{second.outlet}'s of {spoken_date(when_b)}."
    )


def _outlets(items: Sequence[Scored]) -> str:
    """ "The Verge, October 3, 2023 and TechCrunch, …": who published the evidence, and when."""
    return " and ".join(dict.fromkeys(compose.outlet_label(i.cand.passage) for i in items))


def _article_text(p: Passage, texts: Mapping[str, str]) -> str:
    """The text of the passage's article: from its start to the next article of the file (roughly:
    for the name checks, a few characters of the next article do no harm)."""
    text = texts[p.source]
    start = int(p.article_id.rsplit("#", 1)[1])
    return f"{p.title} {p.publisher or ''} {spoken_date(p.date)} {text[start : start + 200_000]}"


def planted_free(cand: Candidate, texts: Mapping[str, str]) -> bool:
    """Whether none of the candidate's sentences is planted text (`injection.planted`)."""
    skip = planted(texts[cand.passage.source], cand.passage.sentences)
    return not any(j in skip for j in range(cand.first, cand.last + 1))
