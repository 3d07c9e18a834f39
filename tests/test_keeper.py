"""The index keeper: builds on their own thread, questions answered from the live index meanwhile."""

import threading
import time

import pytest

from rag.app.keeper import IndexKeeper
from rag.core.errors import IndexMissing
from rag.index.build import build
from tests.conftest import HashingEmbedder

ARCTIC = "# Arctic route\n\nCargo on the Northern Sea Route rose to 36 million tonnes, the operator said.\n"


class Gated(HashingEmbedder):
    """Embeds only while its gate is open (a build that is, deterministically, still running)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def embed(self, texts, batch_size=32, progress=None):
        if progress is not None and not self.gate.is_set():  # a build's batches (a question has no progress)
            self.waiting.set()
            assert self.gate.wait(60)
        return super().embed(texts, batch_size, progress)


def until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_questions_are_answered_while_a_build_runs_and_its_files_join_when_it_ends(settings):
    embedder = Gated()
    embedder.gate.set()
    build(settings, lambda: embedder)
    keeper = IndexKeeper(settings, lambda: embedder)
    before = keeper.assistant()
    (settings.corpus_dir / "arctic.md").write_text(ARCTIC, encoding="utf-8")
    embedder.gate.clear()
    ticket = keeper.request("Indexing 1 new article file(s)…")
    assert embedder.waiting.wait(30)
    running = keeper.state()
    assert running.running and running.stage == "Embedding" and running.total == 1
    # meanwhile: the live index answers, nothing waits for the build
    answer = keeper.assistant().ask("Which Chinese bank stopped accepting yuan payments from Russia?")
    assert "ICBC" in answer.text and keeper.assistant() is before
    embedder.gate.set()
    done = keeper.wait(ticket, timeout=60)
    assert not done.running and done.error is None and done.report.added == ("arctic.md",)
    assert "36 million tonnes" in keeper.assistant().ask("How much cargo went along the Northern Sea Route?").text


def test_a_request_during_a_build_gets_a_build_of_its_own_after_it(settings):
    embedder = Gated()
    keeper = IndexKeeper(settings, lambda: embedder)
    first = keeper.request("First start")
    assert embedder.waiting.wait(30)  # the first build has listed the folder and is embedding
    (settings.corpus_dir / "arctic.md").write_text(ARCTIC, encoding="utf-8")
    second = keeper.request("Indexing 1 new article file(s)…")
    assert second == first + 1
    with pytest.raises(IndexMissing):
        keeper.assistant()  # nothing live yet (one stage: the seeds are small)
    embedder.gate.set()
    assert keeper.wait(first, timeout=60).report is not None  # readable while the next build runs
    state = keeper.wait(second, timeout=60)
    assert state.finished == 2 and state.report.added == ("arctic.md",)
    assert keeper.outcome(first)[0].added != ("arctic.md",) and keeper.outcome(second)[0] is state.report
    assert "arctic.md" in {p.source for p in keeper.assistant().index.passages}


def test_a_failed_build_is_reported_and_the_keeper_goes_on(settings):
    for f in settings.corpus_dir.iterdir():
        f.unlink()
    keeper = IndexKeeper(settings, HashingEmbedder)
    state = keeper.wait(keeper.request("First start"), timeout=60)
    assert "Nothing to index" in state.error and state.report is None
    (settings.corpus_dir / "arctic.md").write_text(ARCTIC, encoding="utf-8")
    state = keeper.wait(keeper.request("Again"), timeout=60)
    assert state.error is None and state.report.added == ("arctic.md",)


def test_the_start_up_check_runs_once_per_keeper(settings):
    keeper = IndexKeeper(settings, HashingEmbedder)
    keeper.check_once()
    keeper.check_once()
    assert keeper.wait(timeout=60).finished == 1
