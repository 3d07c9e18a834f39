"""Loading and cleaning: raw web captures -> `Article`s with labelled segments.

The files are text captures of web pages, so they carry site chrome (WordPress comment forms, cookie
banners, menus, share widgets), repeated copies of the article, archive pages holding several
articles, reader comments and translator's asides. This module keeps the article text, drops the
chrome and duplicates, splits archives into articles with their own title/author/date, and labels
every kept span with whose voice it is. Nothing is rewritten: segments are offsets into the file.

It works line by line: in these captures every paragraph is one line. It is one module (over 600
lines) because its passes share one line model and one metadata record; split by concern, each part
would reach into the others' private state.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rag.core.errors import CorpusError
from rag.core.schema import Article, Kind, Segment
from rag.lang.text import iter_lines, month_number, normalize, trim, words

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".text")

# --- what a line can be -------------------------------------------------------------------------

_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^leave a (reply|comment)\b",
        r"^fill in your details below",
        r"you are commenting using your",
        r"^(log out|change \))",
        r"^(google|twitter|facebook|wordpress\.com|linkedin|email) (photo|picture|account|icon)$",
        r"^logo$",
        r"^connecting to %s$",
        r"^create (a free website|your website)",
        r"^blog at\b",
        r"^get started$",
        r"bloggers like this",
        r"^up\s*↑$",
        r"^visit my website",
        r"^contact at\b",
        r"^comments are closed\.?$",
        r"^(full )?article link( here)?:?$",
        r"^(continue reading|read more|click here)\b",
        r"^(share|like) this:?$",
        r"^like loading",
        r"^related( posts| articles)?:?$",
        r"\bwe use cookies\b|\bcookie (policy|settings)\b|\baccept (all )?cookies\b",
        r"^more information\s*\.?\s*close$",
        r"^menu(_open)?$",
        r"^columnists\b.*\barchive$",
        r"^get it on google play$|^download on the app store$",
        r"^(subscribe|sign up|sign in|log in)\b.{0,40}$",
        r"^skip to (main )?content$",
        r"^edited by\b",
        r"contributed to this (story|report)\.?$",
        r"^archive for the .+ category$",
        r"^(previous|next) (post|article)\b",
        r"^(tags?|filed under|categories):",
        r"^(print|email|advertisement|share)$",
        r"^my (two |new )?.{0,40}\bbooks? (is|are) .{0,30}reading:?$",
    )
]

# Once one of these is seen, the rest of the page is footer (until a comment thread starts).
_FOOTER = re.compile(
    r"^(visit my website|leave a (reply|comment)|share this|like this|related posts|©|copyright\b|"
    r"comments are closed|continue reading|my (two |new )?.{0,40}\bbooks?\b)",
    re.IGNORECASE,
)
_COMMENTS_HEADER = re.compile(
    r"^(\d+|one|two|three) (thoughts?|comments?|responses?|repl(y|ies)) (on|to)\b|^(reader )?comments:?$",
    re.IGNORECASE,
)
_NOTE_HEADER = re.compile(
    r"^(afterword|postscript|translator['’]s notes?|note from the (translator|editor)|editor['’]s notes?)\b",
    re.IGNORECASE,
)
_TRANSLATED_FROM = re.compile(
    r"thanks to (?P<translator>[^.]{1,120}?) for translating (?:this|the) (?:article|piece|text) from "
    r"(?P<source>[^.:]{1,200})",
    re.IGNORECASE,
)
# A commenter's credit line in a comment thread: "Georgiaboy says:", "Jane Doe on March 3, 2022 at
# 5:12 pm said:", and the bare time stamp under it.
_COMMENTER = re.compile(
    r"^(?P<name>[^\s:@][^:]{0,48}?)(?:\s+on\s+[^:]{4,60}?)?\s+(?:says|said|wrote|commented|replied)\s*:\s*$", re.I
)
_STAMP = re.compile(r"^[A-Z][a-z]+\.? \d{1,2}, \d{4}(?:,? at \d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?)?$", re.I)
_BRACKET_CONVENTION = re.compile(r"(translator|editor)['’]s (comments|notes|remarks) are in square brackets", re.I)
_POSTED = re.compile(r"^Posted in (?P<categories>.+?) on (?P<date>[A-Z][a-z]+\.? \d{1,2}, \d{4}) by (?P<poster>.+)$")
_BYLINE_START = re.compile(r"^by\s+(?P<rest>\S.{1,200})$", re.IGNORECASE)
_SITE_TITLE = re.compile(r"^(?P<site>[A-Z][\w.]{1,30}) - (?P<title>.{8,200}) - (?P<author>[^-]{3,60})$")
_COPYRIGHT = re.compile(r"^(?:©|copyright\b)\s*(?:\d{4}\s*)?(?P<holder>.{2,60})$", re.IGNORECASE)
_LIST_MARKER = re.compile(r"(\d{1,3}\.|[•*·▪‣◦-])\s+")
_BRACKETED = re.compile(r"\[[^\[\]\n]{2,600}\]")
_OUTLET_DATE = re.compile(
    # "The Sydney Morning Herald — September 26, 2023": the outlet that published it, and when.
    r"^(?P<outlet>[^—–]{2,80}?)\s+(?:—|–|--?)\s+(?P<date>[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4})$"
)
_PUBLISHED_BY = re.compile(r"^Published by (?P<outlet>[^.]{2,80})$")  # an outlet with no date
_SOURCE_URL = re.compile(r"^Source: (?P<url>https?://\S{3,2000})$")  # where a fetched page came from
_TITLE_PUBLISHER = re.compile(r"(?<!\s)\s*+\[(?P<publisher>[^\[\]]{2,60})\]\s*+$")

_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DATE_PATTERNS = [
    re.compile(rf"\b(?P<day>\d{{1,2}}) {_MONTH},? (?P<year>\d{{4}})\b"),
    re.compile(rf"\b{_MONTH} (?P<day>\d{{1,2}}),? (?P<year>\d{{4}})\b"),
    re.compile(r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})\b"),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
    re.compile(rf"\b{_MONTH} (?P<day>\d{{1,2}})\b"),  # "Jan 23": the year comes from context
]


def parse_date(text: str, default_year: int | None = None) -> str | None:
    """The first date in `text` as ISO `YYYY-MM-DD`, or None."""
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            month_raw = m.group("month")
            month = int(month_raw) if month_raw.isdigit() else month_number(month_raw)
            year = int(m.group("year")) if "year" in m.groupdict() and m.group("year") else default_year
            if month is None or year is None:
                continue
            try:
                return date(year, month, int(m.group("day"))).isoformat()
            except ValueError:
                continue
    return None


# --- lines --------------------------------------------------------------------------------------


@dataclass
class _Line:
    start: int  # after any list marker
    end: int
    text: str
    marker: bool  # started with a list marker ("1." or "•"): a new comment in a thread
    role: str = "text"  # text | drop | title | posted | byline | dateline | comments | note_header | site_title
    kind: Kind = "article"
    group: int = 0
    speaker: str | None = None


@dataclass
class _Meta:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    publisher: str | None = None
    poster: str | None = None
    posted_date: str | None = None
    translator: str | None = None
    url: str | None = None
    notes: list[str] = field(default_factory=list)
    credits: list[tuple[int, int]] = field(default_factory=list)  # lines that gave the author or date


def _lines(text: str) -> list[_Line]:
    lines = []
    for start, end in iter_lines(text):
        marker = _LIST_MARKER.match(text, start, end)
        if marker and marker.end() < end:
            start = marker.end()
        lines.append(_Line(start, end, text[start:end], marker=bool(marker)))
    return lines


def _is_boilerplate(line: str) -> bool:
    if any(p.search(line) for p in _BOILERPLATE):
        return True
    # Site chrome ("31 0", "Aa Aa Aa", "- A +"): fewer than two real words and no date in it.
    real_words = [w for w in words(line) if len(w) >= 3 and w.isalpha()]
    return len(real_words) < 2 and parse_date(line) is None


def _is_heading(line: str) -> bool:
    n = len(line.split())
    return 2 <= n <= 25 and not line.rstrip("”\"’'").endswith((".", ":", ";", ",", "?", "!"))


def _dateline(line: str, default_year: int | None) -> str | None:
    """A line that is only a date, maybe with a place and a source ("Beijing, Jan 23 (Prensa Latina)")."""
    if len(line.split()) > 8:
        return None
    found = parse_date(line, default_year)
    if found is None:
        return None
    rest = line
    for pattern in _DATE_PATTERNS:
        rest = pattern.sub(" ", rest)
    rest = re.sub(r"\([^)]*\)", " ", rest)
    return found if len([w for w in words(rest) if w.isalpha()]) <= 3 else None


_PARTICLE = r"(?:de|van|von|der|den|da|di|du|le|la|al|bin|el)"
_PERSON = re.compile(rf"^[A-Z][\w’'.-]*(?:\s+(?:{_PARTICLE}\s+)*[A-Z][\w’'.-]*){{1,3}}$")
_EMAIL_NAME = re.compile(r"^\S+@\S+\s*\((?P<name>[^()]+)\)$")  # "sascha.pare@futurenet.com (Sascha Pare)"
_LOCATION = re.compile(r"(?<!\s)\s++(?:at|in)\s++(?:the\s++)?[A-Z].*$")  # "Andy Hunter at Anfield"


_TOP = 600  # characters: where a page's title, byline and date lines are


def _byline(line: str, near_top: bool = True) -> tuple[str, str | None] | None:
    """(author, publisher) from a byline: "By Ann Lee", "By A, B and C, The Associated Press",
    "By Ed Aarons at Stamford Bridge", "By x@y.com (Sascha Pare)"; near the top of a page also a
    lower-case one ("By zee business")."""
    m = _BYLINE_START.match(line.strip("*_ "))  # "**By Hannah Lee**" in Markdown
    if not m or len(line.split()) > 16 or line.endswith("."):
        return None
    rest = m.group("rest").strip()
    if (e := _EMAIL_NAME.match(rest)) is not None:
        rest = e.group("name").strip()
    rest = re.sub(r"\s*\([^()]*\)\s*$", "", rest)  # "(Reuters)"
    head, comma, tail = rest.rpartition(",")
    if comma and _AND.search(head) and not _AND.search(tail):
        rest = head  # "A and B, China Daily": the list ended at "and"; what follows the comma is where they work
        names = [_LOCATION.sub("", p) for p in _split_names(head)]
        if names and all(_is_person(n) for n in names):
            return _join(names), None if any(w.lower() in _ROLES for w in tail.split()) else tail.strip()
    names = [_LOCATION.sub("", p) for p in _split_names(rest)]
    if not names:
        return None
    if all(_is_person(n) for n in names):  # "A, B and C"
        return _join(names), None
    if len(names) >= 2 and all(_is_person(n) for n in names[:-1]):  # "A, B, The Associated Press"
        role = any(w.lower() in _ROLES for w in names[-1].split())  # "Robin McKie, Science Editor"
        return _join(names[:-1]), None if role else names[-1]
    if near_top and len(rest.split()) <= 4 and re.fullmatch(r"[\w .&'-]+", rest):
        return rest, None  # "By zee business": whoever the page credits, as written
    return None


_ROLES = frozenset("editor correspondent reporter writer staff contributor columnist".split())
_NOT_PERSON = _ROLES | {"the", "press", "news"}


def _is_person(name: str) -> bool:
    return bool(_PERSON.match(name)) and not any(w.lower() in _NOT_PERSON for w in name.split())


_AND = re.compile(r"\s(?:and|&)\s")


def _split_names(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*,\s*|\s+(?:and|&)\s+", text) if p.strip()]


@dataclass(frozen=True)
class Credited:
    entries: frozenset[str]
    """Every name of an author field, normalised, venues ("at Anfield") dropped."""
    persons: frozenset[str]
    """Those that are people, not outlets or roles."""


def people(author: str) -> Credited:
    """The entries of an author field ("A, B and C, The Associated Press"), for comparing bylines."""
    if (e := _EMAIL_NAME.match(author.strip())) is not None:
        author = e.group("name")
    names = [_LOCATION.sub("", n) for n in _split_names(author)]
    return Credited(frozenset(normalize(n) for n in names), frozenset(normalize(n) for n in names if _is_person(n)))


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# --- articles -----------------------------------------------------------------------------------


def parse(source: str, text: str) -> list[Article]:
    """Split one file's text into cleaned, labelled articles."""
    lines = _lines(text)
    posted = [i for i, line in enumerate(lines) if _POSTED.match(line.text)]
    if not posted:
        return [a for a in [_article(source, text, lines, _Meta())] if a is not None]

    # An archive page: each "Posted in ... on DATE by NAME" line follows its article's headline.
    starts = []
    for i in posted:
        headline = i - 1
        while headline >= 0 and _is_boilerplate(lines[headline].text):
            headline -= 1
        starts.append(max(headline, 0))
    articles = []
    for n, (start, posted_i) in enumerate(zip(starts, posted, strict=True)):
        stop = starts[n + 1] if n + 1 < len(starts) else len(lines)
        m = _POSTED.match(lines[posted_i].text)
        assert m is not None
        meta = _Meta(poster=m.group("poster").strip(), posted_date=parse_date(m.group("date")))
        meta.credits.append((lines[posted_i].start, lines[posted_i].end))
        meta.title = lines[start].text if start != posted_i else None
        lines[start].role = "title"
        lines[posted_i].role = "posted"
        article = _article(source, text, lines[start:stop], meta)
        if article is not None:
            articles.append(article)
    return articles


