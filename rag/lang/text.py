"""Text primitives shared by the stages: sentence spans, search terms, normalisation.

Everything here works on offsets into the original text so that later stages can quote exactly.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

# Abbreviations after which a period does not end a sentence (lower-cased, without the period).
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen sen rep st jr sr vs etc e.g i.e u.s u.k u.n u.s.a no co corp inc ltd gov
    lt col capt adm maj mt ft jan feb mar apr jun jul aug sep sept oct nov dec fig al approx dept est
    pres rev sgt cmdr gov't""".split()
)

_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]++[\"”’')\]]*+(?=\s|$)")
_OPENING = re.compile(r"\s++[\"“‘'(\[]?[A-Z0-9\u4e00-\u9fff]")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split `text[start:end]` into sentences; returns absolute (start, end) offsets, whitespace-trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        if stop < end and not _OPENING.match(text, stop, end):
            continue  # next word is lower-case: an abbreviation or a mid-sentence ellipsis
        if _is_abbreviation(text, cursor, match.start(), match.group()):
            continue
        spans.append((cursor, stop))
        cursor = stop
    spans.append((cursor, end))
    out = []
    for s, e in spans:
        for piece in _capped(text, s, e):
            if (trimmed := trim(text, *piece))[1] > trimmed[0]:
                out.append(trimmed)
    return out


MAX_SENTENCE = 1000  # characters: longer "sentences" (a page without punctuation) are split


def _capped(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """`text[start:end]` in pieces of at most MAX_SENTENCE characters, cut after the last clause mark
    (; : , – —) in the second half of the window, else at the last space, else hard."""
    pieces = []
    while end - start > MAX_SENTENCE:
        window = text[start : start + MAX_SENTENCE]
        cut = max(window.rfind(mark) for mark in (";", ":", ",", " –", " —"))
        if cut < MAX_SENTENCE // 2:
            cut = window.rfind(" ")
        cut = cut + 1 if cut >= MAX_SENTENCE // 4 else MAX_SENTENCE
        pieces.append((start, start + cut))
        start += cut
    pieces.append((start, end))
    return pieces


def _is_abbreviation(text: str, sentence_start: int, dot: int, mark: str) -> bool:
    if not mark.startswith("."):
        return False
    word_start = dot
    while word_start > sentence_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lstrip("\"“‘'(").lower()
    if word in _ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha()  # an initial: "J. Smith"


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def normalize(text: str) -> str:
    """Case-, quote- and whitespace-insensitive form, for duplicate detection and matching."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.translate(_QUOTES)
    return " ".join(text.split())


def fold(text: str) -> str:
    """`text` without accents: "André" is "Andre", as readers type names."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "})

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can could did do does doing down during each either else ever few for
    from further had has have having he her here hers herself him himself his how however i if in into is
    it its itself just let me more most much must my myself no nor not now of off on once only or other
    our ours ourselves out over own per same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up upon us very was we were
    what when where which while who whom whose why will with within without would yet you your yours
    yourself yourselves said says say according did does do one two many article articles
    quote quoted quotes mention mentions mentioned discuss discussed describe described name names named""".split()
)

# Words an organisation's initials skip: "National Association of Realtors" is NAR.
_UNINITIALLED = frozenset("of and the for & on in at to".split())


def initials(name: str) -> str | None:
    """A name's initials, lower-case, as an acronym of at least three letters that is no common
    word ("nar" for "National Association of Realtors"; not "who" for the World Health Organization,
    which a pronoun would match); None for a name of fewer words."""
    parts = [w for w in name.split() if w.lower() not in _UNINITIALLED]
    if len(parts) < 3 or not all(w[:1].isupper() for w in parts):
        return None
    letters = "".join(w[0] for w in parts).lower()
    return None if letters in STOPWORDS else letters


_LINKS = "|".join(re.escape(w) for w in sorted(_UNINITIALLED))  # "Bank of America", "Markets and ..."
_CAPITALISED_RUN = re.compile(rf"[A-Z][\w’'-]*+(?:\s++(?:(?:{_LINKS})\s++)*+[A-Z][\w’'-]*+)++")


def acronyms(text: str) -> set[str]:
    """The initials of every run of capitalised words in `text` and of the runs' tails ("nda" for
    "the BJP-led National Democratic Alliance"), as `initials` makes them."""
    found = set()
    for m in _CAPITALISED_RUN.finditer(text):
        parts = m.group().split()
        for i in range(len(parts) - 2):
            if parts[i].lower() not in _UNINITIALLED and (letters := initials(" ".join(parts[i:]))) is not None:
                found.add(letters)
    return found


def spells(acronym: str, text: str) -> bool:
    """Whether lower-case `text` has words of four letters or more whose initials are `acronym`,
    function words skipped ("national democratic alliance" spells "nda"; "no data arrived" does not)."""
    between = rf"\s+(?:(?:{_LINKS})\s+)*"
    return re.search(r"\b" + between.join(rf"{c}[\w’'-]{{3,}}" for c in acronym) + r"\b", text) is not None


def is_acronym(name: str) -> bool:
    """A name written as capital initials ("NDA", "MEPs" is not one: it is a plural)."""
    return 3 <= len(name) <= 6 and name.isalpha() and name.isupper()


def spelled_out(text: str, names: Iterable[str]) -> str:
    """`text` with the initials of each of `names` spelled out after them ("NAR (National
    Association of Realtors) chief economist"): a cross-encoder matches the words it is given."""
    for name in names:
        if (acronym := initials(name)) is not None:
            text = re.sub(rf"\b{acronym.upper()}\b(?! \()", f"{acronym.upper()} ({name})", text)
    return text


