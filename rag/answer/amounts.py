"""Amounts: which kind a question asks for, and whether a number in a sentence is of that kind.

"How much did it cost" wants a sum of money, "what share" a percentage, "how old" an age, "how long"
a duration or a length, "how many tanks" a count of tanks; a day of a month is no amount, and a
valuation is no sum paid, raised or spent. `constraints.answer_phrase` finds the amount with these.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.answer.question import Question
from rag.lang import parse
from rag.lang.nations import nation
from rag.lang.text import MONTH_PATTERN, stem, words
from rag.lang.values import CURRENCY_WORDS, TIME_UNITS

_UNIT_WORDS = (
    r"percent|per cent|percentage points?|billion|million|trillion|thousand|hundred|bn|mn|"
    r"yuan|rubles?|roubles?|dollars?|euros?|pounds?|yen|rupees?|people|troops|soldiers|ships|vessels|aircraft|"
    r"tons?|tonnes?|barrels?|km|kilometers?|kilometres?|miles?|meters?|metres?|years?|months?|days?|hours?|"
    r"companies|firms|entities|countries|points?|times"
)
# "%" is no word: a word boundary after it would fail before a space ("18% of"), so only the unit
# words end at one.
_UNIT = rf"(?:%|(?:{_UNIT_WORDS})\b)"
AMOUNT = re.compile(
    # "Su-27", "HQ-9", "F-15s" are names, not amounts.
    # "36th" is an ordinal, not an amount; "10MS" a name ("$5bn", "£10m" are amounts).
    rf"(?:[$€£¥₽]\s?)?(?<![A-Za-z]-)\b\d(?:[\d,]*\d)?(?:\.\d+)?(?!\d|(?:st|nd|rd|th)\b)"
    rf"(?:(?:bn|mn|m|k|b)\b|(?![^\W\d_]))"
    rf"(?:\s?{_UNIT})*"
    # Written out, tens with their units ("Sixty-two percent", not "two percent").
    rf"|(?<![\w-])(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:one|two|three|four|five|six|"
    rf"seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|hundreds|"
    rf"thousands|millions|billions|half|a third|a quarter|dozens?)\b(?:\s{_UNIT})?",
    re.IGNORECASE,
)
_AFTER_MONTH = re.compile(rf"\b{MONTH_PATTERN}\s+$")


# The kind of amount a question asks for, when its words say: a price is not a count, a share is not
# an age. "How much did the ruble fall?" says no kind (a percentage or a sum may answer it).
_ASKS_MONEY = re.compile(
    r"\b(?:how much (?:\w+\s+){0,2}(?:money|cash)|cost|costs|price|priced|prices|paid|pay|pays|worth|spend|spent|"
    r"spending|budget|fee|fees|salary|fine|fined|funding|raised|revenue|profit|valued|valuation)\b",
    re.IGNORECASE,
)
# "Share" the noun ("what share of"), not the verb ("the laureates share the prize").
_ASKS_SHARE = re.compile(
    r"\b(?:percentage|percent|per cent|proportion|fraction|what rate|(?:what|which|a|the|its|their)\s+share|"
    r"share\s+of)\b",
    re.IGNORECASE,
)
_ASKS_COUNT = re.compile(r"\bhow many\b", re.IGNORECASE)
_ASKS_AGE = re.compile(r"\bhow old\b|\bwhat age\b|\bat what age\b", re.IGNORECASE)
_SPANS = rf"(?:{'|'.join(TIME_UNITS)})s?|km|kilomet(?:er|re)s?|miles?|met(?:er|re)s?|feet|foot|yards?|inch(?:es)?"
# A duration or a length: "how long", "for how many", "how many hours" (what is spent is then
# time, not money), "how much time".
_ASKS_SPAN = re.compile(rf"\bhow long\b|\bfor how many\b|\bhow many\s+(?:{_SPANS})\b|\bhow much time\b", re.I)
_SPAN_NEAR = re.compile(rf"^[\s-]*(?:{_SPANS})\b", re.IGNORECASE)  # "13-minute", "2 hours"
_SPAN_IN = re.compile(rf"\b(?:{_SPANS})$", re.IGNORECASE)  # the amount took its unit: "13 years"
_MONEY_NEAR = re.compile(rf"[$€£¥₽₹₱]|\b(?:{CURRENCY_WORDS})\b", re.IGNORECASE)
# A currency after the amount, perhaps with its country's adjective ("11 million Swedish kronor").
_CURRENCY_AFTER = re.compile(rf"\s*+(?-i:[A-Z][a-z]++\s++)?(?:{CURRENCY_WORDS})\b", re.IGNORECASE)
# A share's words; "quarter-point" is a unit, not a quarter.
_SHARE_NEAR = re.compile(r"%|\bper ?cent\b|\bpercentage points?\b|\b(?:half|third|quarter|tenth)s?\b(?!-)", re.I)
_AGE_NEAR = re.compile(r"^[\s-]*years?[\s-]old\b|^-year-old\b|^,", re.IGNORECASE)


_ASKS_MARGIN = re.compile(r"\bmargin\b", re.IGNORECASE)
_ASKS_VALUE = re.compile(r"\b(?:value|valued|valuation|valuations|worth|market cap\w*)\b", re.IGNORECASE)
_VALUATION_BEFORE = re.compile(
    r"\b(?:valued\s+at|valuation\s+of|value\s+of|market\s+(?:cap|capitali[sz]ation|value)\s+of)\s+"
    r"(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+|more\s+than\s+|some\s+|close\s+to\s+|roughly\s+)?$",
    re.IGNORECASE,
)
_VALUATION_AFTER = re.compile(r"^\s*(?:\w+\s+)?(?:post-money\s+|pre-money\s+)?valuation\b", re.IGNORECASE)


def amount_fits(question: Question, text: str, start: int, end: int) -> bool:
    """Whether the amount at text[start:end] is of the kind the question asks: not a day of a month
    ("the quarter ended May 31"), of the asked kind (a price, not a count), and not a valuation
    where a sum paid, raised or spent is asked ("Wiz, now valued at $10 billion" says nothing of
    what anyone paid for it)."""
    wanted = amount_kind(question.text)
    if _AFTER_MONTH.search(text, 0, start) or (wanted is not None and not _is_kind(wanted, text, start, end)):
        return False
    if wanted == "age" and not _age_of_asked(question.text, text, start, end):
        return False
    return not (wanted == "money" and not _ASKS_VALUE.search(question.text) and _is_valuation(text, start, end))


def _age_of_asked(question: str, text: str, start: int, end: int) -> bool:
    """Whether the age at text[start:end] may be the asked person's: "How old is Caleb Plant?" is not
    answered by "... over Caleb Plant, the 26-year-old Benavidez ...". Only a question about a person
    by name is checked ("how old is the Spurs captain" names a role), and only an age whose holder the
    parse finds."""
    asked = _asked_people(question)
    if not asked:
        return True
    holder = age_holder(text, start, end)
    return holder is None or any(name & holder for name in asked)


@lru_cache(maxsize=256)
def _asked_people(question: str) -> tuple[frozenset[str], ...]:
    """The names a question asks about as themselves: noun phrases headed by a proper noun."""
    return tuple(
        frozenset(t.lower_ for t in chunk if t.pos_ == "PROPN")
        for chunk in parse(question).noun_chunks
        if chunk.root.pos_ == "PROPN"
    )


_MODIFIER_DEPS = frozenset("nummod npadvmod quantmod amod compound punct pobj prep".split())
_ANAPHOR_SUBJECT = frozenset({"nsubj", "nsubjpass"})
_ANTECEDENT = _ANAPHOR_SUBJECT | {"appos"}


def age_holder(text: str, start: int, end: int) -> frozenset[str] | None:
    """The words naming whose age text[start:end] is, by the parse: the name an age describes ("the
    38-year-old Wilder", "Nagelsmann, 36,"), the subject of "is 36 years old" or "died at the age of
    78" (with its title: "Everton chairman Bill Kenwright"); for "the 20-year-old" standing alone, the
    name that is the subject before it. None when the parse does not tell."""
    doc = parse(text)
    number = next((t for t in doc if start <= t.idx < end and t.like_num), None)
    if number is None:
        return None
    tok = number
    while tok.dep_ in _MODIFIER_DEPS and tok.head.i != tok.i and tok.head.pos_ not in ("VERB", "AUX", "PROPN"):
        tok = tok.head
    head = tok.head if tok.dep_ in _MODIFIER_DEPS | {"appos"} else tok
    if head.pos_ in ("VERB", "AUX"):
        head = next((c for c in head.children if c.dep_ in _ANAPHOR_SUBJECT), head)
    if head.pos_ != "PROPN":
        if head.dep_ not in _ANAPHOR_SUBJECT or head.i > number.i + 6:
            return None
        # "..., as Musiala has blossomed ..., but the 20-year-old has just one goal", "... pegged back
        # by the former Manchester City man, Cole Palmer. The 21-year-old ...": the last name before
        # it that is a subject or stands beside a noun.
        head = next(
            (t for t in reversed(doc[: head.i]) if t.pos_ == "PROPN" and t.dep_ in _ANTECEDENT),
            None,
        )
        if head is None:
            return None
    return frozenset(t.lower_ for t in head.subtree if t.i <= head.i and t.pos_ in ("PROPN", "NOUN"))


def with_currency(text: str, end: int) -> int:
    """Where an amount ending at `end` ends with the currency written after it ("11 million" ->
    "11 million Swedish kronor"): a lead shows what the sum is in."""
    m = _CURRENCY_AFTER.match(text, end)
    return m.end() if m else end


def asks_margin(question: str) -> bool:
    """ "By what margin": a score may answer it ("a 3-2 triumph") as well as a number."""
    return bool(_ASKS_MARGIN.search(question))


def _is_valuation(text: str, start: int, end: int) -> bool:
    """Whether the amount at text[start:end] is what something is valued at ("valued at $10 billion",
    "a $1.4B valuation"), not a sum that changed hands."""
    return bool(_VALUATION_BEFORE.search(text[max(0, start - 40) : start]) or _VALUATION_AFTER.match(text[end:]))


def amount_kind(question: str) -> str | None:
    """ "money", "share", "count", "age" or "span" (a duration or a length) when the question's words
    fix the kind of amount."""
    if _ASKS_AGE.search(question):
        return "age"
    if _ASKS_SPAN.search(question):
        return "span"
    if _ASKS_SHARE.search(question):
        return "share"
    if _ASKS_MONEY.search(question):
        return "money"
    if _ASKS_COUNT.search(question):
        return "count"
    return None


def _is_kind(kind: str, text: str, start: int, end: int) -> bool:
    """Whether the amount at text[start:end] is of `kind`, read from it and the words beside it."""
    amount = text[start:end]
    before, after = text[max(0, start - 3) : start], text[end : end + 14]
    money = bool(_MONEY_NEAR.search(amount) or _MONEY_NEAR.search(before) or _CURRENCY_AFTER.match(text, end))
    share = bool(_SHARE_NEAR.search(amount) or _SHARE_NEAR.match(after.lstrip()))
    match kind:
        case "money":
            return money
        case "share":
            return share
        case "age":
            year = re.fullmatch(r"(?:1[89]|20)\d\d", amount.strip())  # "in 2018, while ..." is no age
            return bool(
                re.search(r"\d", amount)
                and not year
                and (
                    _AGE_NEAR.match(after)
                    or (re.search(r"\byears?$", amount) and re.match(r"[\s-]*old\b", after))  # "36 years" + " old"
                    or re.search(r"\b(?:aged?|age of)\s*$", text[:start])
                )
            )
        case "span":
            return bool(_SPAN_IN.search(amount) or _SPAN_NEAR.match(text[end:]))
        case "count":
            return not money and not share and not re.fullmatch(r"(?:1[89]|20)\d\d", amount.strip())
    return True


def counts(counted: tuple[str, tuple[str, ...]], text: str, end: int) -> str:
    """Whether the number ending at text[end] counts `counted` ("how many tanks"): "yes" when the
    noun follows it or is elsewhere in the sentence; "qualified" when one of its qualifiers follows
    ("89 Chinese firms" for "companies from China": most likely another word for the same thing);
    else "no" ("100 of the latest Su-35 fighters" counts no tanks). A count of something else is no
    answer, even where the article never names the asked noun."""
    noun, qualifiers = counted
    after = [w.strip(".,;:()") for w in text[end:].split()[:4]]
    if followed_by(noun, text, end) or stem(noun) in _stems(text):
        return "yes"
    qualified = {nation(q) for q in qualifiers} - {None}
    if any(stem(w.lower()) in {stem(q) for q in qualifiers} or nation(w) in qualified for w in after if w):
        return "qualified"
    return "no"


def followed_by(noun: str, text: str, end: int) -> bool:
    """Whether `noun` is among the four words after text[end] ("157,000 ultra-directional speakers")."""
    key = stem(noun)
    return any(stem(w.strip(".,;:()").lower()) == key for w in text[end:].split()[:4])


@lru_cache(maxsize=64)
def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text))
