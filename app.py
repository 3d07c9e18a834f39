"""Dossier's browser chat: `streamlit run app.py`. A thin view over `rag/`: it holds the
conversation and the widgets; retrieval, answering, citations and ingestion live in the library."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path

import streamlit as st

from rag.answer import describe
from rag.app import (
    PLANTED_LABEL,
    Assistant,
    CatalogEntry,
    Conversations,
    IndexKeeper,
    Message,
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
    keeper_for,
    plain,
    relevance,
    shorten,
    widget_key,
)
from rag.core import (
    ANSWERERS,
    KIND_LABELS,
    Answer,
    Citation,
    DossierError,
    IndexError_,
    IndexMissing,
    IndexOutdated,
    Settings,
    Turn,
    advice,
    public_url,
)
from rag.ingest import ACCEPTED, add_pages, remove_file, upload_outcome
from rag.search import Filters

st.set_page_config(page_title="Dossier", page_icon="🗞️", layout="wide")
SETTINGS = Settings.from_env()
if not SETTINGS.host_allowed(st.context.headers.get("Host", "")):
    # Nothing is drawn for a page reached under another name (DNS rebinding from a malicious site).
    st.error("This address is not one Dossier answers to. The operator can add it to DOSSIER_ALLOWED_HOSTS.")
    st.stop()
# Quotes in full contrast: Streamlit draws block quotes at 60% opacity (under 4.5:1 on white).
st.html("<style>[data-testid='stMarkdownContainer'] blockquote { opacity: 1; }</style>")

# Two custom views (Streamlit components v2: in the page, themed by its --st-* colours): an answer
# whose citation markers are chips, and an article with the cited span highlighted.
_UI = Path(__file__).parent / "ui"
_answer_view = st.components.v2.component(
    "dossier_answer",
    html='<div class="dossier-answer"></div>',
    css=(_UI / "answer.css").read_text(encoding="utf-8"),
    js=(_UI / "answer.js").read_text(encoding="utf-8"),
)
_article_view = st.components.v2.component(
    "dossier_article",
    html='<div class="dossier-article"></div>',
    css=(_UI / "article.css").read_text(encoding="utf-8"),
    js=(_UI / "article.js").read_text(encoding="utf-8"),
)


# --- shared, read-only resources ----------------------------------------------------------------


def keeper() -> IndexKeeper:
    """The index's keeper (builds run on its thread, never in a visitor's run), shared by every session."""
    return keeper_for(SETTINGS)


@st.cache_resource(show_spinner=False)
def _saved_conversations() -> Conversations | DossierError:
    try:
        return Conversations(SETTINGS.data_dir / "conversations.sqlite3")
    except DossierError as e:
        return e


def conversations() -> Conversations | None:
    """The saved conversations; None when the data folder is not writable (the sidebar says so)."""
    saved = _saved_conversations()
    return saved if isinstance(saved, Conversations) else None


def current_assistant() -> Assistant | None:
    """The assistant for the live index; None while the first index is built (the page then shows
    the build's progress and waits). A damaged index, or one of another model, raises IndexError_."""
    k = keeper()
    try:
        with st.spinner("Loading the index…"):
            assistant = k.assistant()
    except IndexMissing:
        if not k.state().running:  # (again after a failure: the page was reloaded to retry)
            state.awaiting = k.request("First start: indexing the articles, once")
        return None
    except IndexOutdated:
        if not k.state().running:
            state.awaiting = k.request(
                "This version of Dossier stores the index differently: indexing the articles again", full=True
            )
        return None
    k.check_once()
    return assistant


def live_generation() -> str | None:
    try:
        return keeper().generation()
    except DossierError:
        return None


@st.fragment(run_every=1.0)
def build_progress(first: bool, seen: str | None = None) -> None:
    """The running build's progress, redrawn every second. The whole page is drawn again when what
    it waits for is there: a first usable index (`first`: any generation other than `seen`, the
    missing or outdated one), or the end of the build this session asked for."""
    s = keeper().state()
    if s.running:
        st.progress(s.fraction, text=plain(build_line(s)))
        if not first:
            st.caption("Questions are answered from the articles indexed so far.")
    elif s.error and first:
        st.error(plain(s.error))
    awaited = state.get("awaiting")
    if first:
        if live_generation() != seen or not (s.running or s.error):
            st.rerun()
    elif awaited is not None and s.finished >= awaited:
        st.rerun()


def build_outcome() -> None:
    """What the build this session asked for did, once it has ended: skipped files, failures."""
    awaited = state.get("awaiting")
    if awaited is None or keeper().state().finished < awaited:
        return
    state.awaiting = None
    state.notices += build_notices(*keeper().outcome(awaited))


# --- per-session state --------------------------------------------------------------------------

state = st.session_state
state.setdefault("messages", [])  # the conversation on screen: rag.app.conversations.Message, oldest first
state.setdefault("conversation", None)  # its id in the saved conversations (also the URL's ?c=)
state.setdefault("uploader", 0)
state.setdefault("notices", [])
PAGE = 40  # messages drawn at once
state.setdefault("shown", PAGE)


OWNER_COOKIE = "dossier_owner"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def owner() -> str:
    """Whose conversations this visitor sees: the signed-in user (`st.login`, when the operator set up
    sign-in) or this browser, by a random token kept in a cookie. Conversations saved before owners
    existed go to the first browser to open the app."""
    if "owner" not in state:
        user = st.user
        if user.get("is_logged_in") is True:
            state.owner = f"user:{user.get('sub') or user.get('email')}"
        else:
            token = st.context.cookies.get(OWNER_COOKIE)
            state.owner = token if isinstance(token, str) and _TOKEN.fullmatch(token) else secrets.token_urlsafe(32)
        if (saved := conversations()) is not None:
            try:
                saved.adopt(state.owner)
            except DossierError:
                pass  # the sidebar reports an unusable conversations file
        # The browser keeps the token: written once per session, and only when it lacks it.
        if not state.owner.startswith("user:") and st.context.cookies.get(OWNER_COOKIE) != state.owner:
            st.html(  # the token is URL-safe base64: nothing to escape
                f"<script>document.cookie = '{OWNER_COOKIE}={state.owner}; path=/; max-age=31536000; "
                "SameSite=Strict' + (location.protocol === 'https:' ? '; Secure' : '');</script>",
                unsafe_allow_javascript=True,
            )
    return state.owner


def sign_in() -> None:
    """Sign-in for teams, when the operator configured `[auth]` in `.streamlit/secrets.toml`
    (Streamlit's OIDC, `st.login`): each user then has their conversations on any browser."""
    if not (st.secrets.load_if_toml_exists() and "auth" in st.secrets):
        return
    if st.user.get("is_logged_in") is True:
        st.caption(plain(f"Signed in as {st.user.get('name') or st.user.get('email') or 'you'}"))
        st.button("Sign out", on_click=st.logout, use_container_width=True)
    else:
        st.button(
            "Sign in", on_click=st.login, use_container_width=True, help="Keep your conversations across browsers"
        )


def history() -> list[Turn]:
    return [Turn(m.role, m.answer.text if m.answer else m.content) for m in state.messages if not m.error]


def remember(message: Message) -> None:
    """Show `message` from now on and save it; the first question starts a saved conversation, and
    the first one asked in a conversation shared by link continues it in a copy of one's own."""
    state.messages.append(message)
    saved = conversations()
    if saved is None:
        return
    try:
        if state.conversation is None:
            state.conversation = saved.start(message.content, owner())
        elif not saved.owns(state.conversation, owner()):
            state.conversation = saved.fork(state.conversation, owner())
        st.query_params["c"] = state.conversation
        saved.add(state.conversation, message, owner())
    except DossierError as e:  # the chat goes on; only the saving failed
        st.warning(plain(f"{e} This conversation is shown but may be lost on reload."))


def open_conversation(cid: str | None) -> None:
    """Show the saved conversation `cid` (None: a new, empty one); the URL names it, so a reload
    or a shared link reopens it."""
    saved = conversations()
    state.conversation, state.messages, state.shown = None, [], PAGE
    if cid and saved is not None:
        if saved.get(cid) is None:
            state.notices = [("error", "That conversation is no longer saved (it was deleted). A new one starts.")]
        else:
            state.conversation, state.messages = cid, saved.messages(cid)
    if state.conversation:
        st.query_params["c"] = state.conversation
    else:
        st.query_params.pop("c", None)


def follow_url() -> None:
    """After a reload (a new session) or a link, the conversation the URL names."""
    cid = st.query_params.get("c")
    if cid != state.conversation and not (cid is None and state.messages):
        open_conversation(cid)


# --- dialogs ------------------------------------------------------------------------------------


def _scrolling_article(assistant: Assistant, source: str, start: int, end: int | None) -> None:
    article = assistant.index.article_at(source, start)
    if article is None:
        st.error(plain(f"{source} is no longer in the index: it was removed or changed. Re-run the question."))
        return
    body = article_html(assistant.index.text(source), article, (start, end) if end is not None else None)
    _article_view(data={"html": body}, key=widget_key("article", source, start, end))


@st.dialog("Source", width="large")
def show_citation(citation: Citation) -> None:
    meta = byline(citation.author if citation.kind == "article" else None, citation.date, citation.publisher or "")
    st.markdown(f"**\\[{citation.n}\\] {plain(citation_heading(citation))}**  \n{plain(meta)}")
    _scrolling_article(keeper().assistant(), citation.source, citation.start, citation.end)


@st.dialog("Article", width="large")
def show_article(source: str, start: int) -> None:
    _scrolling_article(keeper().assistant(), source, start, None)


@st.dialog("Passage", width="large")
def show_passage(source: str, start: int, end: int) -> None:
    _scrolling_article(keeper().assistant(), source, start, end)


# --- rendering ----------------------------------------------------------------------------------


def render_answer(answer: Answer, key: str, show_scores: bool, scope: str | None = None) -> None:
    if scope:
        st.caption(plain(f"Searched only {scope}."))
    if answer.abstained:
        st.info(plain(answer.text))
    else:
        chosen = _answer_view(data=answer_view(answer), key=widget_key("answer", key), on_open_change=lambda: None)
        opened = {c.n: c for c in answer.citations}.get(chosen.open)  # a citation chip was clicked
        if opened:
            show_citation(opened)
    if answer.notice:
        st.warning(plain(on_screen(answer.notice)))
    if answer.citations:
        st.markdown("**Sources**")
        for group in by_article(answer.citations):  # one card per article, its cited passages inside
            first = group[0]
            with st.container(border=True):
                outlet = byline(None, first.date, first.publisher or "", sep=" · ")
                st.markdown(f"**{plain(first.title)}**  \n{plain(outlet)}")
                for c in group:
                    cols = st.columns([0.86, 0.14])
                    voice = "" if c.kind == "article" else f"*{KIND_LABELS[c.kind].capitalize()}:* "
                    cols[0].markdown(f"**\\[{c.n}\\]** {voice}  \n> {plain(c.quote)}")
                    if cols[1].button("Open", key=widget_key("open", key, c.n), help="Show the passage in the article"):
                        show_citation(c)
                with st.expander("Details"):
                    st.caption(plain(byline(first.author, first.date, first.publisher or "", first.source)))
                    for c in group:
                        st.caption(plain(f"[{c.n}] characters {c.start}–{c.end} of {c.source}"))
    label = "Closest passages" if answer.abstained else "Retrieved passages"
    cited = {(c.source, c.start) for c in answer.citations}
    with st.expander(f"{label} ({len(answer.retrieved)})", expanded=False):
        for rank, hit in enumerate(answer.retrieved, 1):
            p = hit.passage
            used = any(s == p.source and p.start <= start < p.end for s, start in cited)
            scores = f" · relevance: **{relevance(hit, used)}**"
            if show_scores:
                parts = [f"fused {hit.score:.4f}"]
                if hit.dense is not None:
                    parts.append(f"cosine {hit.dense:.3f}")
                if hit.lexical is not None:
                    parts.append(f"BM25 {hit.lexical:.2f}")
                scores = " · " + ", ".join(parts)
            if p.instruction:
                scores += f" · ⚠ {plain(PLANTED_LABEL)}"
            cols = st.columns([0.86, 0.14])
            cols[0].markdown(
                f"**{rank}\\.** {plain(p.title)} · {KIND_LABELS[p.kind]}{scores}  \n"
                f"{plain(p.text[:400])}{'…' if len(p.text) > 400 else ''}"
            )
            if cols[1].button("Open", key=widget_key("passage", key, rank), help="Show this passage in its article"):
                show_passage(p.source, p.start, p.end)
    if answer.timings_ms:
        st.caption(f"{answer.timings_ms.get('total_ms', 0):.0f} ms · searched for: {plain(answer.search_query)}")


# --- the page -----------------------------------------------------------------------------------


def sidebar(assistant: Assistant) -> tuple[Filters | None, str | None, int, str, Settings | None, bool]:
    with st.sidebar:
        st.title("Dossier")
        sign_in()
        if st.button("New conversation", use_container_width=True, help="The current one stays saved below"):
            open_conversation(None)
            st.rerun()
        # Filled at the end of the run, so they hold the answer this run adds and the conversation it started.
        state.export_slot = st.empty()
        state.list_slot = st.empty()

        catalog = assistant.catalog()
        st.subheader(f"Articles ({len(catalog)})")
        labels = {f"{e.article.title} ({e.article.source})": e.article.id for e in catalog}
        chosen = st.multiselect("Ask only about", list(labels), placeholder="All articles", key="filter-articles")
        dated = [e.article.date for e in catalog if e.article.date]
        use_dates = st.checkbox("Restrict to a date range", disabled=not dated, key="filter-dates")
        date_from = date_to = None
        if use_dates and dated:
            lo, hi = dt.date.fromisoformat(min(dated)), dt.date.fromisoformat(max(dated))
            picked = st.date_input("Published between", (lo, hi))
            if isinstance(picked, tuple) and len(picked) == 2:
                date_from, date_to = picked[0].isoformat(), picked[1].isoformat()
            st.caption("Undated articles are left out while a date range is on.")
        article_list(assistant, catalog)

        st.subheader("Add articles")
        uploads = st.file_uploader(
            "Text, Markdown, HTML or PDF",
            type=[s.lstrip(".") for s in ACCEPTED],
            accept_multiple_files=True,
            key=f"uploader-{state.uploader}",
        )
        if uploads and st.button("Add to the corpus", type="primary", use_container_width=True):
            add_files(uploads)
        with st.form("add-url", clear_on_submit=True, border=False):
            url = st.text_input("Or a web page or feed, by URL", placeholder="https://…")
            is_feed = st.checkbox("It is an RSS or Atom feed: add its articles")
            if st.form_submit_button("Fetch and add", use_container_width=True) and url.strip():
                add_from_url(url.strip(), is_feed)
        for kind, text in state.notices:
            (st.success if kind == "ok" else st.error)(plain(text))

        st.subheader("Settings")
        top_k = st.slider("Passages to answer from", 2, 12, SETTINGS.top_k)
        backend = st.selectbox(
            "Answer backend",
            ANSWERERS,
            index=ANSWERERS.index(SETTINGS.answerer),
            help="extractive: the articles' own sentences, needs nothing. openai: any OpenAI-compatible server "
            "(Ollama, vLLM, llama.cpp, LM Studio, a hosted API). local: a GGUF model file run inside Dossier "
            "(experimental). Every generated sentence is checked against its citation.",
        )
        llm = model_server(backend)
        show_scores = st.toggle("Show retrieval scores", value=False)

    filters = Filters(
        articles=frozenset(labels[c] for c in chosen) if chosen else None, date_from=date_from, date_to=date_to
    )
    titles = [e.article.title for e in catalog if filters.articles and e.article.id in filters.articles]
    scope = filter_scope(titles, date_from, date_to)
    return (filters if filters else None), scope, top_k, backend, llm, show_scores


LISTED = 20  # conversations listed at once; more on request


def conversation_list() -> None:
    """The saved conversations, newest first, searchable: open one, rename or delete the one on
    screen (a deletion can be undone)."""
    saved = _saved_conversations()
    if not isinstance(saved, Conversations):
        st.warning(plain(f"{saved} Until then, conversations are lost on reload."))
        return
    mine = bool(state.conversation) and saved.owns(state.conversation, owner())
    if state.conversation and not mine:
        st.info("Shared with you by its link: you can read this conversation; a question continues it in a copy.")
    if deleted := state.get("deleted"):
        cid, title = deleted
        if st.button(plain(f"Undo: bring back “{shorten(title, 40)}”"), key="undo-delete", use_container_width=True):
            try:
                saved.restore(cid, owner())
                open_conversation(cid)
            except DossierError as e:
                st.error(plain(str(e)))
            state.deleted = None
            st.rerun()
    search = state.get("conversation-search", "")
    limit = state.setdefault("listed", LISTED)
    recent = saved.recent(owner(), limit + 1, search)
    if not recent and not search:
        return
    st.subheader("Conversations")
    st.text_input("Search conversations", key="conversation-search", placeholder="Words from a question or an answer")
    if not recent:
        st.caption("No conversation has those words.")
    for c in recent[:limit]:
        when = dt.datetime.fromisoformat(c.updated).astimezone()
        if st.button(
            f"{plain(shorten(c.title, 60))} · {when:%d %b, %H:%M}",
            key=widget_key("conversation", c.id),
            help=plain(f"Started with: {c.title}. Last used {when:%d %B %Y, %H:%M}."),
            type="secondary" if c.id == state.conversation else "tertiary",  # the open one is framed
            use_container_width=True,
        ):
            open_conversation(c.id)
            st.rerun()
    if len(recent) > limit:
        st.button("Show more conversations", on_click=lambda: state.update(listed=limit + LISTED))
    if mine:
        with st.popover("Rename or delete this conversation", use_container_width=True):
            summary = saved.get(state.conversation)
            title = st.text_input("Name", summary.title if summary else "", key=widget_key("name", state.conversation))
            try:
                if st.button("Rename", key="rename-conversation"):
                    saved.rename(state.conversation, title, owner())
                    st.rerun()
                if st.button(
                    "Delete this conversation", key="delete-conversation", help="Undo stays offered for a day"
                ):
                    saved.delete(state.conversation, owner())
                    state.deleted = (state.conversation, summary.title if summary else "the conversation")
                    open_conversation(None)
                    st.rerun()
            except DossierError as e:
                st.error(plain(str(e)))


def clear_filters() -> None:
    state["filter-articles"] = []
    state["filter-dates"] = False


def search_everywhere(question: str) -> None:
    """Remove the filters and ask the same question again, of every article."""
    clear_filters()
    state.suggested = question


# The sidebar's names for the settings a visitor can change there: a message that names one of them
# (an `Advice`) names the field, not the environment variable behind it.
_FIELDS = {
    "llm_model": "the Model field",
    "llm_base_url": "the Server URL field",
    "llm_api_key": "the API key field",
    "local_model": "the GGUF model file field",
    "top_k": "'Passages to answer from'",
}


def on_screen(message: object) -> str:
    """`message` (an error, an Advice or text) naming the sidebar's fields when the visitor can change
    them (model-server settings not locked by the operator)."""
    if not message:
        return ""
    worded = advice(message)
    if SETTINGS.llm_locked:
        return worded.worded({"top_k": _FIELDS["top_k"]})
    return worded.worded(_FIELDS)


def model_server(backend: str) -> Settings | None:
    """The model-server settings of this session: the operator's when locked (shown, not editable);
    otherwise what the visitor types, under the rules of `Settings.for_visitor`."""
    if backend == "extractive":
        return None
    if SETTINGS.llm_locked:
        where = public_url(SETTINGS.llm_base_url) if backend == "openai" else "the GGUF file set by the operator"
        model = f" · model {SETTINGS.llm_model}" if backend == "openai" and SETTINGS.llm_model else ""
        st.caption(plain(f"Model server: {where}{model} (set by the operator)."))
        return SETTINGS
    try:
        if backend == "openai":
            return SETTINGS.for_visitor(
                base_url=st.text_input(
                    "Server URL",
                    public_url(SETTINGS.llm_base_url) if SETTINGS.llm_base_url else "",
                    placeholder="e.g. http://localhost:11434/v1",
                ),
                model=st.text_input("Model", SETTINGS.llm_model, placeholder="e.g. llama3.2"),
                api_key=st.text_input(
                    "API key",
                    type="password",
                    help="Kept in this session only. The operator's key is only ever sent to the operator's server.",
                ),
            )
        choices = ["", *SETTINGS.visitor_models()]
        return SETTINGS.for_visitor(
            local_model=st.selectbox(
                "GGUF model file",
                choices,
                format_func=lambda name: plain(name) if name else "SmolLM2-135M (experimental default)",
                help=plain(
                    f"The GGUF files in {SETTINGS.models_dir}. The tiny default model often answers wrongly; "
                    "Dossier flags what the articles do not support and falls back to the extractive answer."
                ),
            )
        )
    except DossierError as e:
        st.error(plain(str(e)))
        return SETTINGS


def add_files(uploads) -> None:  # type: ignore[no-untyped-def]
    notices = []
    added = 0
    progress = st.progress(0.0, text="Reading the files…")
    # Cancel: any click makes Streamlit stop this run between two files. What was saved by then is
    # indexed at the start of the next run (`index_pending`), so no saved file is left out.
    st.button("Cancel", key="cancel-upload", help="Stop after the current file; what was added is kept")
    state.index_pending = True
    for n, upload in enumerate(uploads, 1):
        progress.progress((n - 1) / len(uploads), text=f"Reading {upload.name} ({n} of {len(uploads)})…")
        kind, message = upload_outcome(SETTINGS.corpus_dir, upload.name, upload.getvalue(), SETTINGS.max_file_bytes)
        added += kind == "added"
        notices.append(("error" if kind == "error" else "ok", message))
    progress.empty()
    state.uploader += 1  # a fresh, empty uploader
    finish_adding(added, notices)


ARTICLES_LISTED = 25


def article_list(assistant: Assistant, catalog: list[CatalogEntry]) -> None:
    """The articles, searchable by title, outlet, author or file name: read one, or remove its file."""
    query = st.text_input("Find an article", key="article-search", placeholder="Title, outlet, author or file")
    found = [e for e in catalog if e.matches(query)]
    if query.strip() and not found:
        st.caption("No article matches.")
    for entry in found[:ARTICLES_LISTED]:
        a = entry.article
        with st.expander(plain(a.title)):
            outlet = a.publisher or ""
            st.caption(plain(byline(a.author, a.date, outlet, a.source, f"{entry.passages} passages")))
            if a.url:
                st.caption(plain(f"From {a.url}"))
            if st.button("Read", key=widget_key("read", a.id)):
                show_article(a.source, a.start)
            with st.popover("Remove from the collection"):
                others = sum(e.article.source == a.source for e in catalog) - 1
                st.caption(
                    plain(
                        f"Deletes the file {a.source}"
                        + (f" and the {others} other article(s) in it" if others else "")
                        + " from the corpus folder, and its passages from the index."
                    )
                )
                if st.button("Remove for good", key=widget_key("remove", a.id), type="primary"):
                    remove_article(a.source)
    if len(found) > ARTICLES_LISTED:
        st.caption(f"{len(found) - ARTICLES_LISTED} more: narrow the search to see them.")


def remove_article(source: str) -> None:
    try:
        removed = remove_file(SETTINGS.corpus_dir, source)
    except DossierError as e:
        state.notices = [("error", str(e))]
    else:
        state.awaiting = keeper().request("Removing the article from the index…")
        state.notices = [("ok", f"Removed {', '.join(p.name for p in removed)}.")]
    st.rerun()


def finish_adding(added: int, notices: list[tuple[str, str]]) -> None:
    """Index what was added (on the keeper's thread: the page stays usable), and show each file's
    or page's outcome. The build is asked for even when nothing new came (it only compares content
    hashes then): a file saved by an earlier add that was interrupted before indexing is indexed now."""
    state.awaiting = keeper().request(f"Indexing {added} new article file(s)…" if added else "Checking the index…")
    state.index_pending = False
    state.notices = notices
    st.rerun()


def index_pending() -> None:
    """Files saved by an upload that was cancelled (or interrupted) before indexing: index them now."""
    if state.get("index_pending"):
        state.awaiting = keeper().request("Indexing the files added before the upload was stopped…")
        state.index_pending = False
        state.uploader += 1


def add_from_url(url: str, is_feed: bool) -> None:
    notices: list[tuple[str, str]] = []
    state.index_pending = True  # a page saved before an interruption is indexed on the next run
    with st.spinner(f"Fetching {url}…"):
        added, _ = add_pages(
            url,
            SETTINGS,
            is_feed,
            lambda kind, message: notices.append(("error" if kind == "error" else "ok", message)),
        )
    finish_adding(added, notices)


def main() -> None:
    index_pending()
    build_outcome()
    try:
        assistant = current_assistant()
    except IndexError_ as e:
        st.error(plain(str(e)))
        if st.button("Rebuild the index now"):
            keeper().request("Rebuilding the index…", full=True)
            st.rerun()
        if keeper().state().running:
            build_progress(first=True, seen=live_generation())
        st.stop()
    except DossierError as e:
        st.error(plain(str(e)))
        st.stop()
    if assistant is None:  # the first index is being built: the page is drawn once it is live
        st.markdown("#### Ask the articles")
        build_progress(first=True, seen=live_generation())
        st.stop()

    follow_url()
    filters, scope, top_k, backend, llm, show_scores = sidebar(assistant)
    st.markdown("#### Ask the articles")
    if keeper().state().running or state.get("awaiting") is not None:
        build_progress(first=False)
    if not state.messages:
        first_screen(assistant)

    # A long conversation shows its latest messages; the earlier ones on request, a page at a time
    # (each answer is a component with its sources: hundreds of them never finish drawing).
    first = max(0, len(state.messages) - state.shown)
    if first:
        st.button(
            f"Show earlier messages ({first} more)",
            on_click=lambda: state.update(shown=state.shown + PAGE),
            key=widget_key("earlier", state.conversation or "new"),
        )
    for i, message in enumerate(state.messages[first:], start=first):
        with st.chat_message(message.role):
            if message.error:
                st.error(plain(message.error))
            elif message.answer:
                key = f"{state.conversation}-{i}"  # widget keys unique across conversations
                render_answer(message.answer, key, show_scores, message.scope)
            else:
                st.markdown(plain(message.content))

    if prompt := st.chat_input("Ask a question about the articles") or state.pop("suggested", None):
        previous = history()
        remember(Message("user", prompt))
        with st.chat_message("user"):
            st.markdown(plain(prompt[:2000]) + ("…" if len(prompt) > 2000 else ""))
        with st.chat_message("assistant"):
            stream = st.empty()
            streamed: list[str] = []

            def on_token(piece: str) -> None:
                streamed.append(piece)
                stream.markdown(plain("".join(streamed)) + " ▌")

            try:
                with st.spinner("Reading the articles…"):
                    answer = assistant.ask(
                        prompt, previous, filters=filters, top_k=top_k, answerer=backend, llm=llm, on_token=on_token
                    )
                stream.empty()
            except DossierError as e:
                remember(Message("assistant", "", error=on_screen(e)))
                st.error(plain(on_screen(e)))
            else:
                remember(Message("assistant", answer.text, answer=answer, scope=scope))
                key = f"{state.conversation}-{len(state.messages) - 1}"
                render_answer(answer, key, show_scores, scope)
        if scope:
            st.button(
                "Search all articles again",
                on_click=search_everywhere,
                args=(prompt,),
                help="Remove the article and date filters and ask the question again",
            )
    export_conversation()
    with state.list_slot.container():
        conversation_list()


def first_screen(assistant: Assistant) -> None:
    """What the collection is, and a few questions to start with, drawn from its newest articles."""
    st.markdown(plain(describe(assistant.index.articles)))
    st.caption(
        "Every sentence of an answer cites the passage it comes from: point at its number to read the passage, "
        "click it to see the passage in its article."
    )
    with st.spinner("Finding questions the articles answer…"):
        questions = assistant.suggestions() or ["What is this collection about?"]
    cols = st.columns(len(questions))
    for col, question in zip(cols, questions, strict=False):
        if col.button(
            plain(question), key=widget_key("suggest", question), help=plain(question), use_container_width=True
        ):
            state.suggested = question
            st.rerun()


def export_conversation() -> None:
    """The whole conversation as Markdown, including the answer this run just added."""
    if state.messages:
        transcript = [(m.role, m.answer or m.content) for m in state.messages if not m.error]
        state.export_slot.download_button(
            "Export conversation (.md)",
            conversation_markdown(transcript),
            file_name=export_name(
                next((m.content for m in state.messages if m.role == "user"), "conversation"),
                dt.date.today().isoformat(),
            ),
            use_container_width=True,
        )


main()
