"""The search-engine contract, run over both engines: the in-process FAISS + BM25 default and a
real Milvus 2.5.1 server (the bundled binary, started here). Upsert, delete, fetch by id, hybrid
search with filters, incremental sync; then the whole assistant on Milvus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rag.core.settings import PROJECT_DIR, Settings
from rag.index import store
from rag.index.build import build
from rag.search.engine import Filters, Fusion, LocalEngine
from tests.conftest import E, HashingEmbedder

FUSION = Fusion()


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """The bundled Milvus server for the session. Under CI it must be there: a missing server fails."""
    from rag.search.milvus import BundledServer, MilvusUnavailable, lite_folder

    try:
        server = BundledServer(lite_folder(Settings.from_env(environ={})), tmp_path_factory.mktemp("milvus") / "m.db")
    except MilvusUnavailable as e:
        if os.environ.get("CI") == "true":
            pytest.fail(str(e))
        pytest.skip(str(e))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory):
    """The seeds indexed with the hashing test embedder: passages and their vectors."""
    root = tmp_path_factory.mktemp("engines")
    settings = Settings.from_env(
        environ={}, corpus_dir=PROJECT_DIR / "seeds", index_dir=root / "index", embedding_model="hashing-test"
    )
    build(settings, HashingEmbedder)
    return store.load(settings.index_dir, settings.embedder_id)


@pytest.fixture(params=["faiss", "milvus"])
def engine(request, seeds_index):
    if request.param == "faiss":
        return LocalEngine([], None)
    from rag.search.milvus import MilvusEngine

    server = request.getfixturevalue("milvus_server")
    name = f"t_{request.node.name.split('[')[0][-40:]}_{os.getpid()}".replace("-", "_")
    engine = MilvusEngine(server.uri, name, seeds_index.manifest.dimension)
    request.addfinalizer(engine.close)
    return engine


def loaded(engine, index):  # type: ignore[no-untyped-def]
    engine.upsert(list(index.passages), index.matrix())
    return engine


def test_passages_come_back_by_id_and_are_replaced_not_doubled(engine, seeds_index):
    loaded(engine, seeds_index)
    n = len(seeds_index.passages)
    assert engine.count() == n
    some = [seeds_index.passages[i] for i in (5, 0, 17)]
    assert engine.get([p.id for p in some] + ["no-such-id"]) == some
    engine.upsert(some, seeds_index.matrix()[[5, 0, 17]])
    assert engine.count() == n


def test_deleting_a_source_removes_only_its_passages(engine, seeds_index):
    loaded(engine, seeds_index)
    engine.delete([E])
    left = len([p for p in seeds_index.passages if p.source != E])
    assert engine.count() == left
    found = engine.search("ICBC yuan payments Russia", None, 50, None, "lexical", FUSION)
    assert found and all(not r.id.startswith(E) for r in found)


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
def test_search_finds_the_passage_in_every_mode(engine, seeds_index, mode):
    loaded(engine, seeds_index)
    target = next(p for p in seeds_index.passages if "ICBC" in p.text)
    vector = seeds_index.matrix()[seeds_index.passages.index(target)]
    found = engine.search("Which bank stopped accepting yuan payments? ICBC", vector, 10, None, mode, FUSION)
    assert target.id in [r.id for r in found[:3]]
    if mode == "dense":
        assert found[0].id == target.id
    if mode != "lexical":  # the cosine is reported, for views that show relevance
        assert next(r for r in found if r.id == target.id).dense == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(sources=frozenset([E])),
        Filters(date_from="2013-01-01", date_to="2014-12-31"),
        Filters(kinds=frozenset(["comment"])),
        Filters(publishers=frozenset(["china daily"])),
    ],
    ids=["source", "dates", "kind", "outlet"],
)
def test_filters_hold_in_every_result(engine, seeds_index, filters):
    loaded(engine, seeds_index)
    vector = seeds_index.matrix()[0]
    found = engine.search("China Russia", vector, 30, filters, "hybrid", FUSION)
    passages = engine.get([r.id for r in found])
    assert passages and all(filters.admits(p) for p in passages)
    expected = {p.id for p in seeds_index.passages if filters.admits(p)}
    assert {p.id for p in passages} <= expected
    assert len(found) == min(30, len(expected))


def test_milvus_sync_sends_only_what_changed(milvus_server, seeds_index):
    from rag.search.milvus import MilvusEngine

    engine = MilvusEngine(milvus_server.uri, f"t_sync_{os.getpid()}", seeds_index.manifest.dimension)
    files = {s: f.sha256 for s, f in seeds_index.manifest.files.items()}
    passages, vectors = list(seeds_index.passages), seeds_index.matrix()

    def rows_of(rows: list[int]) -> np.ndarray:
        return vectors[rows]

    first = engine.sync(files, passages, rows_of)
    assert first["sent"] == len(passages) == engine.count()
    assert engine.sync(files, passages, rows_of) == {"sent": 0, "files": 0, "removed": 0}
    changed = {**files, E: "0" * 64}
    del changed[sorted(files)[0]]
    again = engine.sync(changed, passages, rows_of)
    assert again == {"sent": len([p for p in passages if p.source == E]), "files": 1, "removed": 1}
    assert engine.count() == len([p for p in passages if p.source != sorted(files)[0]])
    # Another client deletes some rows; the hashes still say the files are there: the next sync
    # (every start) counts, finds the file short, and sends it again.
    engine.client.delete(engine.collection, filter=f'source == "{E}"')
    restored = engine.sync(changed, passages, rows_of)
    assert restored["sent"] == len([p for p in passages if p.source == E])
    assert engine.count() == len([p for p in passages if p.source != sorted(files)[0]])
    engine.close()


def test_the_assistant_answers_the_same_on_milvus(milvus_server, tmp_path):
    """The real model, the seeds, the bundled server started by the settings alone."""
    from rag.app.assistant import Assistant

    settings = Settings.from_env(environ={}, corpus_dir=PROJECT_DIR / "seeds", index_dir=tmp_path / "index")
    faiss = Assistant.open(settings)
    milvus = Assistant(settings.replace(store="milvus"))
    assert milvus.retriever.engine.describe().startswith("milvus 2.5.1 at 127.0.0.1:")
    for question in (
        "Which Chinese bank stopped accepting yuan payments from Russia?",
        "What is the price of Bitcoin?",
    ):
        a, b = faiss.ask(question), milvus.ask(question)
        assert (a.abstained, [c.quote for c in a.citations]) == (b.abstained, [c.quote for c in b.citations])
    out = subprocess.run(
        [sys.executable, "-m", "rag", "ask", "--json", "Who is Li Shanfu?"],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        env={**os.environ, "DOSSIER_STORE": "milvus", "DOSSIER_INDEX_DIR": str(tmp_path / "index"),
             "DOSSIER_CORPUS_DIR": str(PROJECT_DIR / "seeds")},
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["store"].startswith("milvus 2.5.1 at 127.0.0.1:")


def test_bench_scale_reports_both_engines_on_a_small_corpus(milvus_server, tmp_path):
    from rag.bench.scale import run

    report = run(Settings.from_env(environ={}, index_dir=tmp_path), n=3000, queries=5, dimension=32)
    for engine in ("faiss", "milvus"):
        assert report[engine]["insert_per_s"] > 0
        assert 0 < report[engine]["query_p50_ms"] <= report[engine]["query_p95_ms"]
    assert 0.5 <= report["recall_at_10_milvus_vs_faiss"] <= 1.0
    assert report["milvus"]["server_memory_mb"] > 0


def test_an_approximate_index_finds_what_flat_finds(milvus_server, seeds_index):
    from rag.search.milvus import MilvusEngine

    ivf = MilvusEngine(milvus_server.uri, f"t_ivf_{os.getpid()}", seeds_index.manifest.dimension, index="IVF_FLAT")
    flat = loaded(MilvusEngine(milvus_server.uri, f"t_flat_{os.getpid()}", seeds_index.manifest.dimension), seeds_index)
    loaded(ivf, seeds_index)
    vectors = seeds_index.matrix()
    for row in (0, 40, 80):
        a = ivf.search("", vectors[row], 10, None, "dense", FUSION)
        b = flat.search("", vectors[row], 10, None, "dense", FUSION)
        assert len({r.id for r in a} & {r.id for r in b}) >= 9
    ivf.close()
    flat.close()


def test_a_milvus_server_that_stops_is_a_message_with_the_next_step(milvus_server, tmp_path, seeds_index):
    from rag.search.milvus import BundledServer, MilvusEngine, MilvusUnavailable, lite_folder

    server = BundledServer(lite_folder(Settings.from_env(environ={})), tmp_path / "gone.db")
    engine = loaded(MilvusEngine(server.uri, "t_gone", seeds_index.manifest.dimension), seeds_index)
    server.stop()
    with pytest.raises(MilvusUnavailable, match="unset DOSSIER_STORE"):
        engine.search("ICBC", None, 5, None, "lexical", FUSION)


def test_the_bundled_server_stops_when_the_process_that_started_it_is_killed(milvus_server, tmp_path):
    """A web server stopped by a signal skips atexit: the watchdog still stops Milvus."""
    code = (
        "import sys, time; from pathlib import Path; from rag.search.milvus import BundledServer, lite_folder; "
        "from rag.core.settings import Settings; "
        "s = BundledServer(lite_folder(Settings.from_env(environ={})), Path(sys.argv[1])); "
        "print(s.server_pid, flush=True); time.sleep(120)"
    )
    starter = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "k.db")], stdout=subprocess.PIPE, text=True, cwd=PROJECT_DIR
    )
    pid = int(starter.stdout.readline())
    assert Path(f"/proc/{pid}").exists()
    starter.kill()
    starter.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.2)
    assert not Path(f"/proc/{pid}").exists()


def test_the_local_engine_keeps_the_bm25_settings_after_a_change(seeds_index):
    engine = LocalEngine([], None, k1=1.7, b=0.2)
    engine.upsert(seeds_index.passages[:30], seeds_index.matrix()[:30])
    assert (engine.bm25.k1, engine.bm25.b) == (1.7, 0.2)  # DOSSIER_BM25_K1 / _B, not the defaults


def test_the_bundled_server_keeps_its_data_private_to_the_account(milvus_server, tmp_path):
    """It has no authentication: its data files are readable and writable by this account only."""
    import stat

    from rag.search.milvus import BundledServer, MilvusEngine, lite_folder

    data = tmp_path / "private" / "m.db"
    data.parent.mkdir()
    data.with_suffix(".log").write_bytes(b"")
    data.with_suffix(".log").chmod(0o644)  # as an earlier version left it
    server = BundledServer(lite_folder(Settings.from_env(environ={})), data)
    try:
        MilvusEngine(server.uri, "private", 8).close()  # a collection written
        made = list(data.parent.rglob("*"))
        assert made and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in made), [
            (p.name, oct(p.stat().st_mode)) for p in made
        ]
    finally:
        server.stop()