QUESTION_WORDS = frozenset("what which who whom whose when where why how tell explain describe".split())


def words(text: str) -> list[str]:
    """Lower-case word tokens, quotes folded (don’t -> don't)."""
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    try:
        import Stemmer  # PyStemmer: Snowball English, C speed

        return Stemmer.Stemmer("english")
    except ImportError:  # pragma: no cover - PyStemmer is in requirements.txt
        return None


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    stemmer = _stemmer()
    if word.endswith("'s"):
        word = word[:-2]
    return stemmer.stemWord(word) if stemmer is not None else word


def terms(text: str) -> list[str]:
    """Search terms: words minus stopwords, stemmed. Used by BM25 and by sentence scoring alike."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and w not in QUESTION_WORDS]


def iter_lines(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """(start, end) of every non-blank line of `text[start:end]`, trimmed, as absolute offsets."""
    pos = start
    for line in text[start:end].splitlines(keepends=True):
        s, e = trim(text, pos, pos + len(line))
        if e > s:
            yield s, e
        pos += len(line)


MONTHS = tuple("January February March April May June July August September October November December".split())
# A month as articles write it, in full or cut short ("Sept.", "Dec").
MONTH_PATTERN = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)


# Month names and their abbreviations ("Sept", "oct"), lower-cased -> 1..12.
_MONTH_NUMBERS = {
    name: i + 1
    for i, month in enumerate(MONTHS)
    for name in {month.lower(), month[:3].lower(), "sept" if month == "September" else month[:3].lower()}
}


def month_number(name: str) -> int | None:
    """1..12 for a month's name or abbreviation, any case, with or without its full stop ("Sept.")."""
    return _MONTH_NUMBERS.get(name.lower().rstrip("."))


WEEKDAYS = tuple("Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())
_FUTURE = re.compile(r"\b(?:will|would|shall|is\s+due|are\s+due|is\s+set\s+to|are\s+set\s+to|next|upcoming)\b", re.I)
_MONTH_DAY = re.compile(r"^([A-Z][a-z]+)\.?\s+(\d{1,2})$|^(\d{1,2})\s+([A-Z][a-z]+)$")


def dated(phrase: str, iso: str | None, sentence: str = "") -> str:
    """A date the text gives without its year, completed from the article's date: "Sunday" in a
    report dated Monday July 17, 2023 is "Sunday, July 16, 2023" (the last one on or before the
    report, or the next after it when the sentence speaks of what will happen); "May 15" is May 15
    of the year that puts it on the same side of the report. Else `phrase` as it is."""
    if not iso:
        return phrase
    try:
        published = datetime.date.fromisoformat(iso[:10])
    except ValueError:
        return phrase
    ahead = bool(_FUTURE.search(sentence))
    if phrase in WEEKDAYS:
        shift = (published.weekday() - WEEKDAYS.index(phrase)) % 7
        step = datetime.timedelta(days=(7 - shift) % 7 or 7) if ahead else -datetime.timedelta(days=shift)
        day = published + step
        return f"{phrase}, {spoken_date(day.isoformat())}"
    m = _MONTH_DAY.match(phrase)
    if m is None or (month := month_number(m.group(1) or m.group(4))) is None:
        return phrase
    number = int(m.group(2) or m.group(3))
    try:
        day = datetime.date(published.year, month, number)
    except ValueError:
        return phrase
    if ahead and day < published:
        day = day.replace(year=day.year + 1) if not (month == 2 and number == 29) else day
    elif not ahead and day > published:
        day = day.replace(year=day.year - 1) if not (month == 2 and number == 29) else day
    return spoken_date(day.isoformat())


def spoken_date(iso: str | None) -> str:
    """'2011-01-23' -> 'January 23, 2011', so a question's "January 2011" matches the article date."""
    if not iso:
        return ""
    try:
        year, month, day = iso.split("-")
        return f"{MONTHS[int(month) - 1]} {int(day)}, {year}"
    except (ValueError, IndexError):
        return iso
