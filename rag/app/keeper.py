"""The index kept up to date for a long-running view (the app), builds on their own thread.

A build never runs in a visitor's request: questions are answered from the live index while it
runs (a large build makes its files live in stages, see `rag.index.build`), a visitor who clicks,
leaves or reloads mid-build never stops it, and its outcome waits for whoever looks next. One
keeper per process and index folder (`keeper_for`), shared by every session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from rag.core.errors import DossierError, IndexError_, IndexMissing
from rag.core.settings import Settings
from rag.index import store
from rag.index.build import BuildReport, build
from rag.index.embed import Embedder, embedder_for

from .assistant import Assistant


@dataclass(frozen=True)
class BuildState:
    """What the keeper is doing, as a view shows it. `finished` counts builds that ended, so that a
    view can wait for the build that includes its own request (`IndexKeeper.request` returns it)."""

    running: bool = False
    reason: str = ""  # what the running (or the last) build is for
    stage: str = ""  # "Cleaning" or "Embedding" while running
    done: int = 0
    total: int = 0
    seconds_left: float | None = None
    finished: int = 0
    report: BuildReport | None = None  # the last finished build's
    error: str | None = None  # why the last finished build failed, for the user

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


@dataclass
class _Progress:
    """The build's progress, written by the build thread and read by any view."""

    keeper: IndexKeeper
    began: float = field(default_factory=time.monotonic)

    def start(self, total: int, description: str) -> None:
        self.began = time.monotonic()
        self.keeper._update(stage=description, done=0, total=total, seconds_left=None)

    def advance(self, n: int) -> None:
        state = self.keeper.state()
        done = state.done + n
        elapsed = time.monotonic() - self.began
        # A rate is trusted after two seconds (the first batches include loading the model).
        left = elapsed / done * (state.total - done) if done and elapsed > 2 else None
        self.keeper._update(done=done, seconds_left=left)

    def finish(self) -> None:
        self.keeper._update(seconds_left=0.0)


class IndexKeeper:
    """Builds the index on request, one at a time, and hands out the assistant for the live index."""

    def __init__(self, settings: Settings, embedder_factory: Callable[[], Embedder] | None = None):
        self.settings = settings
        self._embedder: Embedder | None = None
        self._factory = embedder_factory or (lambda: embedder_for(settings))
        self._lock = threading.Lock()  # guards the state, the pending request and the thread
        self._model = threading.Lock()  # one embedder load
        self._loading = threading.Lock()  # one assistant load at a time
        self._changed = threading.Condition(self._lock)
        self._state = BuildState()
        self._pending: tuple[str, bool] | None = None
        self._thread: threading.Thread | None = None
        self._assistants: dict[str, Assistant] = {}
        self._outcomes: dict[int, tuple[BuildReport | None, str | None]] = {}  # by build number
        self._checked = False

    def embedder(self) -> Embedder:
        """The embedding model, loaded once and shared by builds and assistants."""
        with self._model:
            if self._embedder is None:
                self._embedder = self._factory()
            return self._embedder

    # --- builds ---

    def request(self, reason: str, full: bool = False) -> int:
        """Bring the index up to date with the corpus folder, in the background. Returns the
        `finished` count at which a build that includes this request has ended: a build that is
        running may have listed the folder before the caller's files landed, so one more follows it."""
        with self._lock:
            if self._thread is None:
                self._start(reason, full)
                return self._state.finished + 1
            pending_full = full or (self._pending is not None and self._pending[1])
            self._pending = (self._pending[0] if self._pending else reason, pending_full)
            return self._state.finished + 2

    def check_once(self) -> None:
        """Compare the corpus folder with the live index, once per keeper (a process's first page):
        a file saved just before a restart, and never indexed, is indexed now."""
        with self._lock:
            if self._checked:
                return
            self._checked = True
        self.request("Checking the index…")

    def state(self) -> BuildState:
        with self._lock:
            return self._state

    def outcome(self, ticket: int) -> tuple[BuildReport | None, str | None]:
        """What the build a `request` returned `ticket` for did (its report, or why it failed), once it
        has ended; (None, None) before, or when it is too long ago to be kept."""
        with self._lock:
            return self._outcomes.get(ticket, (None, None))

    def wait(self, finished: int | None = None, timeout: float | None = None) -> BuildState:
        """Block until `finished` builds have ended (default: until no build runs or is pending)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while not self._done(finished):
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._changed.wait(left)
            return self._state

    def _done(self, finished: int | None) -> bool:
        if finished is None:
            return self._thread is None
        return self._state.finished >= finished

    def _start(self, reason: str, full: bool) -> None:  # under self._lock
        # The last finished build's outcome stays readable while the next one runs.
        last = self._state
        self._state = BuildState(
            running=True, reason=reason, finished=last.finished, report=last.report, error=last.error
        )
        self._thread = threading.Thread(target=self._run, args=(full,), name="dossier-build", daemon=True)
        self._thread.start()

    def _run(self, full: bool) -> None:
        report: BuildReport | None = None
        error: str | None = None
        try:
            report = build(self.settings, self.embedder, _Progress(self), rebuild=full)
        except DossierError as e:
            error = str(e)
        except Exception as e:  # noqa: BLE001 - a build must never take the keeper down with it
            error = f"The index build failed ({type(e).__name__}: {str(e)[:200]}); the previous index is kept."
        with self._changed:
            number = self._state.finished + 1
            self._outcomes[number] = (report, error)
            for old in [n for n in self._outcomes if n <= number - 32]:
                del self._outcomes[old]
            self._state = BuildState(reason=self._state.reason, finished=number, report=report, error=error)
            self._thread = None
            if self._pending is not None:
                reason, pending_full = self._pending
                self._pending = None
                self._start(reason, pending_full)
            self._changed.notify_all()

    def _update(self, **changes: object) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)  # type: ignore[arg-type]

    # --- the live index ---

    def generation(self) -> str:
        """The live index generation's name; raises IndexMissing before the first build is live."""
        return store.live_generation(self.settings.index_dir).name

    def assistant(self) -> Assistant:
        """The assistant for the live index, loaded once per generation (the two newest are kept:
        a session still drawing the previous one finds it). Raises IndexMissing while nothing is
        live yet, IndexError_ for a damaged or outdated index."""
        with self._loading:
            for attempt in range(3):
                generation = self.generation()
                if generation in self._assistants:
                    return self._assistants[generation]
                try:
                    loaded = Assistant(self.settings, self.embedder)
                except IndexMissing:
                    raise
                except IndexError_:
                    # A build made another generation live (and pruned this one) while it was read.
                    if attempt < 2 and self.generation() != generation:
                        continue
                    raise
                self._assistants[loaded.generation] = loaded
                for old in sorted(self._assistants, key=lambda g: int(g[4:] or 0))[:-2]:
                    del self._assistants[old]
                return loaded
        raise AssertionError("unreachable")


_keepers: dict[str, IndexKeeper] = {}
_keepers_lock = threading.Lock()


def keeper_for(settings: Settings, embedder_factory: Callable[[], Embedder] | None = None) -> IndexKeeper:
    """The process's keeper of `settings`' index folder (one, whoever asks: two keepers of one
    folder would build side by side)."""
    key = str(settings.index_dir.resolve())
    with _keepers_lock:
        keeper = _keepers.get(key)
        if keeper is None or keeper.settings != settings:
            keeper = _keepers[key] = IndexKeeper(settings, embedder_factory)
        return keeper