def _article(source: str, text: str, lines: list[_Line], meta: _Meta) -> Article | None:
    _find_metadata(lines, meta, text)
    _label(lines, meta, text)
    segments = _segments(text, lines, meta)
    if not segments:
        return None
    title = meta.title or Path(source).stem.replace("_", " ")
    if (m := _TITLE_PUBLISHER.search(title)) is not None:
        meta.publisher = meta.publisher or m.group("publisher").strip()
        title = title[: m.start()].strip()
    title = _capped(" ".join(title.lstrip("#").split()))
    publisher = _capped(" ".join(meta.publisher.split())) if meta.publisher else None
    return Article(
        source=source,
        title=title,
        author=_capped(meta.author) if meta.author else None,
        date=meta.date or meta.posted_date,
        start=lines[0].start if lines else 0,
        end=max([s.end for s in segments] + [e for _, e in meta.credits]),  # a byline may close the article
        segments=tuple(segments),
        publisher=publisher,
        credits=tuple(sorted(meta.credits)),
        url=meta.url,
    )


MAX_FIELD = 300  # characters of a title, author or outlet: each is copied into every passage


def _capped(value: str) -> str:
    """A metadata field cut to MAX_FIELD characters at a word (a heading of a few huge "words" would
    otherwise be copied into every passage of its article)."""
    if len(value) <= MAX_FIELD:
        return value
    cut = value[:MAX_FIELD].rsplit(" ", 1)[0] if " " in value[:MAX_FIELD] else value[:MAX_FIELD]
    return cut.rstrip(" ,;:-") + "…"


