"""Does a candidate sentence meet what the question asks for?

Two checks, both on the articles' own text: the *answer type* (a "who" question needs a person in
the sentence, "how much" an amount the question did not already state, "when" a date...), and the
question's *constraints* (the names and numbers it states must be about this sentence's article, so
a question about the yuan is not answered by a sentence about the ruble, nor "what did Putin say
about India" by a list of BRICS members). Names match despite small typos ("Shangfu", "rubel").

Over 400 lines: the answer-type patterns, the name checks and the nation and currency readings are
the one check `fit` makes, read together; typed slots of the question live in `slots.py`, the kinds
of amount in `amounts.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from rag.answer.amounts import AMOUNT, amount_fits, asks_margin, counts, followed_by, with_currency
from rag.answer.candidates import SPEECH_VERB, Candidate, refers_back
from rag.answer.question import Question
from rag.answer.slots import Slot, check, mentions_month
from rag.lang.nations import US, names_of, nation, nations
from rag.lang.nations import aliases as nation_aliases
from rag.lang.spelling import max_edits
from rag.lang.text import (
    MONTH_PATTERN,
    MONTHS,
    STOPWORDS,
    WEEKDAYS,
    acronyms,
    fold,
    initials,
    is_acronym,
    normalize,
    spells,
    spoken_date,
    stem,
    terms,
    words,
)
from rag.lang.values import (
    BEATING,
    CONTRACTING,
    HONORIFICS,
    LIGHT_VERBS,
    LOSING,
    NAMED_KINDS,
    NON_PERSON_HEADS,
    OPPOSED,
    ORDINAL_PATTERN,
    ROLE_NOUNS,
    ROLE_TIME,
    SAME_ROLE,
    titled,
)
from rag.search.outlets import is_outlet

_DATE = re.compile(
    rf"\b(?:{MONTH_PATTERN}\s+\d{{1,2}}(?!\d)(?:,\s*\d{{4}})?|\d{{1,2}}\s+{MONTH_PATTERN}(?:\s+\d{{4}})?|{MONTH_PATTERN}\s+\d{{4}}|"
    rf"(?:early|mid|late)[- ]\d{{4}}s?|(?:in|since|by|until|from)\s+\d{{4}}s?|\d{{4}}|"
    rf"(?:{'|'.join(WEEKDAYS)})|{MONTH_PATTERN}(?![a-z]))",
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# A name's word may have a capital inside: "McTominay", "O'Neill", "DeChambeau".
# A full stop ends a name word only before a lower-case word or in an initial ("Jr. said", "J. K.
# Rowling", "Dr. Fauci"), never across a sentence end ("Arun Chandrasekaran. He said").
_NAME_WORD = r"(?:[A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?(?:\.(?!\s+[A-Z]))?|[A-Z][a-z]?\.)"
_NAME = re.compile(rf"\b{_NAME_WORD}(?:\s+(?:de |van |von |al-|bin )?{_NAME_WORD})+|\b[A-Z]{{2,}}\b")
# A match's score: "3-2", "20-17", "12–11" (not "2023-24", a "4-3-3" formation or "7-10 days").
_SCORE = re.compile(
    r"(?<![\w.,/–-])\d{1,3}\s?[-–]\s?\d{1,3}(?![\w/]|[.,]\d|[-–]\d|\s?(?:-?\s?(?:years?|months?|weeks?|days?|hours?|"
    r"minutes?|per ?cent|percent|%))\b)"
)
# A proper name: capitalised words, with "of", "de", "the", "and" inside ("Bank of America"), or a
# title in quotes ("“Oppenheimer”").
_PROPER_WORD = r"(?:[\w’'&-]|\.(?=\w))*"  # a full stop inside ("U.S."), never one ending a sentence
_PROPER = re.compile(
    rf"(?<![\w’'])[A-Z]{_PROPER_WORD}(?:\s+(?:(?:of|de|the|and|for|&)\s+)?[A-Z0-9]{_PROPER_WORD})*|“[^”]{{2,60}}”"
)
_NOT_NAMES = frozenset(MONTHS) | frozenset("Monday Tuesday Wednesday Thursday Friday Saturday Sunday I".split())
# A season's record, not a match's score: "Arizona (8-3, 6-2 Pac-12)", "a 24-0 record".
_RECORD_BEFORE = re.compile(r"[A-Z][\w.’'-]{0,40}+\s*+\($|\(\d{1,3}\s?[-–]\s?\d{1,3},\s*+$")
_RECORD_AFTER = re.compile(
    r"^\s*(?:record|overall|in (?:conference|league) play)\b|^,\s*\d{1,3}\s?[-–]\s?\d{1,3}\b", re.I
)
_OPPOSED = re.compile(rf"\b(?:{OPPOSED})\s+(?:the\s+)?(?:\d+-man\s+)?({_NAME_WORD}(?:\s+{_NAME_WORD})*)")
# The side that acts or owns: "scored for Chelsea", "Collingwood's average crowd".
_FOR_SIDE = re.compile(rf"\bfor\s+(?:the\s+)?({_NAME_WORD}(?:\s+{_NAME_WORD})*)|\b({_NAME_WORD})['’]s\b")
_NTH = re.compile(rf"\b(?:{ORDINAL_PATTERN})", re.IGNORECASE)
_PLACE = re.compile(r"\b(?:in|at|near|off)\s+(?:the\s+)?((?:[A-Z][\w’'-]+)(?:\s+(?:of\s+)?[A-Z][\w’'-]+)*)")


# Currencies, by each of their names: a question about one is not answered by another's figures.
_CURRENCIES = {
    "yuan": "renminbi", "renminbi": "yuan", "rmb": "yuan", "ruble": "rouble", "rouble": "ruble",
    "rubles": "rouble", "roubles": "ruble", "dollar": "usd", "dollars": "usd", "usd": "dollar",
    "euro": "eur", "euros": "eur", "yen": "jpy", "pound": "sterling", "pounds": "sterling", "sterling": "pound",
    "rupee": "inr", "rupees": "inr", "hryvnia": "uah",
}  # fmt: skip
# Words around a name that are not the name: "Chinese Defense Minister Li Shanfu" names Li Shanfu.
_TITLES = frozenset(
    "president minister prime deputy foreign defense defence commerce finance general major premier secretary "
    "state spokesman spokeswoman spokesperson chairman leader professor dr mr mrs ms senator ambassador chief "
    "commander admiral colonel former vice associate dean columnist advisor adviser official officials "
    "ministry department the of".split()
)


def is_title(word: str) -> bool:
    """Whether `word` is a title or role rather than part of a name ("President", "Judge", "CEO")."""
    low = word.lower().strip(".")
    return low in ROLE_NOUNS or low in HONORIFICS or nation(word) is not None


@lru_cache(maxsize=1)
def _titles() -> frozenset[str]:
    """`_TITLES` and every word of a nation's names, built at the first question (not at import:
    the nation table reads the countryinfo package's files)."""
    return _TITLES | ROLE_NOUNS | frozenset(w for alias in nation_aliases() for w in alias.split())


