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
    cid = saved.start("How far did the ruble drop?   " + "x" * 200)
    saved.add(cid, Message("user", "How far did the ruble drop?"))
    saved.add(cid, Message("assistant", "The ruble fell 45 percent. [1]", answer(), scope="“Ruble report”"))
    saved.add(cid, Message("assistant", "", error="The question is too long."))
    again = Conversations(tmp_path / "c.sqlite3")  # a restart
    assert again.messages(cid) == [
        Message("user", "How far did the ruble drop?"),
        Message("assistant", "The ruble fell 45 percent. [1]", answer(), scope="“Ruble report”"),
        Message("assistant", "", error="The question is too long."),
    ]
    (summary,) = again.recent()
    assert summary.id == cid and summary.title.startswith("How far did the ruble drop? x") and len(summary.title) == 80


def test_conversations_are_listed_newest_first_renamed_and_deleted_alone(tmp_path):
    saved = Conversations(tmp_path / "c.sqlite3")
    first, second = saved.start("First"), saved.start("Second")
    saved.add(first, Message("user", "First"))
    saved.add(second, Message("user", "Second"))
    with sqlite3.connect(tmp_path / "c.sqlite3") as db:  # make the order independent of the clock's resolution
        db.execute("UPDATE conversations SET updated = '2000-01-01' WHERE id = ?", (first,))
    assert [c.id for c in saved.recent()] == [second, first]
    saved.rename(first, "  Renamed  ")
    assert saved.get(first).title == "Renamed"
    with pytest.raises(DossierError, match="needs a name"):
        saved.rename(first, " ")
    saved.delete(first)
    assert saved.get(first) is None and saved.messages(first) == []
    assert saved.messages(second) == [Message("user", "Second")]


def test_an_unwritable_data_folder_is_a_message(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(DossierError, match="DOSSIER_DATA_DIR"):
        Conversations(tmp_path / "file" / "c.sqlite3")


def test_concurrent_writers_to_one_conversation_lose_nothing(tmp_path):
    import threading

    from rag.app.conversations import Conversations, Message

    saved = Conversations(tmp_path / "c.sqlite3")
    cid = saved.start("Race")

    def write(n: int) -> None:
        for i in range(25):
            saved.add(cid, Message("user", f"writer {n} message {i}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(saved.messages(cid)) == 200
