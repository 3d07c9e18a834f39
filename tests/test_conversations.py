"""Saved conversations: every message, and every part of an answer, comes back as it was."""

import sqlite3

import pytest

from rag.app.conversations import Conversations, Message
from rag.core.errors import DossierError
from rag.core.schema import Answer, Citation, Claim, Hit, Passage


def answer() -> Answer:
    passage = Passage(
        "a.txt:0-40", "a.txt", "a.txt#0", "Ruble report", None, "2014-12-23", "comment", 0, 40,
        "The ruble fell 45 percent.", ((0, 26),), "Global Times", ((50, 60),), False, "Georgiaboy",
    )  # fmt: skip
    return Answer(
        question="How far did the ruble drop?",
        text="The ruble fell 45 percent. [1]",
        citations=(
            Citation(1, "a.txt", "Ruble report", None, "2014-12-23", "comment", 0, 26, "The ruble fell 45 percent."),
        ),
        claims=(Claim("The ruble fell 45 percent.", (1,), True, (15, 25)),),
        abstained=False,
        retrieved=(Hit(passage, 0.06, 0.61, 4.2, 7.5),),
        search_query="ruble drop",
        timings_ms={"total_ms": 210.0},
        notice="a notice",
    )


def test_messages_and_answers_come_back_whole(tmp_path):
    saved = Conversations(tmp_path / "c.sqlite3")
    cid = saved.start("How far did the ruble drop?   " + "x" * 200, "me")
    saved.add(cid, Message("user", "How far did the ruble drop?"), "me")
    saved.add(cid, Message("assistant", "The ruble fell 45 percent. [1]", answer(), scope="“Ruble report”"), "me")
    saved.add(cid, Message("assistant", "", error="The question is too long."), "me")
    again = Conversations(tmp_path / "c.sqlite3")  # a restart
    assert again.messages(cid) == [
        Message("user", "How far did the ruble drop?"),
        Message("assistant", "The ruble fell 45 percent. [1]", answer(), scope="“Ruble report”"),
        Message("assistant", "", error="The question is too long."),
    ]
    (summary,) = again.recent("me")
    assert summary.id == cid and summary.title.startswith("How far did the ruble drop? x") and len(summary.title) == 80


def test_conversations_are_listed_newest_first_renamed_and_deleted_alone(tmp_path):
    saved = Conversations(tmp_path / "c.sqlite3")
    first, second = saved.start("First", "me"), saved.start("Second", "me")
    saved.add(first, Message("user", "First"), "me")
    saved.add(second, Message("user", "Second"), "me")
    with sqlite3.connect(tmp_path / "c.sqlite3") as db:  # make the order independent of the clock's resolution
        db.execute("UPDATE conversations SET updated = '2000-01-01' WHERE id = ?", (first,))
    assert [c.id for c in saved.recent("me")] == [second, first]
    saved.rename(first, "  Renamed  ", "me")
    assert saved.get(first).title == "Renamed"
    with pytest.raises(DossierError, match="needs a name"):
        saved.rename(first, " ", "me")
    saved.delete(first, "me")
    assert saved.get(first) is None and [c.id for c in saved.recent("me")] == [second]
    assert saved.messages(second) == [Message("user", "Second")]
    saved.restore(first, "me")  # undo
    assert saved.get(first).title == "Renamed" and saved.messages(first) == [Message("user", "First")]
    saved.delete(first, "me")
    with sqlite3.connect(tmp_path / "c.sqlite3") as db:  # a day later, the next start purges it
        db.execute("UPDATE conversations SET deleted = '2000-01-01' WHERE id = ?", (first,))
    again = Conversations(tmp_path / "c.sqlite3")
    assert again.messages(first) == [] and again.get(second) is not None


def test_conversations_are_searched_by_title_and_messages(tmp_path):
    saved = Conversations(tmp_path / "c.sqlite3")
    ruble, bank = saved.start("How far did the ruble drop?", "me"), saved.start("Which bank?", "me")
    saved.add(bank, Message("user", "Which bank stopped yuan payments?"), "me")
    saved.add(bank, Message("assistant", "ICBC stopped taking them (100%_sure)."), "me")
    assert [c.id for c in saved.recent("me", search="RUBLE")] == [ruble]
    assert [c.id for c in saved.recent("me", search="icbc")] == [bank]
    assert [c.id for c in saved.recent("me", search="100%_")] == [bank]  # LIKE wildcards are literal
    assert [c.id for c in saved.recent("me", search="%")] == [bank] and saved.recent("other", search="ruble") == []


def test_an_unwritable_data_folder_is_a_message(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(DossierError, match="DOSSIER_DATA_DIR"):
        Conversations(tmp_path / "file" / "c.sqlite3")


def test_concurrent_writers_to_one_conversation_lose_nothing(tmp_path):
    import threading

    from rag.app.conversations import Conversations, Message

    saved = Conversations(tmp_path / "c.sqlite3")
    cid = saved.start("Race", "me")

    def write(n: int) -> None:
        for i in range(25):
            saved.add(cid, Message("user", f"writer {n} message {i}"), "me")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(saved.messages(cid)) == 200


def test_a_conversation_belongs_to_its_owner(tmp_path):
    """Another visitor does not list it and cannot rename, delete or write to it; with its link they
    read it and go on in a copy of their own."""
    saved = Conversations(tmp_path / "c.sqlite3")
    mine = saved.start("My salary is 12345", "alice-token")
    saved.add(mine, Message("user", "My salary is 12345"), "alice-token")
    assert [c.id for c in saved.recent("alice-token")] == [mine] and saved.recent("bob-token") == []
    assert saved.owns(mine, "alice-token") and not saved.owns(mine, "bob-token")
    for attempt in (
        lambda: saved.rename(mine, "Bob was here", "bob-token"),
        lambda: saved.delete(mine, "bob-token"),
        lambda: saved.add(mine, Message("user", "injected"), "bob-token"),
    ):
        with pytest.raises(DossierError, match="only the browser that started it"):
            attempt()
    assert saved.get(mine).title == "My salary is 12345" and len(saved.messages(mine)) == 1
    copy = saved.fork(mine, "bob-token")
    saved.add(copy, Message("user", "And after tax?"), "bob-token")
    assert [c.id for c in saved.recent("bob-token")] == [copy]
    assert [m.content for m in saved.messages(copy)] == ["My salary is 12345", "And after tax?"]
    assert len(saved.messages(mine)) == 1
    with sqlite3.connect(tmp_path / "c.sqlite3") as db:  # only a hash of the token is stored
        assert "alice-token" not in str(db.execute("SELECT * FROM conversations").fetchall())


def test_conversations_saved_before_owners_existed_are_adopted_once(tmp_path):
    path = tmp_path / "c.sqlite3"
    with sqlite3.connect(path) as db:  # the old schema, without the owner column
        db.execute("CREATE TABLE conversations (id TEXT PRIMARY KEY, title TEXT NOT NULL, created TEXT NOT NULL, "
                   "updated TEXT NOT NULL)")  # fmt: skip
        db.execute("INSERT INTO conversations VALUES ('old', 'Old question', '2026-01-01', '2026-01-01')")
    saved = Conversations(path)
    assert saved.recent("first-browser") == []
    assert saved.adopt("first-browser") == 1 and saved.adopt("second-browser") == 0
    assert [c.id for c in saved.recent("first-browser")] == ["old"] and saved.recent("second-browser") == []