# Words of a speaker phrase that a sentence need not repeat ("the Chinese side", "its officials").
_NOT_SPEAKERS = STOPWORDS | frozenset("side official officials spokesman spokesperson people government".split())


_US_WRITTEN = re.compile(r"\bU\.S\.(?!\w)|\bUS\b|\bU\.S\.A\.?")


def mention_text(text: str) -> str:
    """`text` normalised for the mention checks, the United States kept apart from the pronoun: "US"
    and "U.S." as written become "USA" before lower-casing ("He told us the talks went well" does
    not mention the United States)."""
    return fold(normalize(_US_WRITTEN.sub("USA", text)))


def _other_kind(qualifier: tuple[str, str], text: str) -> bool:
    """Whether `text` qualifies the asked-for noun by another nation only ("Chinese banks" for
    "Which Russian bank"). A qualifier that is no nation is not checked."""
    asked = nation(qualifier[0])
    if asked is None:
        return False
    noun = qualifier[1][:4]
    found = {nation(m.group(1)) for m in re.finditer(rf"\b([A-Z][\w.]+)\s+(?:[a-z]+\s+)?{noun}\w*", text)} - {None}
    return bool(found) and asked not in found


def _nations(text: str) -> frozenset[str]:
    """The nations `text` names as written: "US" and "U.S." are the United States, "us" the pronoun."""
    found = nations(text)
    return found | {US} if re.search(r"\b(?:U\.S\.(?:A\.?)?|USA?)(?!\w)", text) else found


def _other_nation(question: str, sentence: str, local: str) -> bool:
    """Whether the question names a nation that the sentence and its neighbours never mention, while
    the sentence names one the question does not: the same slot filled with another country ("How
    many times has India copied Russian weapons?" against "... the Chinese copied Russian weapons")."""
    asked = _nations(question)
    if not asked:
        return False
    near = _nations(local)
    if asked <= near:
        return False
    return bool(_nations(sentence) - asked)


@dataclass(frozen=True)
class Fit:
    typed: bool
    """The sentence holds the kind of answer the question wants."""
    phrase: tuple[int, int] | None
    """Where in the candidate's text that answer is (to emphasise), when it is one phrase."""
    missing: int
    """Names/numbers of the question its article does not mention at all."""
    distant: int
    """Names/numbers its article mentions, but not this sentence, its neighbours or the title."""
    stated: int
    """Names/numbers the question states that a sentence must respect (outlets excluded)."""
    contradicts: bool = False
    """The sentence is about something else than asked: the question states a year its article never
    mentions (nor is dated), or asks for a Russian bank where the sentence's bank is Chinese."""
    unheld: bool = False
    """Asked who holds a role ("who is the CEO of ..."), the sentence says of no one that they hold it
    (so no name in it is typed as the answer, by the patterns or by spaCy)."""


@lru_cache(maxsize=1024)  # asked of every candidate sentence of the same article
def _unspoken(slot: Slot, article: str) -> bool:
    """Whether the article never states the slot's value: which edition or award category. "First"
    is also the earliest, which articles say in many ways ("began his trip by visiting" for "his
    first stop"), so it is left to the other checks; so is a field, whose reading ("a change in
    portrayal", "the prize in chemistry") is too loose to rule an article out by."""
    if slot.kind not in ("ordinal", "edition", "category") or slot.value == "1":
        return False
    return check(slot, article, "") != "meets"


