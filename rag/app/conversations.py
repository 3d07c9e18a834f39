"""Conversations kept on disk (SQLite), so a reload or a restart loses nothing and a new
conversation never destroys an old one. The views hold the current conversation's messages; this
module saves each one as it is added and lists, renames, reopens and deletes whole conversations.

Each conversation belongs to an owner: a random token the browser keeps (or a signed-in user's
id), stored only as its SHA-256. A visitor lists only their own; only the owner may rename or
delete one; anyone with its link may read it, and continues it in a copy of their own (`fork`).

A message is what a view shows: who spoke, the text, and for an answer the whole `Answer` (its
citations, claims and retrieved passages), so a reopened answer can still open its sources."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.core.errors import Advice, DossierError
from rag.core.schema import Answer, Citation, Claim, Hit, Passage

TITLE_CHARS = 80
UNDO_DAYS = 1  # how long a deleted conversation can be restored

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    owner TEXT,
    deleted TEXT
);
CREATE TABLE IF NOT EXISTS messages (
    conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    answer TEXT,
    error TEXT,
    scope TEXT,
    PRIMARY KEY (conversation, position)
);
"""


@dataclass(frozen=True)
class Message:
    role: str
    """"user" or "assistant"."""
    content: str
    answer: Answer | None = None
    error: str | None = None
    """A message the view showed instead of an answer (a question too long, a server down)."""
    scope: str | None = None
    """The filters the question was asked under ("“Title” and articles dated …"), shown on the answer."""


@dataclass(frozen=True)
class Summary:
    id: str
    title: str
    """The first question, or the name the user gave."""
    created: str
    updated: str
    """ISO timestamps (UTC)."""


class Conversations:
    """The conversations in one SQLite file. Every method opens its own connection, so one object
    serves every session of a web app; SQLite serialises the writers."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            # Private to the account that runs Dossier: conversations hold what visitors typed.
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.path.touch(mode=0o600, exist_ok=True)
            os.chmod(self.path, 0o600)
            with self._db() as db:
                db.executescript(_SCHEMA)
                columns = {row[1] for row in db.execute("PRAGMA table_info(conversations)")}
                for column in ("owner", "deleted"):  # saved before conversations had owners, or undo
                    if column not in columns:
                        db.execute(f"ALTER TABLE conversations ADD COLUMN {column} TEXT")
                # A deleted conversation can be brought back for a day; then it is gone.
                db.execute("DELETE FROM conversations WHERE deleted < ?", (_now(-UNDO_DAYS),))
        except (OSError, DossierError) as e:
            raise DossierError(
                f"Conversations cannot be saved in {self.path} ({e}). Set DOSSIER_DATA_DIR to a writable folder."
            ) from e

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=10)
        except sqlite3.Error as e:
            raise DossierError(f"The conversations file {self.path} cannot be opened ({e}).") from e
        try:
            db.execute("PRAGMA foreign_keys = ON")
            with db:  # one transaction: committed, or rolled back on an error
                yield db
        except sqlite3.Error as e:  # a full disk, a damaged or locked file
            raise DossierError(
                f"The conversation could not be saved or read ({e}). Check the disk and {self.path}."
            ) from e
        finally:
            db.close()

    def start(self, title: str, owner: str) -> str:
        """A new, empty conversation of `owner`, titled by its first question; returns its id
        (URL-safe, and unguessable: a link is how a conversation is shared)."""
        cid = secrets.token_urlsafe(12)
        now = _now()
        with self._db() as db:
            db.execute(
                "INSERT INTO conversations (id, title, created, updated, owner) VALUES (?, ?, ?, ?, ?)",
                (cid, shorten(title), now, now, _key(owner)),
            )
        return cid

    def owns(self, cid: str, owner: str) -> bool:
        with self._db() as db:
            row = db.execute("SELECT owner FROM conversations WHERE id = ?", (cid,)).fetchone()
        return row is not None and row[0] == _key(owner)

    def adopt(self, owner: str) -> int:
        """Give the conversations saved before they had owners to `owner` (the first browser to open
        the app after the upgrade: on one's own machine, its user). Returns how many."""
        with self._db() as db:
            return db.execute("UPDATE conversations SET owner = ? WHERE owner IS NULL", (_key(owner),)).rowcount

    def fork(self, cid: str, owner: str) -> str:
        """A copy of the conversation `cid` for `owner`, who read it through a link and goes on with it."""
        summary = self.get(cid)
        if summary is None:
            raise DossierError("That conversation is no longer saved (it was deleted). Ask again to start a new one.")
        copy = self.start(summary.title, owner)
        with self._db() as db:
            db.execute(
                "INSERT INTO messages SELECT ?, position, role, content, answer, error, scope FROM messages "
                "WHERE conversation = ?",
                (copy, cid),
            )
        return copy

    def add(self, cid: str, message: Message, owner: str) -> None:
        """Save `message` at the end of `owner`'s conversation `cid`."""
        self._owned(cid, owner)
        answer = json.dumps(answer_record(message.answer)) if message.answer else None
        with self._db() as db:
            # The position is read and written in one statement, under SQLite's write lock: two
            # writers to one conversation cannot both take the same place (one would be lost).
            db.execute(
                "INSERT INTO messages SELECT ?, COALESCE(MAX(position) + 1, 0), ?, ?, ?, ?, ? "
                "FROM messages WHERE conversation = ?",
                (cid, message.role, message.content, answer, message.error, message.scope, cid),
            )
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (_now(), cid))

    def messages(self, cid: str) -> list[Message]:
        """The conversation's messages, oldest first; an unknown id gives an empty list."""
        with self._db() as db:
            rows = db.execute(
                "SELECT role, content, answer, error, scope FROM messages WHERE conversation = ? ORDER BY position",
                (cid,),
            ).fetchall()
        return [
            Message(role, content, answer_from(json.loads(answer)) if answer else None, error, scope)
            for role, content, answer, error, scope in rows
        ]

    def get(self, cid: str) -> Summary | None:
        """The conversation `cid`, unless it does not exist or was deleted."""
        with self._db() as db:
            row = db.execute(
                "SELECT id, title, created, updated FROM conversations WHERE id = ? AND deleted IS NULL", (cid,)
            ).fetchone()
        return Summary(*row) if row else None

    def recent(self, owner: str, limit: int = 50, search: str = "") -> list[Summary]:
        """`owner`'s conversations, most recently used first; with `search`, those whose title or
        messages contain it (case-insensitive)."""
        query = "SELECT id, title, created, updated FROM conversations WHERE owner = ? AND deleted IS NULL"
        args: list[Any] = [_key(owner)]
        if search.strip():
            pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query += (
                " AND (title LIKE ? ESCAPE '\\' OR id IN "
                "(SELECT conversation FROM messages WHERE content LIKE ? ESCAPE '\\'))"
            )
            args += [pattern, pattern]
        with self._db() as db:
            rows = db.execute(query + " ORDER BY updated DESC LIMIT ?", (*args, limit)).fetchall()
        return [Summary(*row) for row in rows]

    def rename(self, cid: str, title: str, owner: str) -> None:
        if not title.strip():
            raise DossierError("A conversation needs a name: type one, or keep the old one.")
        self._owned(cid, owner)
        with self._db() as db:
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (shorten(title), cid))

    def delete(self, cid: str, owner: str) -> None:
        """Delete the conversation; `restore` brings it back within `UNDO_DAYS`."""
        self._owned(cid, owner)
        with self._db() as db:
            db.execute("UPDATE conversations SET deleted = ? WHERE id = ?", (_now(), cid))

    def restore(self, cid: str, owner: str) -> None:
        self._owned(cid, owner)
        with self._db() as db:
            db.execute("UPDATE conversations SET deleted = NULL WHERE id = ?", (cid,))

    def _owned(self, cid: str, owner: str) -> None:
        if not self.owns(cid, owner):
            raise DossierError(
                "This conversation was shared with you through its link: only the browser that started it can "
                "rename or delete it. Ask a question to continue in a copy of your own."
            )


