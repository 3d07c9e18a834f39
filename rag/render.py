"""Presentation helpers shared by the views: an article as HTML with the cited span highlighted,
and answers/conversations as Markdown for copying and export."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from .injection import instruction_like
from .schema import KIND_LABELS, Answer, Article, Citation, Hit

PLANTED_LABEL = "text addressed to AI systems: an attempted instruction, ignored by Dossier"

_KIND_STYLE = {
    "article": "",
    "comment": "background:#f3f0ff;border-left:3px solid #8b7fd6;padding-left:.5em;",
    "note": "background:#fff7e0;border-left:3px solid #d8a200;padding-left:.5em;",
}


# Every ASCII punctuation character CommonMark lets a backslash escape, minus the few that never
# start markup in running text (, ; ? ' " / @ % ^). Escaping ":" breaks Streamlit's
# ":red-background[...]" directives, ":emoji:" codes and bare "http://" links alike.
_MARKUP = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:&=])")


# GFM turns bare URLs, "www." and e-mail addresses into links *after* escapes are resolved, so an
# invisible word joiner (U+2060) goes where its patterns need a letter: after "://", between "www"
# and ".", after "@".
_AUTOLINK = re.compile(r"(?<=://)|(?<=\bwww)(?=\.)|(?<=@)(?=\w)", re.IGNORECASE)


def plain(text: str) -> str:
    """`text` (an article's words, a file name, a question, a model's output) as Markdown that shows
    exactly those characters: no link, image, heading, directive, HTML or formula can come out of it.
    Every view renders untrusted text through this one function."""
    return _MARKUP.sub(r"\\\1", _AUTOLINK.sub("\u2060", re.sub(r"\s+", " ", text)))


def byline(author: str | None, date: str | None, *extra: str, sep: str = " · ") -> str:
    """The credit line of an article or citation; "undated" when the page states no date."""
    return sep.join(x for x in (author, date or "undated", *extra) if x)


def article_html(text: str, article: Article, highlight: tuple[int, int] | None = None) -> str:
    """The article's kept text, paragraph by paragraph, comments and notes styled and labelled, the
    span `highlight` (offsets into `text`) wrapped in <mark id="cited">."""
    parts: list[str] = []
    previous_kind = None
    for seg in article.segments:
        body = _marked(text, seg.start, seg.end, highlight)
        label = ""
        if seg.kind != "article" and (seg.kind != previous_kind or seg.kind == "comment"):
            label = f'<span class="kind">{KIND_LABELS[seg.kind]}</span> '
        style = _KIND_STYLE[seg.kind]
        if instruction_like(text[seg.start : seg.end]):
            label += f'<span class="kind planted">{PLANTED_LABEL}</span> '
            style += "border-left:3px solid #c0392b;padding-left:.5em;"
        parts.append(f'<p class="{seg.kind}" style="{style}">{label}{body}</p>')
        previous_kind = seg.kind
    credit = html.escape(byline(article.author, article.date, article.source))
    # The lines the author and date were read from, verbatim: a citation of "who wrote it" points here.
    in_body = [(seg.start, seg.end) for seg in article.segments]
    credits = "<br>".join(
        _marked(text, s, e, highlight)
        for s, e in article.credits
        if not any(a < e and s < b for a, b in in_body)  # a credit kept as text is shown there
    )
    if credits:
        credits = f'<p class="credits" style="color:#888;font-size:.8em">{credits}</p>'
    return (
        f'<article><h3 style="margin-top:0">{html.escape(article.title)}</h3>'
        f'<p style="color:#666;font-size:.9em">{credit}</p>{credits}{"".join(parts)}</article>'
    )


def _marked(text: str, start: int, end: int, highlight: tuple[int, int] | None) -> str:
    if highlight is None or highlight[1] <= start or highlight[0] >= end:
        return html.escape(text[start:end])
    a, b = max(start, highlight[0]), min(end, highlight[1])
    mark_id = ' id="cited"' if a == highlight[0] else ""
    return (
        html.escape(text[start:a])
        + f'<mark{mark_id} class="cited" style="background:#ffe066;padding:0 .1em">{html.escape(text[a:b])}</mark>'
        + html.escape(text[b:end])
    )


def emphasised(answer: Answer, escape: Callable[[str], str]) -> str | None:
    """The answer as Markdown with each claim's answer phrase in bold ("fell **45 percent**"), every
    piece of article text passed through `escape`; None when no claim marks a phrase."""
    if not any(c.answer for c in answer.claims):
        return None
    parts = []
    for c in answer.claims:
        if c.answer is not None:
            a, b = c.answer
            body = f"{escape(c.text[:a])}**{escape(c.text[a:b])}**{escape(c.text[b:])}"
        else:
            body = escape(c.text)
        parts.append(f"{body} {' '.join(f'[{n}]' for n in c.citations)}".strip())
    return " ".join(parts)


# all-MiniLM-L6-v2 cosine between the question and a passage: above HIGH the passage is about what
# was asked, below MEDIUM it merely shares some words (read off the seed question set's hits).
RELEVANCE_HIGH, RELEVANCE_MEDIUM = 0.5, 0.35


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


def answer_markdown(answer: Answer) -> str:
    """The answer and its sources as Markdown; every piece of article or model text through `plain`."""
    lines = [plain(answer.text), ""]
    if answer.citations:
        lines.append("**Sources**")
        lines.append("")
        for c in answer.citations:
            meta = byline(c.author, c.date, c.publisher or "", KIND_LABELS[c.kind], sep=", ")
            lines.append(
                f"- \\[{c.n}\\] *{plain(c.title)}* ({plain(meta)}), {plain(c.source)} "
                f"chars {c.start}-{c.end}: “{plain(c.quote)}”"
            )
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(messages: Sequence[tuple[str, str | Answer]]) -> str:
    """`messages` are (role, text or Answer) pairs, oldest first."""
    out = ["# Dossier conversation", ""]
    for role, content in messages:
        if isinstance(content, Answer):
            out += ["## Dossier", "", answer_markdown(content)]
        else:
            out += [f"## {'You' if role == 'user' else 'Dossier'}", "", plain(content), ""]
    return "\n".join(out)