def fit(question: Question, cand: Candidate, article: str, outlets: frozenset[str] = frozenset()) -> Fit:
    """How `cand` meets `question`; `article` is its article's text, `normalize`d (the caller keeps it
    per article), `outlets` the known outlet names, lower-cased."""
    typed, phrase = answer_phrase(question, cand.text)
    if question.wants == "speech" and (cand.passage.kind != "article" or question.shape == "summary"):
        typed = True  # a reader comment, a note or (asked what it says) the article: its writer's own words
    p = cand.passage
    local = f"{p.title} {p.publisher or ''} {spoken_date(p.date)} {cand.context} {cand.text}"
    if refers_back(cand.text):
        local = f"{p.text} {local}"  # "The ceremony was hosted by ...": the passage names which ceremony
    local = mention_text(local)
    missing = distant = stated = 0
    contradicts = unheld = False
    for name in question.names:
        if is_outlet(name, outlets):
            continue  # an outlet picks articles; it is not something a sentence must name
        stated += 1
        if mentions(local, name) or _by_surname(local, article, name):
            continue
        if mentions(article, name):
            distant += 1
        else:
            missing += 1
            # A one-clause question is about what it names: an article that never mentions it is
            # about something else. (In a many-clause question each name may be another article's.)
            contradicts = contradicts or not question.compound
    for number in question.numbers:
        stated += 1
        if re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", local):
            continue
        if re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", article):
            distant += 1
        else:
            missing += 1
            # A short question's year is its time frame; in a compound one ("the company, founded in
            # 2015, that ...") it may describe a clause another article bears out.
            contradicts = contradicts or (bool(_YEAR.fullmatch(number)) and not question.compound)
    if typed and question.wants == "speech" and p.kind == "article" and question.shape != "summary":
        typed = _speaks(question, cand)
    elif typed:
        typed = reported(question, cand)  # "how many firms did Wolf say": Wolf's figure
    if typed and (asked := _asked_currencies(question.text)):
        typed = _same_currency(asked, cand)
    raw_local = f"{p.title} {cand.context} {cand.text}"  # as written: "US" is a nation, "us" a pronoun
    if not question.compound and _other_nation(question.text, cand.text, raw_local):
        contradicts = True  # asked about India, the sentence is about China and India is nowhere near
    owners = _owners(question.text) if question.wants != "speech" else ()  # a speaker is checked by `_speaks`
    if not question.compound and any(not mentions(local, owner) for owner in owners):
        contradicts = True  # "Collingwood's average crowd": a sentence nowhere near Collingwood is another's
    if not question.compound and _other_owner(question, cand.text):
        contradicts = True  # "South Africa's points" for "New Zealand's points"
    if not question.compound and _other_party(question.text, cand.text, local):
        contradicts = True  # asked about the match against Dortmund, the sentence's is against Bayern
    if typed and question.wants == "score" and not _between(question, f"{cand.context} {cand.text}"):
        typed = False  # a score is between the parties asked about, each near it
    if question.qualifier is not None and _other_kind(question.qualifier, cand.text):
        contradicts = True  # "Which Russian bank": the sentence's bank is Chinese
    around = f"{cand.context} {p.title}"
    for slot in question.slots:
        if slot.kind == "month" and mentions_month(int(slot.value), "", p.date):
            continue  # the article's own month ("the report published on November 6")
        verdict = check(slot, cand.text, around)
        if verdict == "contradicts" and not (slot.kind == "year" and question.compound):
            contradicts = True  # the third season for the fourth, the men's final for the women's
        elif (
            slot.kind == "month"
            and slot.head != "day"
            and not question.compound
            and not mentions_month(int(slot.value), article, p.date)
        ):
            contradicts = True  # like a year: an article that never names the asked month is about another time
        elif verdict == "absent" and not question.compound and _unspoken(slot, article):
            # Like a name: an article that never numbers the asked season, nor names the asked
            # category, is about another (the third season's premiere for the fourth's).
            contradicts = True
        elif verdict == "absent" and slot.kind not in ("year", "named"):  # counted with the numbers and names
            stated += 1
            distant += 1
    if question.wants == "person" and (wanted := asked_roles(question.text)):
        # The role a person is asked by ("who will remain CEO", "who replaced Li as defence
        # minister") is held in the sentence naming them ("Barry Napier will stay on as CEO"), not
        # in a neighbour's, and for the organisation asked about.
        holds = _roles(cand.text)
        if not wanted <= holds:
            typed, unheld = False, True
        elif _others_role(question, wanted, cand.text):
            contradicts = True  # "president & CEO of SoftBank Corp." for "who is the CEO of Cubic Telecom"
    return Fit(typed, phrase, missing, distant, stated, contradicts, unheld)


def _role(word: str) -> str | None:
    """The role a word names, singular, by one name ("spokesmen" -> "spokesperson"), or None."""
    w = word.lower()
    w = w if w in ROLE_NOUNS else w[:-1] if w.endswith("s") and w[:-1] in ROLE_NOUNS else ""
    return SAME_ROLE.get(w, w) or None


@lru_cache(maxsize=4096)
def _roles(text: str) -> frozenset[str]:
    """The roles `text` names ("chief financial officer" read as "cfo")."""
    return frozenset(r for w in words(titled(text)) if (r := _role(w)))


