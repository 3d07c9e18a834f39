"""Building, updating and loading the on-disk index (with the hashing test embedder)."""

import json
import shutil

import pytest

from rag.app.assistant import Assistant
from rag.core.errors import CorpusError, IndexError_, IndexMismatch, IndexMissing, IndexOutdated
from rag.index import store
from rag.index.build import build
from tests.conftest import A, C, HashingEmbedder


def test_build_writes_an_inspectable_versioned_index(settings, embedder):
    report = build(settings, lambda: embedder)
    assert report.written and report.articles == 11 and report.passages > 100
    index = store.load(settings.index_dir, settings.embedder_id)
    manifest = json.loads((index.path / "manifest.json").read_text())
    assert manifest["format_version"] == store.FORMAT_VERSION
    # the model and the backend that made the vectors
    assert manifest["embedding_model"] == "hashing-test (onnx-int8)" and manifest["dimension"] == 64
    assert set(manifest["files"]) == {p.name for p in settings.corpus_dir.iterdir()}
    assert index.vectors.ntotal == len(index.passages) == manifest["passages"]
    assert not list(index.path.glob("*.pkl"))
    for p in index.passages:
        original = (settings.corpus_dir / p.source).read_text(encoding="utf-8")
        assert [original[s:e] for s, e in p.sentences] == [index.texts[p.source][s:e] for s, e in p.sentences]


def test_rerun_on_unchanged_files_embeds_nothing(settings, embedder):
    build(settings, lambda: embedder)
    before = store.live_generation(settings.index_dir)
    calls = []
    report = build(settings, lambda: calls.append(1) or embedder)
    assert not report.written and report.embedded == 0 and calls == []  # the model is not even loaded
    assert store.live_generation(settings.index_dir) == before


def test_changed_added_and_deleted_files_are_reindexed_alone(settings, embedder):
    build(settings, lambda: embedder)
    passages_c = [p for p in store.load(settings.index_dir).passages if p.source == C]
    (settings.corpus_dir / A).write_text(
        "Changed Article\n\nThe SCO met in Astana to discuss rail links.\n", encoding="utf-8"
    )
    (settings.corpus_dir / "new.md").write_text("# New piece\n\nGazprom signed a pipeline deal.\n", encoding="utf-8")
    (settings.corpus_dir / "004_14ee843bf2aae238.txt").unlink()
    fresh = HashingEmbedder()
    report = build(settings, lambda: fresh)
    assert report.changed == (A,) and report.added == ("new.md",) and report.removed == ("004_14ee843bf2aae238.txt",)
    assert fresh.embedded == report.embedded == 2  # one passage each, nothing else re-embedded
    index = store.load(settings.index_dir)
    assert [p for p in index.passages if p.source == C] == passages_c
    assert {p.source for p in index.passages} == {p.name for p in settings.corpus_dir.iterdir()}
    assert index.texts[A].startswith("Changed Article")
    row = next(i for i, p in enumerate(index.passages) if p.source == "new.md")
    assert (
        abs(
            float(index.matrix()[row] @ fresh.embed([index.passages[row].title + "\n" + index.passages[row].text])[0])
            - 1
        )
        < 1e-5
    )


def test_bad_files_are_skipped_with_reasons_and_the_rest_indexed(settings, embedder):
    latin = "Caf\xe9 talks\n\nThe ministers met at the Caf\xe9 Od\xe9on on Monday and will meet in M\xe4rz.\n"
    (settings.corpus_dir / "latin1.txt").write_bytes(latin.encode("latin-1"))  # read, not refused
    (settings.corpus_dir / "blob.txt").write_bytes(b"\x00\xff" * 100)
    (settings.corpus_dir / "chrome.txt").write_text("Leave a Reply\n\nLog Out /\n", encoding="utf-8")
    (settings.corpus_dir / ".DS_Store").write_bytes(b"\x00")
    report = build(settings, lambda: embedder)
    reasons = {s.source: s.reason for s in report.skipped}
    assert set(reasons) == {"blob.txt", "chrome.txt"}
    assert "binary" in reasons["blob.txt"] and "no article text" in reasons["chrome.txt"]
    assert report.articles == 12


