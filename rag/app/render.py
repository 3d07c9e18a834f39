"""Presentation helpers shared by the views: an article as HTML with the cited span highlighted,
and answers/conversations as Markdown for copying and export."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence

from rag.app.keeper import BuildState
from rag.core.schema import KIND_LABELS, Answer, Article, Citation, Claim, Hit
from rag.index.build import BuildReport
from rag.lang.injection import instruction_like

PLANTED_LABEL = "text addressed to AI systems: an attempted instruction, ignored by Dossier"

# Every ASCII punctuation character CommonMark lets a backslash escape, minus the few that never
# start markup in running text (, ; ? ' " / @ % ^). Escaping ":" breaks Streamlit's
# ":red-background[...]" directives, ":emoji:" codes and bare "http://" links alike.
_MARKUP = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:&=])")


# GFM turns bare URLs, "www." and e-mail addresses into links *after* escapes are resolved, so an
# invisible word joiner (U+2060) goes where its patterns need a letter: after "://", between "www"
# and ".", after "@".
_AUTOLINK = re.compile(r"(?<=://)|(?<=\bwww)(?=\.)|(?<=@)(?=\w)", re.IGNORECASE)


def widget_key(kind: str, *parts: object) -> str:
    """A widget key for ids and names of any form: a digest, never the raw text (Streamlit refuses
    some sequences, "__" among them, in component keys, and a name may hold anything)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}-{digest[:24]}"


def plain(text: str) -> str:
    """`text` (an article's words, a file name, a question, a model's output) as Markdown that shows
    exactly those characters: no link, image, heading, directive, HTML or formula can come out of it.
    Every view renders untrusted text through this one function."""
    return _MARKUP.sub(r"\\\1", _AUTOLINK.sub("\u2060", re.sub(r"\s+", " ", text)))


def byline(author: str | None, date: str | None, *extra: str, sep: str = " · ") -> str:
    """The credit line of an article or citation; "undated" when the page states no date."""
    return sep.join(x for x in (author, date or "undated", *extra) if x)


def article_html(text: str, article: Article, highlight: tuple[int, int] | None = None) -> str:
    """The article's kept text, paragraph by paragraph, comments and notes labelled once each (a
    comment's paragraphs share one label), the span `highlight` (offsets into `text`) wrapped in
    <mark id="cited">. Styling is by class only (`kind`, `comment`, `note`, `planted`, `credits`), so
    the view's stylesheet can follow a light or dark theme. Every piece of the article is escaped."""
    parts: list[str] = []
    previous: tuple[str, int] | None = None
    for seg in article.segments:
        body = _marked(text, seg.start, seg.end, highlight)
        label = ""
        if seg.kind != "article" and (seg.kind, seg.group) != previous:
            who = f" by {seg.speaker}" if seg.speaker else ""
            label = f'<span class="kind">{html.escape(KIND_LABELS[seg.kind] + who)}</span> '
        classes = seg.kind
        if instruction_like(text[seg.start : seg.end]):
            label += f'<span class="kind planted">{PLANTED_LABEL}</span> '
            classes += " planted"
        parts.append(f'<p class="{classes}">{label}{body}</p>')
        previous = (seg.kind, seg.group)
    credit = html.escape(byline(article.author, article.date, article.publisher or "", article.source))
    # The lines the author and date were read from, verbatim, when a citation of "who wrote it"
    # points there; otherwise the byline says it (a page's "QOSHE - <title> - <author>" line would
    # only repeat the title).
    in_body = [(seg.start, seg.end) for seg in article.segments]
    credits = "<br>".join(
        _marked(text, s, e, highlight)
        for s, e in article.credits
        if not any(a < e and s < b for a, b in in_body)  # a credit kept as text is shown there
        and highlight is not None
        and highlight[0] < e
        and s < highlight[1]
    )
    if credits:
        credits = f'<p class="credits">{credits}</p>'
    return (
        f"<article><h3>{html.escape(article.title)}</h3>"
        f'<p class="byline">{credit}</p>{credits}{"".join(parts)}</article>'
    )


def _marked(text: str, start: int, end: int, highlight: tuple[int, int] | None) -> str:
    if highlight is None or highlight[1] <= start or highlight[0] >= end:
        return html.escape(text[start:end])
    a, b = max(start, highlight[0]), min(end, highlight[1])
    mark_id = ' id="cited"' if a == highlight[0] else ""
    return (
        html.escape(text[start:a])
        + f'<mark{mark_id} class="cited">{html.escape(text[a:b])}</mark>'
        + html.escape(text[b:end])
    )


def answer_view(answer: Answer) -> dict[str, object]:
    """What a view needs to draw an answer with citation chips, as plain data (never markup: the
    browser side puts every string in as text). Each claim is a list of (text, is_answer_phrase)
    pieces with its citation numbers; each citation carries what its hover card shows."""
    claims = answer.claims or (Claim(answer.text, ()),)
    return {
        "claims": [
            {
                "pieces": _pieces(c),
                "citations": list(c.citations),
                "supported": c.supported,
            }
            for c in claims
        ],
        "citations": {
            str(c.n): {
                "heading": citation_heading(c),
                "meta": byline(None if c.kind != "article" else c.author, c.date, c.publisher or "", sep=" · "),
                "quote": c.quote,
            }
            for c in answer.citations
        },
        "markdown": answer_markdown(answer),
    }


def _pieces(claim: Claim) -> list[tuple[str, bool]]:
    if claim.answer is None:
        return [(claim.text, False)]
    a, b = claim.answer
    return [(t, bold) for t, bold in ((claim.text[:a], False), (claim.text[a:b], True), (claim.text[b:], False)) if t]