# "Who did the defence minister meet?": before the verb, a role is the subject's, not the answer's.
_SUBJECT_ROLE = re.compile(
    r"^\W*(?:who|whom)\s+(?:(?:did|does|do)\s+|(?:has|have|had|will|would|could|can|should|may|might)\s+"
    r"(?=(?:the|a|an|its|his|her|their)\s|(?-i:[A-Z])))(.*)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=256)
def asked_roles(question: str) -> frozenset[str]:
    """The roles the person asked for holds ("who is the CEO of Acme", "who replaced him as defence
    minister"); not a role that describes a name ("President Biden") or the question's subject
    ("who did the defence minister meet"), nor a plural one ("a board without investor directors":
    one person holds one role)."""
    return frozenset(r for w in words(titled(_answer_part(question))) if w in ROLE_NOUNS and (r := _role(w)))


# Where a question's main clause ends: a clause that describes someone is no role asked for ("who is
# the individual that planned a board without investor directors").
_CLAUSE_END = re.compile(r"[,;:]|\s(?:that|which|who|whom|whose|while|where|when|after|before|because)\s", re.I)


def _answer_part(question: str) -> str:
    """The question's main clause without the roles that describe a name or its subject (see
    `asked_roles`)."""
    opening = re.match(r"\W*\w+", question)
    start = opening.end() if opening else 0
    end = m.start() if (m := _CLAUSE_END.search(question, start)) else len(question)
    question = question[:end]
    text = re.sub(rf"\b[\w-]+\s+(?={_RUN})", lambda m: "" if _roles(m.group()) else m.group(), question)
    if m := _SUBJECT_ROLE.match(text):
        text = m.group(1).split(" as ", 1)[1] if " as " in m.group(1) else ""
    return text


_RUN = r"[A-Z][\w&’'.-]*(?:\s+[A-Z][\w&’'.-]*)*"


def _holders(text: str, roles: frozenset[str]) -> list[tuple[str | None, str | None]]:
    """Each mention of one of `roles` in `text` (titled), with the organisation it is held for
    ("CEO of SoftBank Corp.", "SoftBank's CEO", "SoftBank CEO Junichi Miyakawa"; None when the
    sentence leaves it to its context) and when ("new", "former" or None)."""
    out: list[tuple[str | None, str | None]] = []
    for m in re.finditer(r"\b\w+\b", text):
        if _role(m.group()) not in roles:
            continue
        head = text[: m.start()]
        after = re.match(rf"\s+(?:of|at)\s+(?:the\s+)?({_RUN})", text[m.end() :])
        before = re.search(rf"({_RUN})(?:['’]s?)?\s+$", head)
        owner = None
        if after:
            owner = after.group(1)
        elif before and before.start() > 0 and re.match(r"\s+[A-Z]", text[m.end() :]):
            owner = before.group(1)  # "SoftBank CEO Junichi Miyakawa", not "The CEO"
        elif before and re.search(r"['’]s?\s+$", head):
            owner = before.group(1)  # "SoftBank's CEO"
        when = re.search(r"\b(\w+)[\s-]+$", head)
        out.append((owner, ROLE_TIME.get(when.group(1).lower()) if when else None))
    return out


def _others_role(question: Question, roles: frozenset[str], sentence: str) -> bool:
    """Whether every holder of the asked role in the sentence holds it for someone the question
    does not name ("CEO of SoftBank Corp." for Cubic Telecom's), or at another time ("then-CFO
    Kenny Wagers" for "the new CFO")."""
    holders = _holders(titled(sentence), roles)
    asked = {w for name in question.names for w in _significant(name)}
    wanted = _asked_times(question.text, roles)
    return bool(holders) and all(
        (owner is not None and asked and not _significant(owner) & asked)
        or (when is not None and wanted and when not in wanted)
        for owner, when in holders
    )


@lru_cache(maxsize=256)
def _asked_times(question: str, roles: frozenset[str]) -> frozenset[str]:
    """When the question's role is held ("its new CFO": "new"), read once per question."""
    return frozenset(t for _, t in _holders(titled(_answer_part(question)), roles) if t)


def _significant(name: str) -> set[str]:
    """A name's own words and nations ("China's Foreign Ministry": foreign, ministry, China;
    "Chinese": China)."""
    own = {w for w in words(fold(name).replace("’s", "").replace("'s", "")) if w not in STOPWORDS and len(w) > 2}
    return own | nations(name)


def _between(question: Question, near: str) -> bool:
    """Whether the parties the question names are all in the sentence or beside it (a headline
    naming them is not enough: a round-up's other matches have their own scores). A question that
    names whose match it is ("Connor Bedard's NHL debut") names its parties as that owner and any
    opponent; its other names describe the match."""
    text = mention_text(near)
    owners = _owners(question.text)
    parties = (*owners, *_opponents(question.text)) if owners else question.names
    return all(mentions(text, n) for n in parties)


@lru_cache(maxsize=256)
def _owners(question: str) -> tuple[str, ...]:
    """The names a question gives as owners: "Collingwood" in "What's Collingwood's average crowd?"."""
    return tuple(
        m.group(2) for m in _FOR_SIDE.finditer(question) if m.group(2) and m.group(2).lower() not in CONTRACTING
    )


@lru_cache(maxsize=256)
def _possessions(question: str, counted: str | None) -> tuple[tuple[frozenset[str], str], ...]:
    """What the question gives an owner, as (the owner's words, the stem of the noun owned): "New
    Zealand's points", and with `counted` (the noun of "how many"), "how many titles does New
    Zealand have" -> ({"new", "zealand"}, "titl")."""
    from rag.lang import parse

    out = []
    for tok in parse(question):
        if tok.pos_ != "PROPN":
            continue
        owner = frozenset(w.lower_ for w in tok.subtree if w.pos_ == "PROPN")
        if tok.dep_ == "poss" and tok.head.pos_ == "NOUN":
            out.append((owner, stem(tok.head.lower_)))
        elif tok.dep_ == "nsubj" and tok.head.lemma_ in ("have", "hold", "own") and counted:
            out.append((owner, stem(counted)))
    return tuple(out)


def _other_owner(question: Question, sentence: str) -> bool:
    """Whether the sentence gives what the question asks of one owner only to another: "South
    Africa's points" (or "the Springboks' points") for "New Zealand's points"."""
    counted = question.counted[0] if question.counted else None
    for owner, noun in _possessions(question.text, counted):
        found = [
            {w.lower() for w in m.group(1).split()}
            for m in _POSSESSOR.finditer(sentence)
            if noun in {stem(w.lower()) for w in m.group(2).split()}
        ]
        if found and not any(f & owner for f in found):
            return True
    return False


# A name of up to four words as an owner, and the three words after it: "South Africa's points",
# "the Springboks' fourth world title".
_POSSESSOR = re.compile(rf"\b({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})(?:['’]s|(?<=s)['’])((?:\s+[\w-]+){{1,3}})")


@lru_cache(maxsize=256)
def _opponents(question: str) -> tuple[str, ...]:
    """The parties a question names after a word of contest: "Bayern" in "against Bayern"."""
    return tuple(m.group(1) for m in _OPPOSED.finditer(question))


def _other_party(question: str, sentence: str, local: str) -> bool:
    """Whether the sentence is about a contest with another party than the one asked about: the
    asked opponent is nowhere near, and the sentence names one the question does not ("Frankfurt
    ... against Bayern" for "when Frankfurt played Dortmund")."""
    found = [set(words(m.group(1))) for m in _OPPOSED.finditer(sentence)]
    acting = [set(words(m.group(1) or m.group(2))) for m in _FOR_SIDE.finditer(question)]
    if any(side & party for side in acting for party in found):
        return True  # "who scored for Chelsea against United": "McTominay's brace against Chelsea" is United's
    asked = _opponents(question)
    if not asked or all(mentions(local, name) for name in asked):
        return False
    said = set(words(question))
    return any(not party & said for party in found)


def _named_in_role(question: str, dep: str) -> tuple[tuple[str, str], ...]:
    """The question's content verbs whose `dep` ("dobj": done to, "nsubj": done by) is a name, as
    (the verb's lemma, the name as written)."""
    from rag.lang import parse

    out = []
    for tok in parse(question):
        head = tok.head
        if dep == "nsubj" and tok.dep_ == "pobj" and head.dep_ == "agent":
            head = head.head  # the doer of a passive: "was he fired *by Germany*"
        elif tok.dep_ != dep or (dep == "nsubj" and any(c.dep_ in ("auxpass", "agent") for c in head.children)):
            continue  # the subject of a passive ("was Nagelsmann fired by ...") is done to, not doing
        # A word with an auxiliary is a verb, whatever the small parser tags it ("will the Senate *vote*").
        verb = head.pos_ == "VERB" or any(c.dep_ == "aux" for c in head.children)
        if tok.pos_ == "PROPN" and verb and head.lemma_ not in LIGHT_VERBS:
            out.append((head.lemma_.lower(), " ".join(t.text for t in tok.subtree if t.pos_ == "PROPN")))
    return tuple(out)


@lru_cache(maxsize=256)
def roles(question: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """What the question's content verbs are done to, when that is a name: "Who made the final call
    to hire Andonovski?" -> (("hire", {"andonovski"}),)."""
    return tuple((verb, frozenset(name.lower().split())) for verb, name in _named_in_role(question, "dobj"))


@lru_cache(maxsize=256)
def agents(question: str) -> tuple[tuple[str, str], ...]:
    """Who does what the question asks, when that is a name: "Who is Google teaming up with?" ->
    (("team", "Google"),); "Was Nagelsmann fired by Germany?" -> (("fire", "Germany"),)."""
    return _named_in_role(question, "nsubj")


def _attached(word, head) -> bool:  # type: ignore[no-untyped-def]
    """Whether `word` hangs from `head` through a preposition (is no part of its name)."""
    while word.i != head.i and word.head.i != word.i:  # spaCy makes a new token object at each access
        if word.dep_ in ("pobj", "prep"):
            return True
        word = word.head
    return False


def swapped(question: str, sentence: str, local: str = "") -> bool:
    """Whether the sentence does what the question asks about to someone else ("made the final
    decision to hire Hayes" for "who made the final call to hire Andonovski?"), or has someone else
    do it ("it's teaming up with IBM", said of Meta, for "who is Google teaming up with?"): a doer
    the sentence only points to ("it", "the company") must be named in `local`, its neighbours."""
    from rag.lang import parse

    doc = parse(sentence)
    for verb, name in agents(question):
        for t in doc:
            if t.lemma_.lower() != verb:
                continue
            # The doer: the subject, or who a passive says did it ("was fired by Bayern").
            doers = [c for c in t.children if c.dep_ == "nsubj"]
            doers += [p for c in t.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
            for subject in doers:
                # The subject's own name, not one in a phrase attached to it ("his tenth in Melbourne").
                named = {w.lower_ for w in subject.subtree if w.pos_ == "PROPN" and not _attached(w, subject)}
                if named & {w.lower() for w in name.split()}:
                    continue
                near = mention_text(local or sentence)
                if named or not (mentions(near, name) or mentions(near, name.split()[-1])):  # or by surname
                    return True
    asked = roles(question)
    if not asked:
        return False
    for verb, name in asked:
        # The small parser sometimes reads the object after a score as an adverb: "beat Tottenham 2-1".
        objects = [
            c
            for t in doc
            if t.lemma_.lower() == verb
            for c in t.children
            if c.dep_ == "dobj" or (c.dep_ == "npadvmod" and c.pos_ == "PROPN" and c.i == t.i + 1)
        ]
        named = [frozenset(_singular(t.text) for t in o.subtree if t.pos_ == "PROPN") for o in objects]
        if any(n & {_singular(w) for w in name} for n in named):
            return False  # the asked one, in any number ("Explorer SUVs" for "Explorers")
        if any(n for n in named):
            return True
    return False


def _by_surname(local: str, article: str, name: str) -> bool:
    """A person named in full once and by surname after ("Alex Greenwood" ... "Greenwood was
    stretchered off"): the surname near the sentence, the full name in its article."""
    parts = name.split()
    return (
        len(parts) >= 2
        and all(p[:1].isupper() for p in parts)
        and nation(name) is None
        and len(parts[-1]) >= 3
        and mentions(local, parts[-1])
        and mentions(article, name)
    )


def _speaks(question: Question, cand: Candidate) -> bool:
    """In "what did X say about Y", whether the sentence is X's words on Y: Y in the sentence or its
    neighbours, X in its passage (a speaker is often named once, before the quotes). Borrell's words
    on something else, or someone else's words on India, do not answer "what did Borrell say about
    India?"."""
    near = mention_text(f"{cand.context} {cand.text}")
    around = f"{_normalized(cand.passage.text)} {near}"
    titled = f"{mention_text(cand.passage.title)} {near}"  # an article titled on the AI Act: words in it are on it
    if question.about_terms:
        present = set(terms(near))
        if 2 * sum(t in present for t in question.about_terms) < len(question.about_terms):
            return False  # Li Shanfu's words, but not on climate change
    return all(mentions(titled, name) for name in question.about) and all(
        mentions(around, word.removesuffix("'s")) for word in words(question.speaker) if word not in _NOT_SPEAKERS
    )


def reported(question: Question, cand: Candidate) -> bool:
    """Whether the sentence can answer as the question's reported speaker gave it (always, when
    the question names none)."""
    if not question.speaker or question.wants == "speech" or cand.passage.kind != "article":
        return True
    return _reported_by(question.speaker, cand)


def _reported_by(speaker: str, cand: Candidate) -> bool:
    """Whether the sentence gives `speaker`'s words: it reports speech or quotes (a quote's
    attribution is part of its unit), and the speaker is named in it or its passage."""
    if not SPEECH_VERB.search(cand.text) and not re.search(r"[“\"]", cand.text):
        return False
    around = f"{_normalized(cand.passage.text)} {mention_text(cand.context)} {mention_text(cand.text)}"
    return all(mentions(around, w.removesuffix("'s")) for w in words(speaker) if w not in _NOT_SPEAKERS)


@lru_cache(maxsize=256)
def _normalized(text: str) -> str:
    """`normalize`, once per passage for all its sentences."""
    return mention_text(text)


@lru_cache(maxsize=256)
def _asked_currencies(question: str) -> frozenset[str]:
    return frozenset(_CURRENCIES.keys() & set(words(question)))


def _same_currency(asked: frozenset[str], cand: Candidate) -> bool:
    """Whether the sentence or its neighbours name every currency asked about: "How much did the yuan
    fall?" is not answered by the ruble's fall."""
    near = {w.rstrip("s") for w in words(f"{cand.context} {cand.text}")}
    return all(c.rstrip("s") in near or _CURRENCIES[c] in near for c in asked)


def answer_phrase(question: Question, text: str) -> tuple[bool, tuple[int, int] | None]:
    """Whether `text` holds the wanted kind of answer, and where (a phrase the question lacks)."""
    literals = question.literals
    # Words compared in the singular: "Golden Globe Awards" is a longer name for "the Golden Globes".
    named = [{_singular(w) for w in n.split()} for n in question.names]
    said = set().union(*named) | {a for n in question.names if (a := initials(n)) is not None}

    def new(
        pattern: re.Pattern[str],
        group: int = 0,
        strip: frozenset[str] = frozenset(),
        kind: Callable[[int, int], bool] = lambda a, b: True,
        choose: bool = False,
    ) -> tuple[int, int] | None:
        """The first phrase of `pattern` the question lacks, or with `choose` the one beside what it names."""
        found_at: list[tuple[int, int]] = []
        for m in pattern.finditer(text):
            found = m.group(group).strip()
            if not found or found.lower() in literals or found.lower().strip(".,") in literals:
                continue
            own = {_singular(w) for w in found.split()}
            if own <= said | strip:
                continue  # only what the question said, or "Chinese Defense Minister" + it
            if any(whole <= own for whole in named):
                continue  # a longer name for one the question gives: "Eintracht Frankfurt" for "Eintracht"
            if not kind(m.start(group), m.start(group) + len(found)):
                continue  # an amount of another kind: a count where a price is asked
            found_at.append((m.start(group), m.start(group) + len(found)))
            if not choose:
                break
        return max(found_at, key=_beside_asked(found_at), default=None)

    def _beside_asked(spans: list[tuple[int, int]]) -> Callable[[tuple[int, int]], tuple[bool, int, int, int]]:
        """How closely the words since the value before (or the sentence's start) name what was asked:
        "the base Galaxy S24 starts at $799, while the S24 Ultra costs $1,299" gives the Ultra's price
        second; a name's last word is its most specific ("Ultra"), and ties go to the first value. A
        count the asked noun follows comes before any ("157,000 speakers", not "the only one")."""
        ends = {span: (spans[i - 1][1] if i else 0) for i, span in enumerate(spans)}
        last = {_singular(n.split()[-1]) for n in question.names if n.split()}

        def key(span: tuple[int, int]) -> tuple[bool, int, int, int]:
            before = {_singular(w) for w in words(text[ends[span] : span[0]])}
            counting = question.counted is not None and followed_by(question.counted[0], text, span[1])
            return (counting, len(before & last), len(before & said), -span[0])

        return key

    match question.wants:
        case "date":
            span = new(_DATE, choose=True)
            return span is not None, span
        case "number":

            def amount(verdicts: frozenset[str]) -> Callable[[int, int], bool]:
                return lambda a, b: (
                    amount_fits(question, text, a, b)
                    and (question.counted is None or counts(question.counted, text, b) in verdicts)
                )

            # A margin may be a score ("a 3-2 triumph"); else a number the asked noun follows, then a
            # count given as the latest of a run ("how many world titles": "their fourth world
            # title"), then a number the noun is near, then one its qualifier follows.
            def counting(a: int, b: int) -> bool:
                return question.counted is not None and followed_by(question.counted[0], text, b)

            span = (
                (new(_SCORE) if asks_margin(question.text) else None)
                or new(AMOUNT, kind=lambda a, b: counting(a, b) and amount(frozenset({"yes"}))(a, b))
                or new(_NTH, kind=counting)
                or new(AMOUNT, kind=amount(frozenset({"yes"})), choose=True)
                or new(AMOUNT, kind=amount(frozenset({"qualified"})), choose=True)
            )
            if span is not None:
                span = (span[0], with_currency(text, span[1]))
            return span is not None, span
        case "person":
            # "Dolby Theatre" is no person: a name whose last word is a place's, a body's or an event's.
            def person(a: int, b: int) -> bool:
                return text[a:b].split()[-1].lower() not in NON_PERSON_HEADS

            if asks_loser(question.text):
                # Asked who lost, the one beaten: "Alcaraz beat Djokovic", "Djokovic lost to Alcaraz".
                span = new(_NAME, strip=_titles(), kind=lambda a, b: person(a, b) and _beaten(text, a, b))
                return span is not None, span
            span = new(_NAME, strip=_titles(), kind=person)
            # "Who said ...?" is answered by "..., he said" (the name is in the context).
            quoted = bool(SPEECH_VERB.search(question.text) and SPEECH_VERB.search(text))
            return span is not None or quoted, span
        case "place":
            span = new(_PLACE, 1)
            return span is not None, span
        case "name":
            # The name of the kind asked first ("Columbia University" for "which university"), then
            # one beside the kind's noun ("Chinese banks, including the largest, ICBC"), then any
            # name but a source's ("reports from Izvestia" names who reported, not the bank).
            kinds = {w.rstrip("s") for w in words(question.text)} & NAMED_KINDS
            said_kind = [m.span() for m in re.finditer(r"[\w’'-]+", text) if m.group().lower().rstrip("s") in kinds]
            tests: tuple[Callable[[int, int], bool], ...] = (
                lambda a, b: bool(kinds & {w.rstrip("s") for w in words(text[a:b])}),
                lambda a, b: any(0 <= a - e <= 40 or 0 <= s - b <= 25 for s, e in said_kind),
                lambda a, b: not _is_source(text, a, b),
            )
            span = None
            for test in tests:
                span = new(_PROPER, strip=_titles(), kind=lambda a, b, test=test: _is_proper(text, a, b) and test(a, b))
                if span is not None:
                    break
            return span is not None, span
        case "score":
            span = new(_SCORE, kind=lambda a, b: not _is_record(text, a, b))
            return span is not None, span
        case "speech":
            return bool(SPEECH_VERB.search(text) or re.search(r"[“\"]", text)), None
        case _:
            return True, None


_ASKS_LOSER = re.compile(
    rf"\b(?:who|which\s+\w+)\s+(?:{LOSING})\b|\bwho\s+(?:did|does|do)\s+.{{1,60}}?\b(?:beat|defeat|edge|overcome|thrash)\b",
    re.IGNORECASE,
)


def asks_loser(question: str) -> bool:
    """ "Who did the Nuggets beat?", "Which team lost the final?": the side beaten is asked."""
    return bool(_ASKS_LOSER.search(question))


_BEAT_BEFORE = re.compile(rf"\b(?:{BEATING})\s+(?:[a-z][\w’'-]*\s+){{0,4}}$")
_LOST_AFTER = re.compile(rf"^\s+(?:\S+\s+){{0,2}}?(?:{LOSING})\b")


def _beaten(text: str, start: int, end: int) -> bool:
    """Whether the name at text[start:end] is the side that lost: the object of a win, the subject of a loss."""
    return bool(_BEAT_BEFORE.search(text[max(0, start - 60) : start]) or _LOST_AFTER.match(text[end : end + 40]))


def _singular(word: str) -> str:
    """A word of a name, lower-cased, without a possessive or a plural "s" ("Globes", "Agility's")."""
    word = word.lower().removesuffix("'s").removesuffix("’s")
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _is_proper(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a name of a thing: not a month, a day or a nation (the "U.S." is
    no company), and a lone word that opens the sentence only when the parse reads it as one
    ("Amazon announced", not "The new model")."""
    found = text[start:end].strip("“”.,;:")
    if found in _NOT_NAMES or found.upper() == found and len(found) < 2 or nation(found) is not None:
        return False
    before = text[:start].rstrip(" “\"‘'(")
    if " " in found or (before and before[-1] not in ".!?"):
        return True
    from rag.lang import parse

    return any(t.pos_ == "PROPN" for t in parse(text) if t.idx == start)


# A name given as the source of what the sentence says: "reports from Izvestia", "according to
# Reuters", "Izvestia reported".
_SOURCE_BEFORE = re.compile(r"\b(?:from|according\s+to|via|told|said|says)\s+(?:the\s+)?$", re.IGNORECASE)
_SOURCE_AFTER = re.compile(r"^\s*(?:said|says|reported|reports|told|wrote|writes)\b", re.IGNORECASE)


def _is_source(text: str, start: int, end: int) -> bool:
    return bool(_SOURCE_BEFORE.search(text[max(0, start - 30) : start]) or _SOURCE_AFTER.match(text[end:]))


def _is_record(text: str, start: int, end: int) -> bool:
    return bool(_RECORD_BEFORE.search(text[max(0, start - 40) : start]) or _RECORD_AFTER.match(text[end:]))


def years(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]


@lru_cache(maxsize=4096)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(words(text))


def mentions(text: str, name: str) -> bool:
    """`name` in `text`, word by word, forgiving one typo in longer words ("Shangfu" for "Shanfu");
    a nation by any of its names ("American": "US", "United States")."""
    vocabulary = _word_set(text)
    if (acronym := initials(name)) is not None and acronym in vocabulary:
        return True  # "NAR chief economist Lawrence Yun" mentions the National Association of Realtors
    if is_acronym(name) and spells(name.lower(), text):
        return True  # and "the National Democratic Alliance" the NDA
    name = fold(name)
    if (key := nation(name)) is not None:  # "us" is the pronoun: `mention_text` writes the country "usa"
        return any(  # "India's" mentions India
            alias in vocabulary or f"{alias}'s" in vocabulary or (" " in alias and alias in text)
            for alias in names_of(key)
        )
    if normalize(name) in text:
        return True
    if _HYPHENATED.fullmatch(name):
        return all(mentions(text, piece) for piece in name.split("-"))  # "Russia-China": "Russo-Chinese"
    for token in words(name):
        if token in vocabulary:
            continue
        if len(token) < 5:
            return False
        near = process.extractOne(token, vocabulary, scorer=DamerauLevenshtein.distance, score_cutoff=max_edits(token))
        if near is None:
            return False
    return True


_HYPHENATED = re.compile(r"(?<![^\W\d_])[^\W\d_]++(?:-[^\W\d_]++)+")


# Pieces of a name checked one by one: "OpenAI's GPT-3.5" is "OpenAI" and "GPT-3.5"; "Russia-China"
# is "Russia" and "China" (a hyphenated pair is often written "Russia and China").
_PIECES = re.compile(r"['’]s\b|['’](?=\s|$)|(?<=[^\W\d_])-(?=[^\W\d_])")


def _phrase(text: str) -> str:
    """Words with possessives dropped, space-delimited: " federal reserve " for "Federal Reserve's"."""
    return " " + " ".join(w[:-2] if w.endswith("'s") else w for w in words(fold(text))) + " "


_DEMONYM = re.compile(r"^(?:[A-Z][a-z]+(?:ian|ean|ese|ish|can|ch|i)|U\.?S\.?|UK|EU)\s+(?=\S)")


class Names:
    """Which names the collection mentions anywhere, as a phrase: an article that says "India" and
    "times" does not mention "Times of India". A question naming something no article mentions
    ("David Sutter", "the Times of India") cannot be answered from these articles, however close a
    sentence about something else comes. Typos are read before this check (`spelling.py`)."""

    def __init__(self, texts: Iterable[str]):
        self._texts = list(texts)  # the collection's own strings, not copies
        self._text = "|".join(_phrase(t) for t in self._texts)
        self._known = frozenset(self._text.split())
        self._apart: dict[tuple[str, str], bool] = {}  # `_split`'s and `_shortened`'s answers: each scans it all

    def mentioned(self, name: str) -> bool:
        # "Russian S-300", "US Congress": the nationality describes the name; the name is what counts.
        name = _DEMONYM.sub("", name)
        if is_acronym(name) and name.lower() in self._acronyms:
            return True  # "NDA" for "National Democratic Alliance"
        if (key := nation(name)) is not None:
            return any(self._has(_phrase(alias)) for alias in names_of(key))  # "Kenyan" for "Kenya's"
        for piece in _PIECES.split(name):
            phrase = _phrase(piece)
            # A name in the plural is the name ("Stanley Cups": "a three-time Stanley Cup champion").
            single = phrase[:-2] + " " if phrase.endswith("s ") and len(phrase) > 5 else phrase
            if phrase.strip() and not any(self._has(p) for p in (phrase, single)):
                return False
        return True

    @cached_property
    def _acronyms(self) -> frozenset[str]:
        """The initials of the collection's capitalised names, read at the first question that uses
        initials (not at start-up: a large collection takes a moment)."""
        return frozenset().union(*(acronyms(t) for t in self._texts))

    def _has(self, phrase: str) -> bool:
        found = phrase.split()
        if not all(w in self._known for w in found):
            return False
        return (
            phrase in self._text
            or (len(found) == 2 and self._split(*found))
            or (len(found) > 2 and self._shortened(tuple(found)))
        )

    def _shortened(self, found: tuple[str, ...]) -> bool:
        """A longer name written shorter after its first mention: "the Galaxy S24 ... the S24 Ultra"
        names the Galaxy S24 Ultra (its last two words or more as written, none of them a function
        word, and the rest in the same article; "the night" does not shorten "Dance The Night")."""
        key = ("", " ".join(found))
        if key not in self._apart:
            self._apart[key] = any(
                all(w in set(article.split()) for w in found[:k])
                for k in range(1, len(found) - 1)
                if not set(found[k:]) & STOPWORDS
                for article in self._text.split("|")
                if f" {' '.join(found[k:])} " in article
            )
        return self._apart[key]

    def _split(self, first: str, second: str) -> bool:
        """A two-word name written apart: "the Beijing Winter Olympics", "the Olympics in Beijing"
        name the Beijing Olympics (at most two words between, or a preposition the other way)."""
        if (first, second) not in self._apart:
            a, b = re.escape(first), re.escape(second)
            pattern = rf" {a} (?:[^ |]+ ){{0,2}}{b} | {b} (?:in|at|of|for) (?:the )?(?:[^ |]+ ){{0,2}}{a} "
            self._apart[first, second] = bool(re.search(pattern, self._text))
        return self._apart[first, second]


# What spaCy's entity recogniser counts as each wanted type: "Athens" is a place without "in" before
# it, "Shaqiri" a person without a second capitalised word.
_ENTITY_TYPES = {
    "person": ("PERSON", "ORG", "NORP"),
    "place": ("GPE", "LOC", "FAC"),
    "date": ("DATE",),
    "number": ("CARDINAL", "MONEY", "PERCENT", "QUANTITY"),
    "name": ("ORG", "GPE", "PRODUCT", "WORK_OF_ART", "FAC", "EVENT", "PERSON"),
}


def entity_phrase(question: Question, text: str, labels: tuple[str, ...] | None = None) -> tuple[int, int] | None:
    """Where `text` holds an entity of the wanted type (or of spaCy's `labels`) that the question
    does not already state (read by spaCy; for the few sentences the patterns of `answer_phrase`
    find nothing in, and to lead with a person rather than an organisation)."""
    from rag.lang import parse

    labels = labels or _ENTITY_TYPES.get(question.wants)
    if not labels:
        return None
    asked = normalize(question.text)
    for ent in parse(text).ents:
        if ent.label_ not in labels:
            continue
        words_ = [w.removesuffix("'s") for w in words(ent.text) if w not in STOPWORDS and w not in _titles()]
        if not words_ or all(w in asked.split() or w in question.literals for w in words_):
            continue  # only what the question said
        if any(set(words(n)) <= set(words_) for n in question.names):
            continue  # a longer name for one the question gives
        if question.wants == "place" and ent.root.dep_ in ("compound", "amod"):
            continue  # "the Hollywood strikes" says what strikes, not where anything was
        if question.counted is not None and counts(question.counted, text, ent.end_char) == "no":
            continue  # a count of something else
        if question.wants == "number" and not (
            AMOUNT.search(ent.text) and amount_fits(question, text, ent.start_char, ent.end_char)
        ):
            continue  # no amount ("10MS" is a name), an amount of another kind, or a valuation for a price
        return ent.start_char, ent.end_char
    return None
