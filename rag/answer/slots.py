"""Typed constraints: the values a question pins down, each with its type and the noun it qualifies,
and how a candidate sentence meets them.

"When does the *fourth* season premiere?", "the *2021* model", "the *95th* ceremony", "the
*women's* final", "the prize *in chemistry*", "who *won*": each is a slot with a value. A sentence
(read with its neighbours and its article's title) that fills the same slot with another value
(the third season, the 2020 model, the men's final, the prize in physics, the nominees) is about
something else, however close its words come: that is a veto, not a penalty. A slot the sentence
does not mention at all only lowers its score (the caller counts it).

The question is read with spaCy's parser (`rag.lang.parse`); candidate sentences, which are many,
with patterns around the slot's own noun, so no sentence needs parsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rag.lang import contrast_group, nation, number_value, ordinal_value, parse, rivals
from rag.lang.text import MONTHS, month_number
from rag.lang.values import (
    CONTRASTS,
    EVENT_SERIES,
    NUMBER_WORDS,
    ORDINAL_PATTERN,
    PHASES,
    TIME_UNIT_DAYS,
    TIME_UNITS,
    titled,
)

Kind = Literal[
    "ordinal", "edition", "year", "month", "quantity", "measure", "contrast", "field", "named", "category", "elapsed"
]


@dataclass(frozen=True)
class Slot:
    kind: Kind
    value: str
    """Normalised: "4" for "fourth"/"4th", "2021", "8" for August, "30 year" for "30-year", a
    CONTRASTS index, "chemistry"."""
    head: str
    """The noun the value qualifies, lower-cased lemma ("season", "model", "final"); "" if none."""
    text: str
    """As the question writes it."""


_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
_NOUNS = {"NOUN", "PROPN"}


@lru_cache(maxsize=1024)
def slots(question: str) -> tuple[Slot, ...]:
    """The typed constraints of `question`: each word read by the first reader that takes it."""
    doc = parse(titled(question))
    out: list[Slot] = []
    for tok in doc:
        for read in _READERS:
            found = read(tok, doc)
            if found is not None:
                if found is not _TAKEN:
                    out.append(found)
                break
    return tuple(out)


_TAKEN = Slot("field", "", "", "")  # a reader claimed the word without a slot ("went home")


def _head_lemma(tok) -> str:  # type: ignore[no-untyped-def]
    """The noun the word qualifies, lower-cased lemma; "" when its head is no noun."""
    return tok.head.lemma_.lower() if tok.head.pos_ in _NOUNS and tok.head.i != tok.i else ""


def _ordinal(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    value = ordinal_value(tok.text)
    if value is not None and tok.dep_ in ("amod", "nummod", "compound") and (head := _head_lemma(tok)):
        return Slot("ordinal", str(value), head, f"{tok.text} {tok.head.text}")
    return None


def _year(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    if not _YEAR.match(tok.text):
        return None
    qualifies = tok.dep_ in ("nummod", "compound", "amod")
    return Slot("year", tok.text, _head_lemma(tok) if qualifies else "", tok.text)


def _month(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    """ "How much did sales fall in August?": a sentence about September's fall is about another month."""
    # A month naming a kind of thing ("the November friendlies") is read as a name (`_named`).
    if tok.text in MONTHS and tok.dep_ != "compound" and not (tok.text == "May" and tok.pos_ in ("AUX", "VERB")):
        # "November 9": a day, whose head is "day" (a report's date, which its article need not repeat).
        day = tok.i + 1 < len(doc) and doc[tok.i + 1].like_num
        return Slot("month", str(MONTHS.index(tok.text) + 1), "day" if day else _head_lemma(tok), tok.text)
    return None


_DAYS_NAMED = frozenset(MONTHS) | frozenset(m[:3] for m in MONTHS) | {"Sept"}


