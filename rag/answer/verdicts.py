"""Verdicts for yes/no questions: the answer opens with "Yes", "No", "The articles disagree" or
"The articles don't say", then the evidence, each line cited.

Two kinds of question:

- **One proposition** ("Did Russia abandon the dollar?", "Was SBF found guilty?"): the sentences that
  bear on it are those the answerer already scored under the question's constraints. A sentence
  asserts the proposition unless its polarity differs from the question's: a negation one of them
  has and the other lacks ("did not", "never", "refused to"), the other side of a contrast pair
  ("rose" for "fell", "acquitted" for "found guilty"), or a contest told the other way round
  ("Belgium's win over England" for "did England win"). Evidence both ways is a disagreement. When
  no sentence bears the proposition out, its `opposite` is asked ("did the ruble fall").
- **Several sides**, each attributed to a source ("Does the TechCrunch article suggest X, while the
  Fortune article reports Y?", "Between the report from The Verge on ... and the TechCrunch report
  on ..., was there consistency in ...?"): the question is cut at each named outlet, and each side
  is checked against its own outlet's passages. Every side borne out: yes; a side its outlet's
  passages do not bear out: no; an outlet with no passage at hand: not settled.

A sentence that only mentions the topic is no evidence: it must score above the answerer's bar
and bear on the outcome asked (`bears_on`), and say that it happened, not that it will or may
(`hedged`, which factoid answers use too: "is expected to win" names no winner). A question that
orders two reports in time is answered from their articles' dates (`asked_order`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rag.lang import parse
from rag.lang.text import MONTH_PATTERN, month_number
from rag.lang.values import (
    COMPLEMENT_DEPS,
    CONTESTS,
    CONVERSES,
    DISCORD,
    EXPECTING,
    LIGHT_VERBS,
    MODALS,
    NEGATION,
    OPPOSITES,
    RELATION,
)

_NEGATION = re.compile(NEGATION, re.IGNORECASE)
_SIDES = tuple((re.compile(rf"\b(?:{a})\b", re.I), re.compile(rf"\b(?:{b})\b", re.I)) for a, b, _, _ in OPPOSITES)
_LEAD = re.compile(
    r"^\W*(?:(?:does|do|did|is|are|was|were|has|have|had)\s+)?(?:both\s+)?(?:the\s+)?(?:(?:report|article|piece|"
    r"story|coverage)\b\s*)?(?:(?:from|by|in|of)\s+)?",
    re.IGNORECASE,
)
_VERB = re.compile(
    r"^(?:(?:article|report|piece|story|coverage)s?\s+)?(?:(?:suggest|report|indicate|say|state|claim|note|"
    r"mention|describe|imply|show|highlight)(?:s|ed|ing)?\s+(?:that\s+)?)?",
    re.IGNORECASE,
)
# Words that order two reports in time; the first group puts what precedes them first.
_EARLIER_WORDS = r"before|prior\s+to|earlier\s+than|ahead\s+of"
_LATER_WORDS = r"after|later\s+than|following|subsequent\s+to"
_ORDER_WORDS = f"{_EARLIER_WORDS}|{_LATER_WORDS}"
_ORDER = re.compile(rf"\b(?:({_EARLIER_WORDS})|({_LATER_WORDS}))\b", re.IGNORECASE)
_JOINS = re.compile(
    r"(?<![\s,])\s*+(?:,\s*+)?\b(?:while|whereas|and|but|compared\s+(?:to|with)|in\s+contrast\s+to|similar\s+to|"
    rf"as\s+opposed\s+to|than|{_ORDER_WORDS}|did|does|do|is|was|were|has|have|had)\s*$",
    re.IGNORECASE,
)


def polarity(text: str) -> tuple[bool, frozenset[tuple[int, int]]]:
    """(negated, the sides of contrast pairs `text` takes) of a question or sentence."""
    sides = frozenset((i, j) for i, pair in enumerate(_SIDES) for j, side in enumerate(pair) if side.search(text))
    return bool(_NEGATION.search(text)), sides


def agrees(question: str, sentence: str) -> bool:
    """Whether `sentence` asserts what `question` asks, as far as polarity tells: the same negation,
    and no contrast pair on which they take opposite sides."""
    q_neg, q_sides = polarity(question)
    s_neg, s_sides = polarity(sentence)
    if (_CONTEST, 1) in s_sides and _lost_by_the_other(question, sentence):
        s_sides = (s_sides - {(_CONTEST, 1)}) | {(_CONTEST, 0)}  # "Australia's defeat to India": India won
    opposed = any((i, 1 - j) in s_sides and (i, j) not in s_sides for i, j in q_sides)
    return (
        q_neg == s_neg
        and not opposed
        and not _reversed(question, sentence)
        and _converse(question, sentence) != "swapped"
    )


_WON = re.compile(rf"\b(?:{CONTESTS[0]})\b", re.IGNORECASE)
_AUX_OPENING = re.compile(r"^(?:Did|Does|Do|Has|Have|Had|Was|Were|Is|Are|Will|Would|Could|Can)\b\s*")


_CONTEST = next(i for i, (_, _, word, _) in enumerate(OPPOSITES) if word == "win")
_LOSS = r"los(?:e|es|t|ing|s|ses)|defeat(?:ed)?|beaten"
_LOST = r"los(?:e|es|t|ing|s|ses)|defeat(?!ed)|(?:defeated|beaten)\s+by"  # said of the loser


_RUN = r"[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*"


@lru_cache(maxsize=256)
def _contest(question: str) -> tuple[str, str]:
    """The winner and loser a contest question names ("did India beat Australia": India,
    Australia); empty when it names none."""
    won = _WON.search(question)
    if won is None:
        return "", ""
    runs = re.findall(_RUN, question[: won.start()])
    after = re.search(_RUN, question[won.end() :])
    return (_AUX_OPENING.sub("", runs[-1]).strip() if runs else ""), (after.group() if after else "")


def _lost_by_the_other(question: str, sentence: str) -> bool:
    """Whether the sentence tells the contest asked about ("did India beat Australia") from the
    losing side: the asked loser before a word of losing ("Australia stumbled to their first Test
    defeat"), or the asked winner after one ("a defeat to India", "lost to India")."""
    winner, loser = _contest(question)
    by_winner = winner and re.search(
        rf"\b(?:{_LOSS})\s+(?:\S+\s+){{0,3}}?(?:to|against|by)\s+(?:the\s+)?{re.escape(winner)}\b", sentence
    )
    of_loser = loser and re.search(rf"\b{re.escape(loser)}\b(?:\W+\w+){{0,8}}?\W+(?:{_LOST})\b", sentence)
    return bool(by_winner or of_loser)


def _reversed(question: str, sentence: str) -> bool:
    """Whether the sentence gives a contest the other way round: asked "did England win (against
    Belgium)?", it names England after the winning word ("Belgium's win over England", "beat
    England") or as the side that "lost to" the other."""
    party, _ = _contest(question)
    if not party:
        return False
    name = re.escape(party)
    beaten = rf"\b(?:{CONTESTS[0]})(?!\s+(?:by|to)\b)\s+(?:\S+\s+){{0,2}}?{name}\b"
    lost = rf"\b{name}\s+(?:\S+\s+){{0,2}}?(?:{CONTESTS[1]})\b"
    return bool(re.search(beaten, sentence) or re.search(lost, sentence))


def _converse(question: str, sentence: str) -> str | None:
    """How the sentence tells the question's transfer from the other side: "same" ("China bought
    jets from Russia" for "did Russia sell jets to China"), "swapped" (for "did China sell jets to
    Russia": the asked seller is the buyer), or None when it uses no converse of the question's verb."""
    for verb in parse(question):
        other = CONVERSES.get(verb.lemma_.lower()) if verb.pos_ == "VERB" else None
        if other is None:
            continue
        said = parse(sentence)
        lemmas = {t.lemma_.lower() for t in said}
        if other not in lemmas or verb.lemma_.lower() in lemmas:
            continue
        subject = next((c.text for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), "")
        at = next(t.idx for t in said if t.lemma_.lower() == other)
        named = sentence.find(subject) if subject else -1
        if named < 0:
            return None
        return "swapped" if named < at else "same"
    return None


def bears_on(question: str, sentence: str) -> bool:
    """Whether `sentence` can settle the outcome `question` asks about. When the question names one
    side of a contrast pair ("acquitted", "join"), the sentence must name a side of the same pair;
    otherwise it must use one of the question's verbs, in any form ("held" for "hold"; read by
    spaCy: the caller asks only of the few sentences above the bar). A sentence that only shares
    the topic ("Li Shanfu arrived in Moscow" for "was he acquitted"; "the EU opened an
    investigation of X" for "was X fined") settles nothing, unless it says the same in other
    words (the caller checks that with the cross-encoder: `ExtractiveAnswerer._settles`)."""
    asked = {i for i, _ in polarity(question)[1]}
    if RELATION in asked:
        return True  # "were the reports consistent?": a relation between reports, which no sentence states
    if asked & {i for i, _ in polarity(sentence)[1]}:
        return True
    if _converse(question, sentence) is not None:
        return True  # the same transfer told from the other side ("bought" for "sold")
    # The question's other verbs ("agree to *use* their own currencies"), in any form; with only
    # light verbs, what they take ("go *public*").
    verbs = {v for v in _predicate(question) if not polarity(v)[1]}
    if verbs & {t.lemma_.lower() for t in parse(sentence)}:
        return True
    return not asked and not verbs


def names_outcome(question: str) -> bool:
    """Whether the question names an outcome or a content verb a sentence can be checked against;
    "Did Japan take part in Joint Sea 2013?" names neither (only light verbs), so any sentence on
    the topic would bear on it (`bears_on`): the caller then wants the names in the sentence itself."""
    return bool(polarity(question)[1]) or bool({v for v in _verbs(question) if not polarity(v)[1]})


def _verbs(question: str) -> frozenset[str]:
    """The lemmas of the question's content verbs (not auxiliaries, not light verbs)."""
    return frozenset(
        t.lemma_.lower()
        for t in parse(question)
        if t.pos_ == "VERB" and t.dep_ not in ("aux", "auxpass") and t.lemma_.lower() not in LIGHT_VERBS
    )


@lru_cache(maxsize=256)
def _predicate(question: str) -> frozenset[str]:
    """What the proposition turns on: the content verbs' lemmas, or, when the question has only
    light verbs, their objects' and complements' ("Did Simply Homes go public?": "public"; a
    sentence on Simply Homes' first years says nothing of it). Names are checked as names."""
    verbs = _verbs(question)
    if verbs:
        return verbs
    return frozenset(
        c.lemma_.lower()
        for t in parse(question)
        if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in LIGHT_VERBS
        for c in t.children
        if c.dep_ in COMPLEMENT_DEPS and c.pos_ in ("NOUN", "ADJ", "VERB")
    )


def hedged(question: str, sentence: str) -> bool:
    """Whether `sentence` only says the event asked about will, may or is meant to happen ("is
    expected to follow", "will consider it for approval"), where the question asks whether or how
    it happened (in the past tense or the perfect). A question about the present ("how much do the
    winners split") or the future ("will", "going to", "plan to") is not checked."""
    if not _MAY_HEDGE.search(sentence):
        return False  # no modal or word of expectation at all: no need to parse it
    asked = parse(question)
    if any(t.lower_ in MODALS or t.lower_ in EXPECTING or t.lemma_.lower() in EXPECTING for t in asked):
        return False
    if not any(t.tag_ in ("VBD", "VBN") or t.lower_ in _PAST_AUX for t in asked):
        return False
    said = parse(sentence)
    predicate = _predicate(question)
    targets = [t for t in said if t.lemma_.lower() in predicate] or [t for t in said if t.dep_ == "ROOT"]
    return bool(targets) and all(_is_hedged(t) for t in targets)


_PAST_AUX = frozenset("did has have had was were".split())
# Any form of a modal or a word of expectation ("expected", "plans"), to skip parsing the many
# sentences that have none.
_MAY_HEDGE = re.compile(
    r"(?:\b|')(?:won't|can't|cannot|"
    + "|".join(sorted({re.escape(w if len(w) <= 3 else w.rstrip("e")) for w in MODALS | EXPECTING if len(w) > 2}))
    + r")\w*",
    re.IGNORECASE,
)


def _is_hedged(tok) -> bool:  # type: ignore[no-untyped-def]
    """A verb under a modal ("will consider"), an expectation itself ("is expected to follow"), or
    the complement of one ("plans to *buy*", "is likely to *win*")."""
    for t in (tok, tok.head) if tok.dep_ in ("xcomp", "ccomp", "acomp") else (tok,):
        if t.lemma_.lower() in EXPECTING or any(c.dep_ == "aux" and c.lower_ in MODALS for c in t.children):
            return True
    return False


def without_verbs(question: str) -> str | None:
    """The question with what its proposition turns on taken out (`_predicate`: "Was X by the
    European Commission?"), when it names no side of a contrast pair and has such words; else None."""
    if polarity(question)[1]:
        return None
    verbs = _predicate(question)
    kept = [t.text_with_ws for t in parse(question) if not (t.dep_ != "aux" and t.lemma_.lower() in verbs)]
    return "".join(kept).strip() if verbs else None


def opposite(question: str) -> str | None:
    """The question with its outcome turned over ("Did the ruble rise?" -> "Did the ruble fall?"), to
    find the sentences that deny it; None when it states no outcome of a contrast pair. The plain
    word may not agree in form with the sentence ("Has it fall?"): the cross-encoder reads through that."""
    for (first, second), (_, _, word_a, word_b) in zip(_SIDES, OPPOSITES, strict=True):
        a, b = first.search(question), second.search(question)
        if bool(a) == bool(b):
            continue  # neither side, or both ("did it rise or fall"): nothing to turn over
        m, word = (a, word_b) if a else (b, word_a)
        assert m is not None
        return f"{question[: m.start()]}{word}{question[m.end() :]}"
    return None


@dataclass(frozen=True)
class Side:
    outlet: str
    """The outlet the side is attributed to, as the question names it."""
    claim: str
    """What that outlet is said to report."""
    date: str | None = None
    """The day the question says the report was published ("published on November 6, 2023"), ISO."""


_DISCORD = re.compile(rf"\b(?:{DISCORD})\b", re.IGNORECASE)


def asks_discord(question: str) -> bool:
    """Whether a two-sided question asks if its accounts clash ("was there a discrepancy between")."""
    return bool(_DISCORD.search(question))


def asked_order(question: str, parts: list[Side]) -> int | None:
    """Whether a two-sided question asks that its first side's report came before the second's
    (-1: "Did A report X before B reported Y?", "After B reported Y, did A report X?" reads -1 too)
    or after it (1); None when it asks no order (a change or a clash between reports is no order)."""
    if len(parts) != 2 or asks_discord(question) or RELATION in {i for i, _ in polarity(question)[1]}:
        return None
    first, second = (question.find(side.claim[:30]) for side in parts)
    for m in _ORDER.finditer(question):
        earlier = m.group(1) is not None
        if 0 <= first < m.start() < second:
            return -1 if earlier else 1  # "A reported X before B reported Y"
        if m.start() < first and m.start() < 12:
            return 1 if earlier else -1  # "Before B reported Y, did A report X?": A came after
    return None


def sides(question: str, outlets: Iterable[str]) -> list[Side]:
    """The question cut at each outlet of the collection it names, when it names two or more (or one
    outlet twice): each side is what that outlet is said to report. Outlets are matched by their full
    names ("The Independent - Life and Style"), longest first."""
    marks: list[tuple[int, int, str]] = []
    for outlet in sorted(set(outlets), key=len, reverse=True):
        bare = re.sub(r"^the\s+", "", outlet.strip(), flags=re.I)
        if len(bare) < 3:
            continue
        pattern = rf"['‘’\"“”]?(?:\bthe\s+)?\b{re.escape(bare)}\b(?:['’]s)?['‘’\"“”]?"
        for m in re.finditer(pattern, question, re.IGNORECASE):
            if not any(m.start() < e and s < m.end() for s, e, _ in marks):
                marks.append((m.start(), m.end(), outlet))
    marks.sort()
    if len(marks) < 2:
        return []
    out = []
    for n, (start, end, name) in enumerate(marks):
        stop = marks[n + 1][0] if n + 1 < len(marks) else len(question)
        before = question[marks[n - 1][1] if n else 0 : start]
        claim = question[end:stop]
        if n == 0 and len(before.split()) > 4:
            claim = f"{before} {claim}"  # "Was there a change in X between the report from A ..."
        claim = _JOINS.sub("", _LEAD.sub("", claim)).strip(" ,;?'\"“”‘’")
        claim = re.sub(r"^that\s+", "", _VERB.sub("", claim).strip())
        if len(claim.split()) >= 3:
            out.append(Side(name, claim, _published(claim)))
    return out if len(out) >= 2 else []


_PUBLISHED = re.compile(
    rf"\b(?:published|dated|released|posted|from|on)\s+(?:on\s+)?({MONTH_PATTERN})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
)


def _published(claim: str) -> str | None:
    """The publication day a side names ("... published on November 6, 2023"), as an ISO date; the
    report is found by its metadata, not by what it says."""
    m = _PUBLISHED.search(claim)
    if m is None:
        return None
    month = month_number(m.group(1))
    return f"{m.group(3)}-{month:02d}-{int(m.group(2)):02d}" if month else None