def _find_metadata(lines: list[_Line], meta: _Meta, text: str) -> None:
    posted_year = int(meta.posted_date[:4]) if meta.posted_date else None
    for line in lines:
        if line.role != "text":
            continue
        credited = (meta.author, meta.date)
        if (m := _SITE_TITLE.match(line.text)) is not None:
            line.role = "site_title"
            meta.title = meta.title or m.group("title").strip()
            meta.author = meta.author or m.group("author").strip()
        elif (by := _byline(line.text, near_top=line is lines[0] or line.start < _TOP)) is not None:
            line.role = "byline"
            meta.author = meta.author or by[0]
            meta.publisher = meta.publisher or by[1]
        elif (m := _OUTLET_DATE.match(line.text)) is not None and (d := parse_date(m.group("date"))) is not None:
            line.role = "dateline"
            meta.date = meta.date or d
            meta.publisher = m.group("outlet").strip()  # the page's outlet, over a byline's agency
        elif (m := _PUBLISHED_BY.match(line.text)) is not None:
            line.role = "dateline"
            meta.publisher = m.group("outlet").strip()
        elif (m := _SOURCE_URL.match(line.text)) is not None:
            line.role = "dateline"
            meta.url = meta.url or m.group("url")
        elif (d := _dateline(line.text, posted_year)) is not None:
            line.role = "dateline"
            meta.date = meta.date or d
        elif (m := _COPYRIGHT.match(line.text)) is not None:
            meta.publisher = meta.publisher or m.group("holder").strip()
        elif (m := _TRANSLATED_FROM.search(line.text)) is not None:
            meta.translator = m.group("translator").strip()
            meta.author = meta.author or f"{m.group('source').strip()} (translated by {meta.translator})"
        if (meta.author, meta.date) != credited:
            meta.credits.append((line.start, line.end))
    if meta.title is None and len(lines) > 2 and lines[0].role == "text" and len(lines[0].text) <= 300:
        # A headline directly above its byline or "Outlet — date" line, whatever punctuation it ends with.
        if lines[1].role in ("byline", "dateline") and not _is_boilerplate(lines[0].text):
            meta.title = lines[0].text
            lines[0].role = "title"
    if meta.title is None:
        # The first heading-like line near the top, if any.
        for line in lines[:6]:
            if line.role == "text" and _is_heading(line.text) and not _is_boilerplate(line.text):
                meta.title = line.text
                line.role = "title"
                break
    if meta.author is None and meta.poster:
        meta.author = meta.poster.split(" / ")[0].strip()