def _model(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    """ "the iPhone 14", "Windows 11", "Apollo 11": a number right after a name is part of it, so the
    iPhone 15 is another phone (the parser may read "14" as counting the next noun)."""
    if not (tok.like_num and tok.text.isdigit() and tok.i > 0) or _YEAR.match(tok.text) or int(tok.text) >= 1000:
        return None
    name = doc[tok.i - 1]
    if name.text.rstrip(".") in _DAYS_NAMED or (name.pos_ != "PROPN" and not re.match(r"[a-z]{1,4}[A-Z]", name.text)):
        return None  # "November 11" is a day, not the eleventh November
    return Slot("edition", tok.text, name.lower_, f"{name.text} {tok.text}")


def _measure(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    """ "the 30-year Treasury yield", "a two-year contract": a measure that picks one of its kind."""
    head = tok.head
    if (
        tok.dep_ == "nummod"
        and head.i == tok.i + 2
        and doc[tok.i + 1].text == "-"
        and head.dep_ in ("compound", "amod")
        and head.head.pos_ in _NOUNS
        and (size := number_value(tok.text)) is not None
    ):
        qualified = head.head
        value = f"{_plain(size)} {head.lemma_.lower()}"
        return Slot("measure", value, qualified.lemma_.lower(), f"{tok.text}-{head.text} {qualified.text}")
    return None


# Time since an event, in days: "after one month", "within 24 hours", "in its first week", "five
# days after its launch", "24 hours of going on sale".
_UNIT = rf"({'|'.join(TIME_UNIT_DAYS)})s?\b"
_AMOUNT_WORD = r"(\d{1,4}(?:[,.]\d{1,3}){0,2}|a|an|" + "|".join(w for w in NUMBER_WORDS if NUMBER_WORDS[w] < 100) + r")"
_ELAPSED = re.compile(
    rf"\b(?:after|within|in)\s+(?:(?:its|the|their|his|her|a)\s+)?(?:(first)\s+)?(?:{_AMOUNT_WORD}[\s-]+)?{_UNIT}"
    rf"|\b{_AMOUNT_WORD}[\s-]+{_UNIT}\s+(?:after|of|since)\b",
    re.IGNORECASE,
)


def _spans(text: str) -> list[float]:
    """The times since an event `text` states, in days."""
    out = []
    for m in _ELAPSED.finditer(text):
        first, amount, unit = (m.group(1), m.group(2), m.group(3)) if m.group(3) else (None, m.group(4), m.group(5))
        if amount is None and first is None:
            continue  # "in the month": no span
        size = 1.0 if amount is None or amount.lower() in ("a", "an") else number_value(amount.replace(",", ""))
        if size is not None:
            out.append(size * TIME_UNIT_DAYS[unit.lower()])
    return out


def _elapsed(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    """ "How many sign-ups did it reach after one month?": a figure five days after is another."""
    if tok.lemma_.lower() not in TIME_UNIT_DAYS:
        return None
    for m in _ELAPSED.finditer(doc.text):
        if m.end() == tok.idx + len(tok.text) and (found := _spans(m.group(0))):
            return Slot("elapsed", _plain(found[0]), "", m.group(0))
    return None


def _quantity(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    """ "201 million users", "307 yards": a count of something, as a value to match."""
    head, head_lemma = tok.head, _head_lemma(tok)
    counted = head.pos_ == "NOUN" and tok.i < head.i and head_lemma not in TIME_UNITS
    written = not tok.text[:1].isupper() or tok.i == 0  # "Godzilla Minus One": a name, not a number
    if tok.i + 1 < len(doc) and doc[tok.i + 1].text == "-":
        return None  # "the one-off Test", "a two-time champion": part of a word, no count
    if tok.dep_ == "nummod" and counted and written and tok.like_num and (amount := _amount(tok)) is not None:
        text = " ".join(t.text for t in sorted([*tok.children, tok], key=lambda t: t.i) if t.like_num or t is tok)
        return Slot("quantity", _plain(amount), head_lemma, f"{text} {head.text}")
    return None


def _edition(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    """ "Season 4", "Week 13" ("One" in "One Belt One Road" is a name; "October 31" a date)."""
    number = number_value(tok.text) if tok.text.isdigit() or tok.text.islower() else None
    if (
        number is not None
        and tok.dep_ in ("nummod", "appos", "npadvmod")
        and (head := _head_lemma(tok))
        and tok.i > tok.head.i
        and tok.head.text.rstrip(".") not in _DAYS_NAMED
    ):
        return Slot("edition", str(int(number)), head, f"{tok.head.text} {tok.text}")
    return None


def _contrast(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    if (group := contrast_group(tok.text)) is None and (group := contrast_group(tok.lemma_)) is None:
        return None
    if tok.text.lower() in ("home", "away") and tok.dep_ not in ("amod", "compound", "poss"):
        return _TAKEN  # "went home" is no qualifier
    if group in PHASES and tok.pos_ != "VERB" and tok.dep_ != "ROOT":  # the parser reads "did the strike end" as a noun
        return _TAKEN  # "at the end of the year" asks of no event's end
    return Slot("contrast", str(group), _head_lemma(tok), tok.text)


def _named(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    """ "Champions League titles", "the October friendlies": a name that picks one kind of the noun.
    A nation is read by `constraints` (by every name); an acronym ("AI training") is often a field
    rather than a name: only a written-out name makes the slot."""
    head, head_lemma = tok.head, _head_lemma(tok)
    if not (
        tok.dep_ == "compound"
        and tok.pos_ == "PROPN"
        and head.pos_ == "NOUN"
        and tok.i < head.i
        and head_lemma not in TIME_UNITS
        and not any(t.dep_ == "compound" and t.pos_ == "PROPN" for t in doc[tok.i + 1 : head.i])
    ):
        return None
    name = sorted(
        {t for c in head.children if c.dep_ == "compound" and c.pos_ == "PROPN" for t in c.subtree}, key=lambda t: t.i
    )
    written = "".join(t.text_with_ws for t in name).strip()
    if nation(written) is None and not any(nation(t.text) for t in name):
        if any(t.text[:1].isupper() and t.text[1:].islower() for t in name):
            return Slot("named", written.lower(), head_lemma, f"{written} {head.text}")
    return None


# An award's category after a word of winning or naming: "won best supporting actress", "the award
# for best animated film", "named outstanding comedy series" (the Emmys' word for best), "won album
# of the year", "won seven awards, including best picture"; it ends at a preposition of place or
# time, or the end of the clause.
_CATEGORY = re.compile(
    r"\b(?:won|win|wins|winning|took|takes|take|for|named|nominated\s+for|awarded|including)\s+(?:the\s+)?"
    r"(?:award\s+for\s+)?"
    r"(?:(?:the\s+)?(?:best|outstanding)\s+((?:(?!at\b|on\b|during\b|this\b|last\b|with\b|and\b|but\b)[\w'’-]+\s*){1,6})"
    r"|((?!the\b)[\w'’-]+\s+of\s+the\s+year)\b)",
    re.IGNORECASE,
)


def _category(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    """ "Who won best supporting actress?": the category asked; "best supporting actor" is another."""
    if tok.lower_ not in ("best", "outstanding") and tok.lower_ != "year":
        return None
    m = _CATEGORY.search(doc.text, max(0, tok.idx - 60))
    if m is None:
        return None
    if m.group(1) is not None and m.start(1) == tok.idx + len(tok.text) + 1:
        return Slot("category", " ".join(m.group(1).lower().split()), "best", f"{tok.text} {m.group(1).strip()}")
    if m.group(2) is not None and m.end(2) == tok.idx + len(tok.text):
        return Slot("category", " ".join(m.group(2).lower().split()), "best", m.group(2))
    return None


def _categories(text: str) -> list[frozenset[str]]:
    """The award categories a text names, each as its words."""
    return [frozenset((m.group(1) or m.group(2)).lower().replace("’", "'").split()) for m in _CATEGORY.finditer(text)]


def _field(tok, doc) -> Slot | None:  # type: ignore[no-untyped-def]
    """ "the prize in chemistry", "a visa for students". A nation ("the app in the US") is read by
    `constraints`, by every name it goes by ("U.S.", "America")."""
    head = tok.head
    if (
        tok.dep_ == "pobj"
        and nation(tok.text) is None
        and head.lower_ in ("in", "for")
        and head.head.pos_ in _NOUNS
        and tok.pos_ in _NOUNS
        and tok.ent_type_ not in ("DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY")
    ):
        return Slot("field", tok.lower_, head.head.lemma_.lower(), f"{head.head.text} {head.text} {tok.text}")
    return None


_READERS = (
    _category, _ordinal, _year, _month, _model, _measure, _elapsed, _quantity, _edition, _contrast, _named, _field
)  # fmt: skip


Verdict = Literal["meets", "absent", "contradicts"]


def check(slot: Slot, sentence: str, around: str) -> Verdict:
    """How `sentence` (with `around`: its neighbours, its article's title) meets `slot`: it states the
    value, it says nothing of the slot, or it fills the slot with another value."""
    near = f"{sentence} {around}"
    match slot.kind:
        case "ordinal" | "edition":
            found = frozenset().union(*(_editions(head, near) for head in _series(slot)))
            if not found:
                return "absent"
            return "meets" if int(slot.value) in found else "contradicts"
        case "year":
            if slot.value in _years(sentence):
                return "meets"
            if slot.head and _years(sentence) and _near_head(slot.head, sentence):
                return "contradicts"  # "the 2020 to 2022 model years" of the Explorer for "the 2023 Explorer"
            if slot.value in _years(around):
                return "meets"
            if _years(sentence) and not slot.head:
                return "contradicts"  # the sentence is about another year, the asked one nowhere near
            return "absent"
        case "category":
            asked = frozenset(slot.value.split())
            found = _categories(sentence)
            if any(asked <= c for c in found):
                return "meets"
            return "contradicts" if found else "absent"  # "best motion picture drama" for "best animated film"
        case "elapsed":
            asked = float(slot.value)
            if any(abs(v - asked) <= 0.1 * asked for v in _spans(sentence)):
                return "meets"  # "a month" is "four weeks"
            if _spans(sentence):
                return "contradicts"
            return "meets" if any(abs(v - asked) <= 0.1 * asked for v in _spans(around)) else "absent"
        case "month":
            if int(slot.value) in _months(sentence) or int(slot.value) in _months(around):
                return "meets"
            return "contradicts" if _months(sentence) else "absent"
        case "measure":
            size, unit = slot.value.split(" ", 1)
            found = _measures(unit, slot.head, near)
            if not found:
                return "absent"
            return "meets" if float(size) in found else "contradicts"
        case "quantity":
            found = _quantities(slot.head, near)
            if not found:
                return "absent"
            return "meets" if any(abs(v - float(slot.value)) <= 1e-6 * max(1.0, v) for v in found) else "contradicts"
        case "contrast":
            words, near = _words(titled(sentence)), _words(titled(around))
            own = CONTRASTS[int(slot.value)]
            other = set().union(*(CONTRASTS[g] for g in rivals(int(slot.value))))
            if words & own:
                return "meets"
            # The sentence is of a rival kind, whatever its neighbours say ("the shortlist includes"
            # beside "the winner will be announced"); else what is around it, with no word of the
            # asked kind, is (a study of kids' phone use says nothing of adults' in any sentence).
            if words & other:
                return "contradicts"
            if near & own:
                return "meets"
            return "contradicts" if near & other else "absent"
        case "field":
            if re.search(rf"\b{re.escape(slot.value)}", near, re.IGNORECASE):
                return "meets"
            head = re.escape(slot.head)
            for m in re.finditer(rf"\b{head}\w{{0,2}}\s+(?:in|for)\s+(?:the\s+)?([A-Za-z][\w-]+)", sentence, re.I):
                if m.group(1).lower() not in _FUNCTION_WORDS:
                    return "contradicts"  # "the prize in physics" for "the prize in chemistry"
            return "absent"
        case "named":
            # "the Microsoft-Activision deal" is met by a text naming both, in any order.
            paired = re.fullmatch(r"[^\W\d_]{2,}(?:-[^\W\d_]{2,})+", slot.value)
            parts = slot.value.split("-") if paired else [slot.value]
            if all(re.search(rf"\b{re.escape(part)}\b", near, re.IGNORECASE) for part in parts):
                return "meets"
            # The noun in any number: "friendly" is written "friendlies".
            stem = slot.head[:-1] if slot.head.endswith("y") else slot.head
            head = re.escape(stem) + r"\w{0,4}"
            # Read with the neighbours too: "the upcoming October friendlies" beside "23 players".
            for m in re.finditer(rf"((?:[A-Z][\w’'&.-]*\s+){{1,3}})(?i:{head})\b", near):
                if any(w.lower() not in _ARTICLES for w in m.group(1).split()):
                    return "contradicts"  # "six WSL titles" for "Champions League titles"
            return "absent"
    return "absent"


_FUNCTION_WORDS = frozenset(
    "a an the this that these those its his her their our your my which what whose order part total all "
    "january february march april may june july august september october november december".split()
)


_ARTICLES = frozenset("a an the this that these those its his her their our your my".split())


def _words(text: str) -> set[str]:
    """The words of `text`, a hyphenated one also by its parts ("existing-home sales": "home")."""
    found = {w.lower().replace("’", "'") for w in re.findall(r"[\w'’-]+", text)}
    return found | {part for w in found if "-" in w for part in w.split("-") if part}


def _years(text: str) -> list[str]:
    return re.findall(r"(?<![\d.,])(?:1[89]\d\d|20\d\d)(?![\d])", text)


# A month as a sentence names it: in full, or cut short with a full stop or before a day ("Sept. 5",
# "Oct 12"); case-sensitive, so "march" and "may" are verbs and "Jan Smith" no month.
_MONTH_NAME = re.compile(
    r"\b(?:(" + "|".join(MONTHS) + r")\b|(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)(?:\.|(?=\s\d)))"
)


_ANY_CASE_MONTH = re.compile(_MONTH_NAME.pattern, re.IGNORECASE)


@lru_cache(maxsize=4096)
def _months(text: str, any_case: bool = False) -> frozenset[int]:
    found = set()
    for m in (_ANY_CASE_MONTH if any_case else _MONTH_NAME).finditer(text):
        name = m.group(1) or m.group(2)
        found.add(month_number(name))  # type: ignore[arg-type]
    return frozenset(found)


def mentions_month(month: int, text: str, date: str | None = None) -> bool:
    """Whether `text` (any case: "may" the verb counts, so May is never ruled out) names the month,
    or `date` (ISO) falls in it."""
    if date and date[5:7].isdigit() and int(date[5:7]) == month:
        return True
    return month in _months(text, any_case=True)


def _near_head(head: str, text: str) -> bool:
    return bool(re.search(rf"\b{re.escape(head)}", text, re.IGNORECASE))


def _series(slot: Slot) -> tuple[str, ...]:
    """The names of what the slot numbers: its noun, and every name of its series of events."""
    said = slot.text.lower().replace("’", "'")
    for names in EVENT_SERIES:
        if any(name in said for name in names):
            return (slot.head, *names)
    return (slot.head,)


@lru_cache(maxsize=4096)
def _editions(head: str, text: str) -> frozenset[int]:
    """The ordinals or numbers `text` gives the noun `head`: "third season", "season 3", "Season
    Three", "the 94th Academy Awards" (up to two words between), "third-season"."""
    h = re.escape(head)
    found: set[int] = set()
    # Up to two words between, none ending a sentence ("for the third time. Oscars 2023" gives no Oscars).
    before = re.compile(rf"\b({ORDINAL_PATTERN})[\s-]+(?:[\w’'-]+(?:\.[\w’'-]+)*\s+){{0,2}}?{h}", re.IGNORECASE)
    for m in before.finditer(text):
        if (v := ordinal_value(m.group(1))) is not None:
            found.add(v)
    after = re.compile(rf"\b{h}\w{{0,2}}\s+(?:no\.?\s*|number\s+)?(\d{{1,3}}|[a-z]+)\b", re.IGNORECASE)
    for m in after.finditer(text):
        token = m.group(1)
        if (v := number_value(token)) is not None and v < 1000 and v == int(v):
            found.add(int(v))
    return frozenset(found)


# A number as written in a sentence: digits ("1,500", "4.7") or a word below a hundred ("seven").
_NUMBER = r"(\d[\d,]*(?:\.\d+)?|" + "|".join(w for w in NUMBER_WORDS if NUMBER_WORDS[w] < 100) + r")"
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "mn": 1e6}


def _amount(tok) -> float | None:  # type: ignore[no-untyped-def]
    """The value of a number token with its compound parts ("201" + "million")."""
    parts = sorted(
        [*(c for c in tok.children if c.like_num and c.dep_ in ("compound", "quantmod")), tok], key=lambda t: t.i
    )
    return _value(" ".join(t.text for t in parts))


def _value(text: str) -> float | None:
    words = text.lower().replace(",", "").split()
    total = None
    for w in words:
        if w in _SCALE and total is not None:
            total *= _SCALE[w]
        elif (v := number_value(w)) is not None and total is None:
            total = v
        else:
            return None
    return total


def _plain(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


@lru_cache(maxsize=4096)
def _quantities(head: str, text: str) -> tuple[float, ...]:
    """The amounts `text` gives the noun `head` ("100 million users", "2,000-plus yards", "seven ships")."""
    scale = r"(?:\s+(thousand|million|billion|trillion|bn|mn))?"
    pattern = re.compile(
        rf"(?<![A-Za-z]-)\b{_NUMBER}{scale}(?:-plus|\+)?[\s-]+(?:[\w’'-]+\s+){{0,3}}?{re.escape(head)}\w{{0,3}}\b", re.I
    )
    found = []
    for m in pattern.finditer(text):
        v = _value(" ".join(g for g in m.groups() if g))
        if v is not None and not re.fullmatch(r"(?:1[89]|20)\d\d", m.group(1)):
            found.append(v)
    return tuple(found)


@lru_cache(maxsize=4096)
def _measures(unit: str, head: str, text: str) -> frozenset[float]:
    """The sizes `text` gives a `unit` that qualifies `head` ("the 10-year Treasury yield": 10)."""
    pattern = re.compile(
        rf"\b{_NUMBER}[\s-]+{re.escape(unit)}s?\b(?:[\s-]+[\w’'.-]+){{0,2}}?[\s-]+{re.escape(head)}\w{{0,3}}\b", re.I
    )
    return frozenset(v for m in pattern.finditer(text) if (v := number_value(m.group(1))) is not None)
