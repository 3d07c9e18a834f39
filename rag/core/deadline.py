"""Wall-clock deadlines for blocking network calls.

A per-read timeout never trips on a server that trickles its bytes (one header byte every two
seconds, or SSE comments that keep a stream alive): each read is quick, the whole is endless.
These helpers hold a call to the wall clock instead."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def closes_at(deadline: float, close: Callable[[], None]) -> Iterator[None]:
    """Call `close` (e.g. an HTTP client's `close`, which shuts its sockets and so ends a blocked
    read) if the block is still running when `time.monotonic()` passes `deadline`."""
    timer = threading.Timer(max(0.0, deadline - time.monotonic()), close)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def within(seconds: float, call: Callable[[], T], late: Callable[[], Exception]) -> T:
    """`call()`'s result if it returns within `seconds`, else raise `late()` at once. The call goes
    on in a daemon thread until its own timeouts end it (for a connection shared with other
    requests, which a deadline must not close)."""
    done = threading.Event()
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as e:  # handed to the caller below
            box["error"] = e
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    if not done.wait(seconds):
        raise late()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
