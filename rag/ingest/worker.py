"""Cleaning in its own process, with a time budget per document.

Reading a page or a file into articles runs regular expressions, trafilatura and the PDF reader
over text anyone can supply. In the app's process, a document that makes any of them slow would
hold the interpreter and freeze every visitor's page; here it costs at most `CLEAN_SECONDS`, is
refused with a message, and the worker is replaced. One worker per process, started on first use
and fed one document at a time: `python -m rag.ingest.worker` reads one JSON request per line on
stdin and answers one JSON line on stdout.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from rag.core.errors import CorpusError
from rag.core.schema import Article
from rag.core.settings import PROJECT_DIR

CLEAN_SECONDS = 60.0  # one document, whatever it holds (a PDF's own reader stops at 30 s)


def load_document(path: Path, max_bytes: int) -> tuple[str, list[Article]]:
    """A corpus file's text and its articles, as `rag.ingest.uploads.load_document` reads them, in
    the worker. Raises CorpusError (with the reason, for the build's skipped list)."""
    answer = _call({"op": "load", "path": str(path), "max_bytes": max_bytes}, path.name)
    return answer["text"], [Article.from_json(a) for a in answer["articles"]]


def convert(name: str, filename: str, data: bytes, url: str | None = None) -> str:
    """An upload's text as the corpus keeps it (`rag.ingest.uploads.convert`), in the worker."""
    request = {"op": "convert", "name": name, "filename": filename, "url": url}
    return _call({**request, "data": base64.b64encode(data).decode("ascii")}, filename)["text"]


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rag.ingest.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=PROJECT_DIR,
        )

    def call(self, request: dict[str, Any], seconds: float) -> dict[str, Any] | None:
        """The worker's answer, or None when it did not give one within `seconds` (or died)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            self.process.stdin.flush()
        except OSError:
            return None
        deadline = time.monotonic() + seconds
        received = bytearray()
        with selectors.DefaultSelector() as waiting:
            waiting.register(self.process.stdout, selectors.EVENT_READ)
            while not received.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not waiting.select(left):
                    return None
                chunk = os.read(self.process.stdout.fileno(), 1 << 20)
                if not chunk:  # the worker is gone
                    return None
                received += chunk
        return json.loads(received)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


_worker: _Worker | None = None
_lock = threading.Lock()


@atexit.register
def _stop() -> None:
    if _worker is not None:
        _worker.stop()


def _call(request: dict[str, Any], name: str) -> dict[str, Any]:
    global _worker
    seconds = CLEAN_SECONDS
    with _lock:  # one document at a time: builds of two folders take turns
        if _worker is None or _worker.process.poll() is not None:
            _worker = _Worker()
        answer = _worker.call(request, seconds)
        if answer is None:
            _worker.stop()
            _worker = None
            raise CorpusError(
                f"{name}: reading it took over {seconds:g} s (or stopped the reader); save its text as .txt, "
                "split it, and add that."
            )
    if "error" in answer:
        raise CorpusError(answer["error"])
    return answer


def _serve(request: dict[str, Any]) -> dict[str, Any]:
    from rag.ingest import uploads

    if request["op"] == "load":
        text, articles = uploads.load_document(Path(request["path"]), request["max_bytes"])
        return {"text": text, "articles": [a.to_json() for a in articles]}
    data = base64.b64decode(request["data"])
    return {"text": uploads.convert(request["name"], request["filename"], data, request["url"])}


def main() -> None:
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into an answer
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = _serve(request)
        except CorpusError as e:
            answer = {"error": str(e)}
        except Exception as e:  # noqa: BLE001 - a document nobody foresaw: its name and the kind of failure
            answer = {"error": f"{Path(request.get('path') or request.get('filename') or '?').name}: could not be "
                      f"read ({type(e).__name__})"}  # fmt: skip
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