def _label(lines: list[_Line], meta: _Meta, text: str) -> None:
    """Decide, line by line, what to drop and whose voice the rest is."""
    title_norm = normalize(meta.title or "\0")
    poster_names = [p.strip() for p in (meta.poster or "").split("/") if p.strip()]
    kept = _Kept()
    mode: Kind = "article"
    footer = False
    group = 0
    speakers: dict[int, str] = {}  # comment group -> the commenter the page names
    said = False  # the current comment group has text already
    for line in lines:
        if line.role != "text":
            line.role = "drop"
            continue
        if mode == "comment" and line.marker:
            group += 1  # a new comment starts here, even if its first line ("@ Georgiaboy") is dropped
            said = False
        norm = normalize(line.text)
        if _COMMENTS_HEADER.match(line.text):
            mode, footer, line.role = "comment", False, "drop"
            group, said = group + 1, False
            continue
        if mode == "comment" and (m := _COMMENTER.match(line.text)):
            if said:  # "X says:" with no list marker: a new comment starts
                group, said = group + 1, False
            speakers[group] = m.group("name").strip()
            line.role = "drop"
            continue
        if mode == "comment" and _STAMP.match(line.text):  # "March 3, 2022 at 5:12 pm" under a name
            line.role = "drop"
            continue
        if footer or norm == title_norm or _is_boilerplate(line.text):
            footer = footer or bool(_FOOTER.match(line.text))
            line.role = "drop"
            continue
        if _FOOTER.match(line.text):
            footer, line.role = True, "drop"
            continue
        if mode != "comment" and _NOTE_HEADER.match(line.text):
            mode, line.role = "note", "drop"
            group += 1
            continue
        if kept.repeats(norm):
            line.role = "drop"
            continue
        kept.add(norm)
        line.kind = mode
        if mode == "article" and (
            _TRANSLATED_FROM.search(line.text) or (poster_names and line.text.endswith(tuple(poster_names)))
        ):
            line.kind = "note"  # the translator's or the re-poster's own words
            group += 1
        line.group = group if line.kind != "article" else 0
        if line.kind == "comment":
            said = True
    for line in lines:
        if line.kind == "comment":
            line.speaker = speakers.get(line.group)