def test_a_file_that_splits_into_too_many_passages_is_skipped_with_the_setting_to_raise(settings, embedder):
    paragraphs = [
        f"On day {n} the ministers met again and agreed on schedule {n} for the talks. " * 3 for n in range(200)
    ]
    (settings.corpus_dir / "long.txt").write_text("Long report\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    report = build(settings.replace(max_passages_per_file=60), lambda: embedder)
    reasons = {s.source: s.reason for s in report.skipped}
    assert "DOSSIER_MAX_PASSAGES_PER_FILE" in reasons["long.txt"] and report.articles == 11


def test_empty_or_missing_corpus_is_a_clear_error_and_keeps_the_old_index(settings, embedder):
    build(settings, lambda: embedder)
    live = store.live_generation(settings.index_dir)
    for f in settings.corpus_dir.iterdir():
        f.unlink()
    with pytest.raises(CorpusError, match="no article files"):
        build(settings, lambda: embedder)
    assert store.live_generation(settings.index_dir) == live
    shutil.rmtree(settings.corpus_dir)
    with pytest.raises(CorpusError, match="does not exist"):
        build(settings, lambda: embedder)


def test_missing_index_says_how_to_build_it(tmp_path):
    with pytest.raises(IndexMissing, match="python -m rag index"):
        store.load(tmp_path / "nothing")


@pytest.mark.parametrize(
    "damage",
    ["manifest", "manifest-list", "vectors", "huge-vectors", "passages", "tampered", "current", "current-bytes"],
)
def test_damaged_index_is_refused_with_the_fix(settings, embedder, damage):
    build(settings, lambda: embedder)
    gen = store.live_generation(settings.index_dir)
    if damage == "manifest":
        (gen / "manifest.json").write_text("{not json")
    elif damage == "manifest-list":
        (gen / "manifest.json").write_text("[]")
    elif damage == "huge-vectors":  # a well-formed FAISS header claiming 2**60 vectors
        data = bytearray((gen / "vectors.faiss").read_bytes())
        data[8:16] = (2**60).to_bytes(8, "little")
        (gen / "vectors.faiss").write_bytes(bytes(data))
    elif damage == "tampered":  # still well-formed: one passage's words changed
        text = (gen / "sources.jsonl").read_text()
        (gen / "sources.jsonl").write_text(text.replace("ruble", "rupee", 1))
    elif damage == "current-bytes":
        (settings.index_dir / "CURRENT").write_bytes(b"gen-\xff\xfe")
    elif damage == "vectors":
        (gen / "vectors.faiss").write_bytes(b"garbage")
    elif damage == "passages":
        lines = (gen / "passages.jsonl").read_text().splitlines()
        (gen / "passages.jsonl").write_text("\n".join(lines[:-3]) + "\n")
    else:
        (settings.index_dir / "CURRENT").write_text("gen-gone")
    with pytest.raises(IndexError_, match="damaged.*--rebuild"):
        store.load(settings.index_dir)
    # and a build repairs it instead of extending it
    report = build(settings, lambda: embedder)
    assert report.written and report.rebuilt_reason
    store.load(settings.index_dir)


def set_format_version(index_dir, version: int) -> None:
    manifest = store.live_generation(index_dir) / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format_version": version}))


def test_an_index_from_an_older_dossier_is_rebuilt_by_the_assistant(settings, embedder):
    build(settings, lambda: embedder)
    set_format_version(settings.index_dir, store.FORMAT_VERSION - 1)
    with pytest.raises(IndexOutdated, match="format version"):
        store.load(settings.index_dir)
    reports = []
    assistant = Assistant.open(settings, lambda: embedder, on_build=reports.append)
    assert reports[0].rebuilt_reason and assistant.index.passages
    set_format_version(settings.index_dir, store.FORMAT_VERSION + 1)  # from a newer Dossier: reported, kept
    with pytest.raises(IndexMismatch, match="format version") as refused:
        Assistant.open(settings, lambda: embedder)
    assert not isinstance(refused.value, IndexOutdated)


def test_index_built_with_another_model_is_refused(settings, embedder):
    build(settings, lambda: embedder)
    with pytest.raises(IndexMismatch, match="built with the embedding model 'hashing-test.*--rebuild"):
        store.load(settings.index_dir, "all-MiniLM-L6-v2")


def test_index_built_by_another_backend_is_re_embedded(settings, embedder):
    build(settings, lambda: embedder)
    torch = settings.replace(embedding_backend="torch")
    with pytest.raises(IndexOutdated, match="re-embedding"):
        store.load(torch.index_dir, torch.embedder_id)  # int8 vectors are not torch's: not mixed
    report = build(torch, lambda: embedder)
    assert report.embedded == report.passages and store.load(torch.index_dir, "hashing-test")


def test_crash_mid_write_leaves_the_previous_index_loadable(settings, embedder, monkeypatch):
    build(settings, lambda: embedder)
    before = store.load(settings.index_dir)
    (settings.corpus_dir / A).write_text("Replaced\n\nA new text about Gazprom prices.\n", encoding="utf-8")
    import faiss

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", crash)
    with pytest.raises(OSError):
        build(settings, lambda: embedder)
    after = store.load(settings.index_dir)
    assert after.path == before.path and len(after.passages) == len(before.passages)
    assert not list(settings.index_dir.glob(".staging-*"))


def test_a_large_build_is_made_live_in_stages_and_resumes_after_an_interruption(settings, embedder):
    staged = settings.replace(first_stage_passages=20)
    live_while_embedding: list[set[str]] = []

    class Watching(HashingEmbedder):
        def embed(self, texts, batch_size=32, progress=None):
            try:
                live_while_embedding.append(set(store.read_manifest(settings.index_dir).files))
            except IndexMissing:
                live_while_embedding.append(set())
            return super().embed(texts, batch_size, progress)

    report = build(staged, Watching)
    files = {p.name for p in settings.corpus_dir.iterdir()}
    # the first stage was searchable while the next was embedded; each stage added whole files
    assert len(live_while_embedding) >= 3 and live_while_embedding[0] == set()
    assert set() < live_while_embedding[1] < live_while_embedding[-1] < files
    index = store.load(settings.index_dir)
    assert report.passages == len(index.passages) and {p.source for p in index.passages} == files

    # stopped after its first stage: the next build embeds only what that stage had not
    shutil.rmtree(settings.index_dir)

    class Failing(HashingEmbedder):
        calls = 0

        def embed(self, texts, batch_size=32, progress=None):
            Failing.calls += 1
            if Failing.calls == 2:
                raise KeyboardInterrupt
            return super().embed(texts, batch_size, progress)

    with pytest.raises(KeyboardInterrupt):
        build(staged, Failing)
    first_stage = store.load(settings.index_dir)
    resumed = build(staged, lambda: embedder)
    assert resumed.embedded == report.passages - len(first_stage.passages) > 0
    assert resumed.passages == report.passages
