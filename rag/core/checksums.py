"""Files checked against their recorded sha256 without reading them again at every start.

A process's start checks the index's data files and the models' files (~0.2 s of hashing on the
seeds, seconds on a large index). A file that passed once is remembered by its size, inode and
change time (`st_ctime_ns`, which any write moves and `touch` cannot set back), as git's index
does, so an unchanged file is not read again; a changed one is hashed and compared as before.
The stamps live in one small JSON file (`DOSSIER_MODEL_CACHE`, default `<venv>/share/dossier`);
where it cannot be written every file is simply hashed. The sums catch damage and accidental
edits, not someone who can rewrite both a file and the sums recorded for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path

from rag.core.settings import model_cache

_lock = threading.Lock()


def stamps_file() -> Path:
    return model_cache() / "verified.json"


def file_sha256(path: Path) -> str:
    """The file's sha256, or "missing" when it cannot be read (then it matches no recorded sum)."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return "missing"


def has_sha256(path: Path, expected: str) -> bool:
    """Whether the file at `path` has the sha256 `expected` (read only when it changed since it
    last passed)."""
    try:
        path = path.resolve()
        st = path.stat()
    except OSError:
        return False
    stamp = [st.st_size, st.st_ino, st.st_ctime_ns, st.st_mtime_ns, expected]
    key = str(path)
    with _lock:
        stamps = _read()
        if stamps.get(key) == stamp:
            return True
        if file_sha256(path) != expected:
            return False
        stamps[key] = stamp
        _write({k: v for k, v in stamps.items() if Path(k).exists()})
    return True


def _read() -> dict[str, list[object]]:
    try:
        data = json.loads(stamps_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(stamps: dict[str, list[object]]) -> None:
    """Best effort, atomically (two processes may race: the loser's stamps are just taken again)."""
    target = stamps_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".verified-", dir=target.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(stamps, f)
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