class _Kept:
    """Lines kept so far, for duplicate detection in time linear in the page: exact lines, kept lines
    by their first 60 characters (a truncated copy shares them), and long lines by a bottom-4 sketch
    of their word 3-shingles (two lines with Jaccard similarity >= 0.85 almost surely share one of
    those hashes, so each line is compared with a handful of others, not all)."""

    _PREFIX = 60
    _BUCKET = 32

    def __init__(self) -> None:
        self.exact: set[str] = set()
        self.by_prefix: dict[str, list[str]] = {}
        self.by_sketch: dict[int, list[set[tuple[str, ...]]]] = {}

    def add(self, norm: str) -> None:
        self.exact.add(norm)
        if len(norm) >= self._PREFIX:
            self.by_prefix.setdefault(norm[: self._PREFIX], []).append(norm)
        if len(norm) >= 80:
            shingles = _shingles(norm)
            for h in _sketch(shingles):
                bucket = self.by_sketch.setdefault(h, [])
                if len(bucket) < self._BUCKET:  # a hash shared by many lines says little: bounded work
                    bucket.append(shingles)

    def repeats(self, norm: str) -> bool:
        """Exact or near duplicate of a kept line, including a truncated copy ("... have already........")."""
        if norm in self.exact:
            return True
        stripped = norm.rstrip(". …")
        if len(stripped) >= self._PREFIX and any(
            s.startswith(stripped) for s in self.by_prefix.get(stripped[: self._PREFIX], ())[: self._BUCKET]
        ):
            return True
        if len(norm) < 80:
            return False
        mine = _shingles(norm)
        return any(
            len(mine & other) / max(1, len(mine | other)) >= 0.85
            for h in _sketch(mine)
            for other in self.by_sketch.get(h, ())
        )


