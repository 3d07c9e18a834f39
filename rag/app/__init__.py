"""What the views call: the assistant facade (`assistant`: load once, ask), the index kept up to date
by builds on their own thread (`keeper`), saved conversations (`conversations`, SQLite), and
rendering untrusted text safely (`render`)."""

from rag.app.assistant import Assistant, CatalogEntry, Retrieval, clean_question, open_engine
from rag.app.conversations import Conversations, Message, shorten
from rag.app.keeper import BuildState, IndexKeeper, keeper_for
from rag.app.render import (
    PLANTED_LABEL,
    answer_view,
    article_html,
    build_line,
    build_notices,
    by_article,
    byline,
    citation_heading,
    conversation_markdown,
    export_name,
    filter_scope,
    markdown_text,
    plain,
    relevance,
    widget_key,
)

__all__ = [
    "Assistant",
    "BuildState",
    "CatalogEntry",
    "Conversations",
    "IndexKeeper",
    "Message",
    "PLANTED_LABEL",
    "Retrieval",
    "answer_view",
    "article_html",
    "build_line",
    "build_notices",
    "by_article",
    "byline",
    "citation_heading",
    "clean_question",
    "conversation_markdown",
    "export_name",
    "filter_scope",
    "keeper_for",
    "markdown_text",
    "open_engine",
    "plain",
    "relevance",
    "shorten",
    "widget_key",
]
