"""The Streamlit page logic with Streamlit's AppTest (no browser): first-run build, asking, the
citation list, abstention, errors in the page, per-session conversations."""

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rag.app.keeper import keeper_for
from rag.app.render import widget_key
from rag.core.errors import CorpusError
from rag.core.settings import PROJECT_DIR, Settings
from rag.ingest.uploads import add_upload
from tests.conftest import E, started

APP = str(PROJECT_DIR / "app.py")


@pytest.fixture(scope="module")
def app_env(tmp_path_factory):
    """One corpus copy and index for the module; the first AppTest run builds it (real model)."""
    import shutil

    root = tmp_path_factory.mktemp("app")
    shutil.copytree(PROJECT_DIR / "seeds", root / "corpus")
    return root


@pytest.fixture
def app(app_env, monkeypatch):
    monkeypatch.setenv("DOSSIER_CORPUS_DIR", str(app_env / "corpus"))
    monkeypatch.setenv("DOSSIER_INDEX_DIR", str(app_env / "index"))
    at = started(AppTest.from_file(APP, default_timeout=180))
    assert not at.exception, at.exception
    return at


def model_fields(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The sidebar's text fields besides the searches and the URL to add: the model server's."""
    others = ("Find an article", "Search conversations", "Or a web page or feed, by URL")
    return [t.label for t in at.sidebar.text_input if t.label not in others]


def shown(markdown: str) -> str:
    """What Markdown source shows as text: backslash escapes and invisible word joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def field(at, label: str):  # type: ignore[no-untyped-def]
    return next(t for t in at.sidebar.text_input if t.label == label)


def answer_views(at) -> list[dict]:
    """The data of each answer drawn with citation chips (the `dossier_answer` component)."""
    return [
        json.loads(e.proto.json)
        for m in at.chat_message
        for e in m.get("bidi_component")  # AppTest has no class for custom components
        if getattr(e.proto, "component_name", "") == "dossier_answer"
    ]


def view_text(view: dict) -> str:
    """What an answer view shows: its claims, each followed by its citation markers."""
    return " ".join(
        "".join(text for text, _ in c["pieces"]) + "".join(f" [{n}]" for n in c["citations"]) for c in view["claims"]
    )


def messages(at):
    """(role, text) of each chat message: its answer view, Markdown and captions (file names are in the
    details)."""
    out = []
    for m in at.chat_message:
        views = [
            view_text(json.loads(e.proto.json))
            for e in m.get("bidi_component")
            if getattr(e.proto, "component_name", "") == "dossier_answer"
        ]
        out.append((m.name, shown(" ".join([*views, *(e.value for e in [*m.markdown, *m.caption])]))))
    return out


def test_first_run_builds_the_index_and_lists_the_articles(app, app_env):
    assert (app_env / "index" / "CURRENT").exists()
    assert any("Articles (11)" in shown(h.value) for h in app.sidebar.subheader)
    assert not app.error


def test_ask_renders_a_cited_answer(app):
    app.chat_input[0].set_value("Which Chinese bank stopped accepting yuan payments from Russia?").run()
    assert not app.exception
    (_, question), (_, answer) = messages(app)
    assert "yuan" in question
    assert "ICBC" in answer and "[1]" in answer
    assert "**Sources**" in answer and E in answer
    assert [b.label for b in app.button if b.key and b.key.startswith("open-")]
    assert any("Retrieved passages" in e.label for e in app.expander)


def test_follow_up_uses_the_conversation(app):
    app.chat_input[0].set_value("Who is Li Shanfu?").run()
    app.chat_input[0].set_value("Which academy did he visit?").run()
    assert "General Staff Military Academy" in messages(app)[-1][1]


def test_abstention_is_plain_and_shows_closest_passages(app):
    app.chat_input[0].set_value("What is the price of Bitcoin?").run()
    assert any("The articles don't say" in shown(i.value) for i in app.info)
    assert any(e.label.startswith("Closest passages") for e in app.expander)


def test_bad_questions_are_messages_not_tracebacks(app):
    app.chat_input[0].set_value("x" * 102_400).run()
    assert not app.exception
    assert any("limit is 2,000" in shown(e.value) for e in app.error)


def test_new_conversation_clears_the_chat(app):
    app.chat_input[0].set_value("What is the SCO?").run()
    assert messages(app)
    next(b for b in app.sidebar.button if b.label == "New conversation").click().run()
    assert messages(app) == []


def test_two_sessions_do_not_share_conversations(app, app_env, monkeypatch):
    other = started(AppTest.from_file(APP, default_timeout=180))
    app.chat_input[0].set_value("What did Putin call Xi Jinping?").run()
    other.run()
    assert messages(app) and messages(other) == []


def test_damaged_index_shows_the_fix_in_the_page(tmp_path, monkeypatch):
    (tmp_path / "index" / "gen-1").mkdir(parents=True)
    (tmp_path / "index" / "CURRENT").write_text("gen-1")
    monkeypatch.setenv("DOSSIER_INDEX_DIR", str(tmp_path / "index"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("damaged" in shown(e.value) for e in at.error)
    assert any(b.label == "Rebuild the index now" for b in at.button)


def test_uploads_are_validated_and_never_overwrite(tmp_path: Path):
    corpus = tmp_path / "corpus"
    first = add_upload(corpus, "../../etc/report.txt", b"Report\n\nThe SCO met in Astana.\n", 10_000)
    assert first.path == corpus / "report.txt" and first.path.read_text().startswith("Report")
    second = add_upload(corpus, "report.txt", b"Other\n\nA different article about Gazprom.\n", 10_000)
    assert second.path == corpus / "report-2.txt" and second.renamed_from == "report.txt"
    assert (corpus / "report.txt").read_text().startswith("Report")  # untouched
    again = add_upload(corpus, "report.txt", b"Report\n\nThe SCO met in Astana.\n", 10_000)
    assert again.path == corpus / "report.txt" and again.already  # the same article: nothing new
    page = add_upload(
        corpus,
        "page.html",
        b"<html><head><title>Pipeline deal</title><script>x()</script></head>"
        b"<body><nav>Menu</nav><p>Gazprom and CNPC signed a pipeline deal.</p></body></html>",
        10_000,
    )
    assert page.path.name == "page.txt" and page.converted
    assert page.path.read_text() == "Pipeline deal\n\nGazprom and CNPC signed a pipeline deal.\n"
    for name, data, message in [
        ("big.txt", b"x" * 20_000, "limit"),
        ("empty.txt", b"  \n", "empty"),
        ("blob.txt", b"\x00\x01", "binary"),
        ("tool.exe", b"MZ", "not supported"),
        ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
        (".hidden.txt", b"Leave a Reply\n", "no article text"),
    ]:
        with pytest.raises(CorpusError, match=message):
            add_upload(corpus, name, data, 10_000)
    assert sorted(p.name for p in corpus.iterdir() if p.is_file()) == ["page.txt", "report-2.txt", "report.txt"]
    assert sorted(p.name for p in (corpus / "originals").iterdir()) == ["page.html"]


def test_questions_can_be_restricted_to_chosen_articles(app):
    choice = next(o for o in app.sidebar.multiselect[0].options if o.startswith("Sino/Russian Ties That Bind"))
    app.sidebar.multiselect[0].select(choice).run()
    app.chat_input[0].set_value("What did Xi Jinping call Putin?").run()
    answer = messages(app)[-1][1]
    assert "003_066a89326e82b11e.txt" in answer and "000_9d35a1c2c466dc39.txt" not in answer


def test_openai_backend_without_a_model_says_which_setting(app):
    app.sidebar.selectbox[0].select("openai").run()
    assert model_fields(app) == ["Server URL", "Model", "API key"]
    app.chat_input[0].set_value("What is the SCO?").run()
    assert not app.exception
    assert any("set the Model field" in shown(e.value) for e in app.error)  # the field on screen


def test_unreachable_model_server_still_answers(app):
    app.sidebar.selectbox[0].select("openai").run()
    field(app, "Server URL").input("http://127.0.0.1:9/v1")
    field(app, "Model").input("tiny").run()
    app.chat_input[0].set_value("Which Chinese bank stopped accepting yuan payments from Russia?").run()
    assert not app.exception
    assert any("Cannot reach the model server at http://127.0.0.1:9/v1" in shown(w.value) for w in app.warning)
    assert "ICBC" in messages(app)[-1][1]


def test_local_backend_with_a_broken_model_file_still_answers(app_env, monkeypatch, tmp_path):
    (tmp_path / "broken.gguf").write_bytes(b"not a model")
    monkeypatch.setenv("DOSSIER_CORPUS_DIR", str(app_env / "corpus"))
    monkeypatch.setenv("DOSSIER_INDEX_DIR", str(app_env / "index"))
    monkeypatch.setenv("DOSSIER_MODELS_DIR", str(tmp_path))
    at = started(AppTest.from_file(APP, default_timeout=180))
    at.sidebar.selectbox[0].select("local").run()
    assert at.sidebar.selectbox[1].label == "GGUF model file"
    assert model_fields(at) == []  # no typed paths
    at.sidebar.selectbox[1].select("broken.gguf").run()
    at.chat_input[0].set_value("Which Chinese bank stopped accepting yuan payments from Russia?").run()
    assert not at.exception
    assert any("broken.gguf" in shown(w.value) for w in at.warning)
    assert "ICBC" in messages(at)[-1][1]


def test_a_configured_api_key_locks_the_model_server_fields(app_env, monkeypatch):
    monkeypatch.setenv("DOSSIER_CORPUS_DIR", str(app_env / "corpus"))
    monkeypatch.setenv("DOSSIER_INDEX_DIR", str(app_env / "index"))
    monkeypatch.setenv("DOSSIER_LLM_API_KEY", "sk-operator")
    monkeypatch.setenv("DOSSIER_LLM_BASE_URL", "http://user:pw@127.0.0.1:9/v1?api_key=sk-url")
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.sidebar.selectbox[0].select("openai").run()
    assert model_fields(at) == []  # no server fields
    caption = " ".join(shown(c.value) for c in at.sidebar.caption)
    assert "http://127.0.0.1:9/v1 (set by the operator)" in caption and "sk-" not in caption and "pw" not in caption


def test_an_index_from_an_older_dossier_is_rebuilt_in_the_page(app, app_env, monkeypatch, tmp_path):
    import json
    import shutil

    from rag.index import store

    shutil.copytree(app_env / "index", tmp_path / "index")  # another folder: as a fresh process finds it
    manifest = store.live_generation(tmp_path / "index") / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format_version": 1}))
    monkeypatch.setenv("DOSSIER_CORPUS_DIR", str(app_env / "corpus"))
    monkeypatch.setenv("DOSSIER_INDEX_DIR", str(tmp_path / "index"))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception and not at.error and not at.chat_input  # the page waits for the index
    assert "stores the index differently" in keeper_for(Settings.from_env()).state().reason
    at = started(at)
    assert not at.exception and not at.error
    at.chat_input[0].set_value("Which Chinese bank stopped accepting yuan payments from Russia?").run()
    assert "ICBC" in messages(at)[-1][1]


def test_the_export_holds_the_latest_answer(app):
    app.chat_input[0].set_value("Which Chinese bank stopped accepting yuan payments from Russia?").run()
    (export,) = [b for b in app.sidebar.get("download_button")]
    assert "Export conversation" in export.proto.label


def test_the_first_screen_describes_the_collection_and_suggests_questions(app):
    assert any("The collection holds 11 articles" in shown(m.value) for m in app.markdown)
    suggestions = [b for b in app.button if b.key and b.key.startswith("suggest-")]
    assert 1 <= len(suggestions) <= 4
    assert all(b.help == b.label for b in suggestions)  # the whole question on hover, never cut
    for i in range(len(suggestions)):  # each drawn from the articles' facts, and each answered
        [b for b in app.button if b.key and b.key.startswith("suggest-")][i].click().run()
        (_, question), (_, answer) = messages(app)[-2:]
        assert question.startswith(("Who is ", "What is ")) and "[1]" in answer, (question, answer)
        app.sidebar.button[0].click().run()  # a new conversation: the first screen again


def test_filters_show_on_the_answer_and_can_be_removed_from_the_chat(app):
    choice = next(o for o in app.sidebar.multiselect[0].options if o.startswith("Sino/Russian Ties That Bind"))
    app.sidebar.multiselect[0].select(choice).run()
    app.chat_input[0].set_value("What did Xi Jinping call Putin?").run()
    assert "Searched only “Sino/Russian Ties That Bind”" in messages(app)[-1][1]
    next(b for b in app.button if b.label == "Search all articles again").click().run()
    assert app.sidebar.multiselect[0].value == []
    # the question is asked again, of every article, and that answer carries no filter
    asked = [text for role, text in messages(app) if role == "user"]
    assert asked[-2:] == ["What did Xi Jinping call Putin?"] * 2
    assert "Searched only" not in messages(app)[-1][1]


def test_retrieved_passages_say_how_relevant_they_are_and_open(app):
    app.chat_input[0].set_value("What is the price of Bitcoin?").run()  # a refusal
    passages = next(e for e in app.expander if e.label.startswith("Closest passages"))
    assert not passages.proto.expanded  # collapsed, even on a refusal
    text = shown(" ".join(m.value for m in passages.markdown))
    assert "relevance:" in text and any(level in text for level in ("high", "medium", "low"))
    assert [b for b in passages.button if b.label == "Open"]


def test_files_saved_by_a_stopped_upload_are_indexed_on_the_next_run(app, app_env):
    (app_env / "corpus" / "stopped.md").write_text(
        "# Arctic route\n\nCargo on the Northern Sea Route rose to 36 million tonnes, the operator said.\n",
        encoding="utf-8",
    )
    app.session_state["index_pending"] = True  # as when Cancel stopped add_files before indexing
    app.run()
    assert not app.exception and not app.session_state["index_pending"]
    keeper_for(Settings.from_env()).wait(timeout=180)
    app.chat_input[0].set_value("How much cargo went along the Northern Sea Route?").run()
    assert "36 million tonnes" in messages(app)[-1][1]


def test_a_conversation_is_saved_and_reopened_from_its_url(app, app_env, monkeypatch):
    app.chat_input[0].set_value("Which Chinese bank stopped accepting yuan payments from Russia?").run()
    cid = app.query_params["c"]
    assert cid
    listed = [b for b in app.sidebar.button if b.key == widget_key("conversation", cid)]
    assert listed and listed[0].label.startswith("Which Chinese bank")
    assert re.search(r" · \d\d \w{3}, \d\d:\d\d$", listed[0].label)  # and when it was last used
    # Another session with the same URL (AppTest cannot carry the browser's cookie: to it, another
    # browser, as someone the link was shared with): the conversation, read-only.
    reloaded = AppTest.from_file(APP, default_timeout=180)
    reloaded.query_params["c"] = cid
    reloaded.run()
    assert not reloaded.exception
    assert messages(reloaded) == messages(app)
    assert "ICBC" in messages(reloaded)[-1][1]
    assert answer_views(reloaded)[0]["citations"]["1"]["quote"]  # the reopened answer still opens its sources
    assert any("Shared with you by its link" in i.value for i in reloaded.sidebar.info)
    assert not [b for b in reloaded.sidebar.button if b.key in ("rename-conversation", "delete-conversation")]
    assert not [b for b in reloaded.sidebar.button if b.key == widget_key("conversation", cid)]


def test_a_new_conversation_keeps_the_old_one_which_can_be_renamed_and_deleted(app):
    app.chat_input[0].set_value("What is the SCO?").run()
    first = app.query_params["c"]
    next(b for b in app.sidebar.button if b.label == "New conversation").click().run()
    assert messages(app) == [] and "c" not in app.query_params
    app.chat_input[0].set_value("Who is Li Shanfu?").run()
    second = app.query_params["c"]
    assert second != first
    next(b for b in app.sidebar.button if b.key == widget_key("conversation", first)).click().run()
    assert "SCO" in messages(app)[0][1] and app.query_params["c"] == first
    next(t for t in app.sidebar.text_input if t.key == widget_key("name", first)).set_value("Asian security bloc").run()
    next(b for b in app.sidebar.button if b.key == "rename-conversation").click().run()
    assert next(b for b in app.sidebar.button if b.key == widget_key("conversation", first)).label.startswith(
        "Asian security bloc · "
    )
    next(b for b in app.sidebar.button if b.key == "delete-conversation").click().run()
    assert messages(app) == [] and not [b for b in app.sidebar.button if b.key == widget_key("conversation", first)]
    assert [b for b in app.sidebar.button if b.key == widget_key("conversation", second)]  # the other one stays
    next(b for b in app.sidebar.button if b.key == "undo-delete").click().run()  # changed one's mind
    assert "SCO" in messages(app)[0][1] and app.query_params["c"] == first
    assert [b for b in app.sidebar.button if b.key == widget_key("conversation", first)]
    next(t for t in app.sidebar.text_input if t.label == "Search conversations").set_value("li shanfu").run()
    listed = [b.key for b in app.sidebar.button if b.key and b.key.startswith("conversation")]
    assert listed == [widget_key("conversation", second)]  # found by its question


HOSTILE_NAMES = ["trade__notes.txt", 'it\'s "quoted" [x](y).txt', "ünïcødé__名前.txt", "n" * 200 + ".txt"]


def test_hostile_file_names_and_conversation_ids_never_break_the_page(tmp_path, monkeypatch):
    """Names with "__" (which Streamlit refuses in component keys), quotes, unicode, 200 characters,
    and a conversation id with "__", through reading, asking, opening a citation and reopening."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n, name in enumerate(HOSTILE_NAMES):
        (corpus / name).write_text(
            f"Trade notes {n}\n\nThe trade talks in Geneva ended with a deal on steel tariffs of {10 + n} percent.\n",
            encoding="utf-8",
        )
    monkeypatch.setenv("DOSSIER_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("DOSSIER_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("rag.app.conversations.secrets.token_urlsafe", lambda n: "pn__IjnQ24lK")
    at = started(AppTest.from_file(APP, default_timeout=180))
    assert not at.exception, at.exception
    reads = len([b for b in at.sidebar.button if b.label == "Read"])
    assert reads == len(HOSTILE_NAMES)
    for i in range(reads):
        [b for b in at.sidebar.button if b.label == "Read"][i].click().run()
        assert not at.exception, at.exception
    at.chat_input[0].set_value("Where did the trade talks end with a deal on steel tariffs?").run()
    assert not at.exception, at.exception
    assert "Geneva" in messages(at)[-1][1]
    for i in range(min(3, len([b for b in at.button if b.label == "Open"]))):
        [b for b in at.button if b.label == "Open"][i].click().run()
        assert not at.exception, at.exception
    assert at.chat_input, "the chat input is still there"
    reopen = [b for b in at.sidebar.button if "Where did the trade talks" in b.label]
    assert reopen
    reopen[0].click().run()
    assert not at.exception, at.exception
    assert any("Geneva" in text for _, text in messages(at))
    # A conversation's title (its first question) reaches tooltips only as text.
    at.sidebar.button[0].click().run()  # New conversation
    at.chat_input[0].set_value("![x](http://127.0.0.1:9/p.png) :red[steel] $x$ [link](http://e.x) tariffs?").run()
    tips = [b.help for b in at.sidebar.button if b.help and "Started with" in b.help]
    assert tips and all("![" not in t and "](" not in t and ":red[" not in t for t in tips), tips


def test_a_long_conversation_shows_its_latest_messages_and_pages_back(app_env, monkeypatch):
    from rag.app.conversations import Conversations, Message
    from rag.core.settings import Settings

    monkeypatch.setenv("DOSSIER_CORPUS_DIR", str(app_env / "corpus"))
    monkeypatch.setenv("DOSSIER_INDEX_DIR", str(app_env / "index"))
    saved = Conversations(Settings.from_env().data_dir / "conversations.sqlite3")
    cid = saved.start("A long one", "someone")
    for n in range(90):
        saved.add(cid, Message("user" if n % 2 == 0 else "assistant", f"message {n}"), "someone")
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["c"] = cid
    at.run()
    assert [text for _, text in messages(at)][0] == "message 50" and len(at.chat_message) == 40
    next(b for b in at.button if b.label == "Show earlier messages (50 more)").click().run()
    assert len(at.chat_message) == 80 and messages(at)[-1][1] == "message 89"


def test_articles_are_found_by_search_and_removed_with_confirmation(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(PROJECT_DIR / "seeds", tmp_path / "corpus")
    monkeypatch.setenv("DOSSIER_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("DOSSIER_INDEX_DIR", str(tmp_path / "index"))
    at = started(AppTest.from_file(APP, default_timeout=180))
    next(t for t in at.sidebar.text_input if t.label == "Find an article").set_value("blitz").run()
    assert [e.label for e in at.sidebar.expander] == ["US tries to turn China against Russia"]
    next(b for b in at.sidebar.button if b.label == "Remove for good").click().run()
    assert not at.exception and not (tmp_path / "corpus" / "004_14ee843bf2aae238.txt").exists()
    keeper_for(Settings.from_env()).wait(timeout=180)  # the index is updated on the keeper's thread
    at.run()
    assert any("Removed 004_14ee843bf2aae238.txt" in shown(s.value) for s in at.sidebar.success)
    assert any(h.value == "Articles (10)" for h in at.sidebar.subheader)