def _sketch(shingles: set[tuple[str, ...]], k: int = 4) -> list[int]:
    return sorted(hash(s) for s in shingles)[:k]


def _shingles(norm: str, n: int = 3) -> set[tuple[str, ...]]:
    tokens = norm.split()
    return {tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))}


def _segments(text: str, lines: list[_Line], meta: _Meta) -> list[Segment]:
    bracket_notes = any(_BRACKET_CONVENTION.search(line.text) for line in lines)
    segments: list[Segment] = []
    next_group = max((line.group for line in lines), default=0) + 1
    for line in lines:
        if line.role == "drop" or line.role == "title":
            continue
        if line.kind != "article":
            segments.append(Segment(line.start, line.end, line.kind, line.group, line.speaker))
            continue
        # Square-bracketed asides inside the article's text are the translator's/editor's voice when the
        # page says so, or when they are sentence-long; short ones ("the whole [Eurasian] continent") are
        # editorial clarifications of a quote and stay part of it.
        cursor = line.start
        for m in _BRACKETED.finditer(text, line.start, line.end):
            if not (bracket_notes or len(m.group().split()) >= 4):
                continue
            before = trim(text, cursor, m.start())
            if before[1] > before[0]:
                segments.append(Segment(*before, "article", 0))
            segments.append(Segment(m.start(), m.end(), "note", next_group))
            next_group += 1
            cursor = m.end()
        rest = trim(text, cursor, line.end)
        if rest[1] > rest[0] and any(ch.isalnum() for ch in text[rest[0] : rest[1]]):
            segments.append(Segment(*rest, "article", 0))
    return segments


# --- files --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why (shown to the user)."""

    source: str
    reason: str


def read_source(path: Path, max_bytes: int) -> str:
    """The file's text as `decode` reads it, newlines made "\n" (offsets refer to this text; the index
    keeps a copy, so citations never depend on decoding the file again).

    Raises CorpusError with a user-facing reason for files that cannot be indexed."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise CorpusError(
            f"unsupported file type '{path.suffix or '(none)'}': save the article as .txt, .md, .html or .pdf"
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise CorpusError(f"too large ({size:,} bytes; the limit is {max_bytes:,}): split it into articles")
    return decode(path.read_bytes())


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM begins the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_COMMON = ("cp1252", "latin_1", "iso8859_15", "cp1250", "cp1251", "mac_roman")


def decode(raw: bytes) -> str:
    """Text in any encoding: a UTF-16/32 byte-order mark, else UTF-8, else what charset-normalizer
    finds (Windows-1252, Latin-1, ...). Newlines become "\n", as `open()` would make them."""
    text = next((raw.decode(enc) for bom, enc in _BOMS if raw.startswith(bom)), None)
    if text is None:
        if b"\x00" in raw[:8192]:
            raise CorpusError("binary file, not text: save the article as text")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            results = list(from_bytes(raw))
            if not results:
                raise CorpusError("cannot tell which text encoding this file uses: save it as UTF-8") from None
            # Code pages often fit equally well (cp1250, cp1252, cp1257 on English with a few accents):
            # among the equally good, the most common one.
            best = results[0]
            tied = [r for r in results if (r.chaos, r.coherence) == (best.chaos, best.coherence)]
            text = str(min(tied, key=lambda r: _COMMON.index(r.encoding) if r.encoding in _COMMON else len(_COMMON)))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def corpus_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"The corpus folder {corpus_dir} does not exist: create it and add article files (.txt, .md, .html, "
            ".pdf), "
            "or point DOSSIER_CORPUS_DIR at your folder."
        )
    return sorted(p for p in corpus_dir.iterdir() if p.is_file() and not p.name.startswith("."))


def load_file(path: Path, max_bytes: int) -> tuple[str, list[Article]]:
    """Read and clean one file: its text and its articles. Raises CorpusError (with the reason) when
    it cannot be read or yields no article text."""
    text = read_source(path, max_bytes)
    articles = parse(path.name, text)
    if not articles:
        raise CorpusError("no article text found after removing page boilerplate")
    return text, articles