def _key(owner: str) -> str:
    """What is stored of an owner token: its hash (the file then holds nothing that opens a conversation)."""
    if not owner:
        raise DossierError("A conversation needs an owner (the browser's token or the signed-in user).")
    return hashlib.sha256(owner.encode("utf-8")).hexdigest()


def _now(days: float = 0) -> str:
    """Now (UTC, ISO), or `days` from now."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat(timespec="seconds")


def shorten(text: str, limit: int = TITLE_CHARS) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answer_record(answer: Answer) -> dict[str, Any]:
    """Everything of `answer` as JSON-ready data (unlike `Answer.to_json`, which reports it)."""
    record = asdict(answer)
    record["retrieved"] = [
        {**{k: v for k, v in asdict(h).items() if k != "passage"}, "passage": h.passage.to_json()}
        for h in answer.retrieved
    ]
    if isinstance(answer.notice, Advice):  # the settings it names, for the view to word them again
        record["notice"] = {"template": answer.notice.template, "settings": list(answer.notice.settings)}
    return record


def answer_from(record: dict[str, Any]) -> Answer:
    """The `Answer` that `answer_record` saved."""
    data = dict(record)
    data["citations"] = tuple(Citation(**c) for c in data["citations"])
    data["claims"] = tuple(
        Claim(
            text=c["text"],
            citations=tuple(c["citations"]),
            supported=c["supported"],
            answer=tuple(c["answer"]) if c["answer"] else None,
        )
        for c in data["claims"]
    )
    data["retrieved"] = tuple(Hit(**{**h, "passage": Passage.from_json(h["passage"])}) for h in data["retrieved"])
    if isinstance(data.get("notice"), dict):
        data["notice"] = Advice(data["notice"]["template"], data["notice"]["settings"])
    return Answer(**data)