def citation_heading(c: Citation) -> str:
    """Whose words a citation quotes: the article's title, or "Reader comment on “title”" (a
    reader's words are never credited to the article's author)."""
    if c.kind == "article":
        return c.title
    who = f" by {c.speaker}" if c.speaker else ""
    return f"{KIND_LABELS[c.kind].capitalize()}{who} on “{c.title}”"


# all-MiniLM-L6-v2 cosine between the question and a passage: above HIGH the passage is about what
# was asked, below MEDIUM it merely shares some words (read off the seed question set's hits).
RELEVANCE_HIGH, RELEVANCE_MEDIUM = 0.5, 0.35


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def build_line(state: BuildState) -> str:
    """A running build in plain words: what it is for, how far, how long is left."""
    if state.stage == "Embedding":
        step = f"{state.done:,} of {state.total:,} passages"
    elif state.stage:
        step = f"reading {state.done:,} of {state.total:,} files"
    else:
        step = "starting"
    left = f" · about {_duration(state.seconds_left)} left" if state.seconds_left else ""
    return f"{state.reason.rstrip('…')}: {step}{left}"


def build_notices(report: BuildReport | None, error: str | None) -> list[tuple[str, str]]:
    """What a finished build did, as ("ok" | "error", a sentence) for the user: why it failed, the
    files it skipped and why, and the index it made."""
    notices = [("error", error)] if error else []
    if report is not None:
        notices += [("error", f"Skipped {k.source}: {k.reason}") for k in report.skipped]
        notices.append(("ok", f"Index ready: {report.summary()}"))
    return notices


def filter_scope(titles: Sequence[str], date_from: str | None, date_to: str | None) -> str | None:
    """What a filtered search was restricted to, in words for the answer's caption ("“A”, “B” and
    articles dated 2014-01-01 to 2014-12-31"); None for a search of every article."""
    scope = []
    if titles:
        scope.append(", ".join(f"“{t}”" for t in titles))
    if date_from and date_to:
        scope.append(f"articles dated {date_from} to {date_to}")
    return " and ".join(scope) or None


def relevance(hit: Hit, cited: bool = False) -> str:
    """How relevant a retrieved passage is, in words: "cited" (the answer quotes it), else high,
    medium or low by its meaning's closeness to the question."""
    if cited:
        return "cited"
    if hit.dense is None:
        return "keyword match"
    return "high" if hit.dense >= RELEVANCE_HIGH else "medium" if hit.dense >= RELEVANCE_MEDIUM else "low"


def by_article(citations: Sequence[Citation]) -> list[list[Citation]]:
    """Citations grouped by article (source file and title), in order of first citation: one source
    card per article, listing its cited passages."""
    groups: dict[tuple[str, str], list[Citation]] = {}
    for c in citations:
        groups.setdefault((c.source, c.title), []).append(c)
    return list(groups.values())


def markdown_text(text: str) -> str:
    """`text` for Markdown that is copied or exported (not drawn by Streamlit): escaped only where a
    character would start markup in its position, so pasted answers read "sanctions. [1]" and
    "$400-billion", not "sanctions\\. \\[1\\]". Links, images, HTML, code, emphasis, headings, lists,
    references, entities, Streamlit directives and bare URLs still cannot come out of it."""
    text = _AUTOLINK.sub("\u2060", re.sub(r"\s+", " ", text)).strip()
    text = re.sub(r"[\\`*~<]", r"\\\g<0>", text)  # active wherever they stand
    text = re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)  # an underscore that can open or close emphasis
    text = re.sub(r"!(?=\[)", r"\\!", text)  # an image
    text = re.sub(r"\[(?=[^\]]*\][(\[:])", r"\\[", text)  # a bracket that opens a link or reference
    text = re.sub(r"\](?=[(\[:])", r"\\]", text)
    text = re.sub(r"(:[A-Za-z-]+)\[", r"\1\\[", text)  # :red[...] and the like
    text = re.sub(r"&(?=#?\w+;)", r"\\&", text)  # an entity
    return re.sub(
        r"^([#>+\-=|]|\[)|^(\d+)([.)])",
        lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}",
        text,
    )


def answer_markdown(answer: Answer) -> str:
    """The answer and its sources as Markdown; every piece of article or model text through
    `markdown_text`."""
    text = answer.text
    if answer.abstained:  # the page lists the closest passages; a copy or an export does not
        text = text.replace(" The closest passages are listed below.", "")
    lines = [markdown_text(text), ""]
    if answer.citations:
        lines.append("**Sources**")
        lines.append("")
        for c in answer.citations:
            meta = byline(c.author, c.date, c.publisher or "", KIND_LABELS[c.kind], sep=", ")
            lines.append(
                f"- \\[{c.n}\\] *{markdown_text(c.title)}* ({markdown_text(meta)}), {markdown_text(c.source)} "
                f"chars {c.start}-{c.end}: “{markdown_text(c.quote)}”"
            )
    return "\n".join(lines).rstrip() + "\n"


def export_name(title: str, when: str) -> str:
    """A file name for a conversation's export: its title and date, safe on any file system
    ("dossier-which-chinese-bank-stopped-2026-11-30.md")."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    if len(slug) > 40:
        slug = slug[:41].rsplit("-", 1)[0]  # whole words only
    slug = slug or "conversation"
    return f"dossier-{slug}-{when}.md"


def conversation_markdown(messages: Sequence[tuple[str, str | Answer]]) -> str:
    """`messages` are (role, text or Answer) pairs, oldest first."""
    out = ["# Dossier conversation", ""]
    for role, content in messages:
        if isinstance(content, Answer):
            out += ["## Dossier", "", answer_markdown(content)]
        else:
            out += [f"## {'You' if role == 'user' else 'Dossier'}", "", markdown_text(content), ""]
    return "\n".join(out)
