"""The Milvus engine: hybrid search (dense + BM25 computed by the server from the raw text, with
an English analyzer), filters and reciprocal rank fusion in one `hybrid_search` call.

Select it with `DOSSIER_STORE=milvus` and `DOSSIER_MILVUS_URI=http://host:19530` (plus
`DOSSIER_MILVUS_TOKEN`): Milvus Distributed, or Zilliz Cloud with the same API. With no URI, Dossier
starts the Milvus 2.5.1 server shipped in the PyPI package `milvus-lite==2.5.1` itself, on
127.0.0.1, with its data file in the index folder, and stops it when the process ends.

The index on disk stays the source of truth for the articles' text and offsets (citations point
into the files); Milvus holds each passage with its vector and search fields, and is brought in
line with the index by content hash (`sync`), so only changed files are sent again.

Over 400 lines because it holds both the client and the bundled server's lifecycle (start, watchdog,
stop), which only make sense together.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from rag.core.errors import DossierError
from rag.core.schema import Passage
from rag.core.settings import Settings, public_url
from rag.index.build import embedding_text
from rag.lang.text import QUESTION_WORDS, STOPWORDS
from rag.search.engine import Filters, Fusion, Ranked

LITE_VERSION = "2.5.1"
T = TypeVar("T")
# Build and search parameters of the vector indexes (the bundled server has FLAT, IVF_FLAT, AUTOINDEX).
_BUILD: dict[str, dict[str, int]] = {"IVF_FLAT": {"nlist": 1024}, "HNSW": {"M": 16, "efConstruction": 200}}
_SEARCH: dict[str, dict[str, int]] = {"IVF_FLAT": {"nprobe": 32}}
# Milvus's analyzer set up like Dossier's own BM25 terms (`text.terms`): lower-cased words, its
# stop words and question words dropped, Snowball English stems.
ANALYZER = {
    "tokenizer": "standard",
    "filter": [
        "lowercase",
        {"type": "stop", "stop_words": sorted(STOPWORDS | QUESTION_WORDS)},
        {"type": "stemmer", "language": "english"},
    ],
}
_ID_CHARS = 1024
_TEXT_CHARS = 65535


class MilvusUnavailable(DossierError):
    pass


def lite_folder(settings: Settings) -> Path:
    """Where `milvus-lite==2.5.1` was installed (`pip install --no-deps --target ...`): not on the
    import path, since langchain-milvus pulls milvus-lite 3.x (a pure-Python rewrite) under the
    same name."""
    return (
        Path(settings.milvus.milvus_lite_dir) if settings.milvus.milvus_lite_dir else Path(sys.prefix) / "milvus-lite"
    )


# The server runs under a small shell that stops it when this process is gone, however it ended:
# a web server stopped by a signal may skip `atexit`, and an orphaned server would hold its data file.
# Its files are the account's own (umask 077): the bundled server has no authentication, so its data
# must not be readable or writable by other accounts of the machine (see the README's threat model).
_WATCHDOG = """
umask 077
"$2" "$3" "$4" ERROR & server=$!
trap 'kill $server 2>/dev/null; wait $server; exit 0' TERM INT
while kill -0 "$1" 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 1; done
kill $server 2>/dev/null; wait $server
"""


class BundledServer:
    """The Milvus 2.5.1 server binary of the milvus-lite wheel, on 127.0.0.1 and a free port."""

    def __init__(self, folder: Path, data_file: Path, timeout: float = 60.0):
        lib = folder / "milvus_lite" / "lib"
        binary = lib / "milvus"
        if not binary.is_file():
            raise MilvusUnavailable(
                f"The bundled Milvus server is not installed in {folder}. Run `make install` (it runs "
                f"pip install --no-deps --target {folder} milvus-lite=={LITE_VERSION}), or set "
                "DOSSIER_MILVUS_URI to a Milvus server."
            )
        data_file.parent.mkdir(parents=True, exist_ok=True)
        for existing in (data_file, data_file.with_suffix(".log")):  # made by an earlier version, 0644
            if existing.exists():
                existing.chmod(0o700 if existing.is_dir() else 0o600)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        log = data_file.with_suffix(".log")
        self.log = open(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab")  # closed in stop()
        env = {**os.environ, "LD_LIBRARY_PATH": f"{lib}:{os.environ.get('LD_LIBRARY_PATH', '')}"}
        self.process = subprocess.Popen(
            ["/bin/sh", "-c", _WATCHDOG, "milvus", str(os.getpid()), str(binary), str(data_file), self.address],
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise MilvusUnavailable(
                    f"The bundled Milvus server stopped at start (exit {self.process.returncode}); its log is "
                    f"{data_file.with_suffix('.log')}. Is another process using {data_file}?"
                )
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        self.stop()
        raise MilvusUnavailable(f"The bundled Milvus server did not answer within {timeout:.0f} s.")

    @property
    def uri(self) -> str:
        return f"http://{self.address}"

    @property
    def server_pid(self) -> int | None:
        """The Milvus process itself (the watchdog shell's child), for memory figures."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            pids = children.read_text().split()
        except OSError:
            return None
        return int(pids[0]) if pids else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if not self.log.closed:
            self.log.close()


def _reported(method: Callable[..., T]) -> Callable[..., T]:
    """A failing call to the server becomes a message with the next step, not a traceback."""

    @functools.wraps(method)
    def call(self: MilvusEngine, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except DossierError:
            raise
        except Exception as e:  # pymilvus and grpc raise their own
            raise MilvusUnavailable(
                f"Milvus ({self.described}) did not answer ({type(e).__name__}: {str(e)[:200]}). Check that the "
                "server is running, or unset DOSSIER_STORE to search in this process."
            ) from e

    return call


class MilvusEngine:
    """A `SearchEngine` over one Milvus collection (and a small one of file hashes for `sync`)."""

    def __init__(
        self,
        uri: str,
        collection: str,
        dimension: int,
        token: str = "",
        described: str | None = None,
        bm25: tuple[float, float] = (0.9, 0.4),
        index: str = "FLAT",
    ):
        """`bm25` is (k1, b) and `index` the vector index (FLAT, IVF_FLAT, HNSW, AUTOINDEX) for a new
        collection."""
        try:
            from pymilvus import MilvusClient
        except ImportError:
            raise MilvusUnavailable("DOSSIER_STORE=milvus needs pymilvus: run `make install`.") from None

        self.collection, self.files, self.dimension, self.bm25 = collection, f"{collection}_files", dimension, bm25
        self.index = index
        self.described = described or f"milvus at {_host(uri)}"
        try:
            self.client = _connect(MilvusClient, uri, token)
            self._ensure()
        except MilvusUnavailable:
            raise
        except Exception as e:  # pymilvus raises its own and grpc's errors
            raise MilvusUnavailable(
                f"Milvus at {_host(uri)} cannot be used ({type(e).__name__}: {str(e)[:200]}). Check "
                "DOSSIER_MILVUS_URI and DOSSIER_MILVUS_TOKEN, or unset DOSSIER_STORE to search in-process."
            ) from e

    def describe(self) -> str:
        return self.described

    def close(self) -> None:
        """Close the connection (each client keeps a gRPC channel open, pinging the server)."""
        self.client.close()

    def _ensure(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        c = self.client
        if c.has_collection(self.collection):
            dim = next(
                f["params"].get("dim") for f in c.describe_collection(self.collection)["fields"] if f["name"] == "dense"
            )
            if int(dim) != self.dimension:
                raise MilvusUnavailable(
                    f"Milvus collection {self.collection} holds {dim}-dimensional vectors, the embedding model "
                    f"{self.dimension}: set DOSSIER_MILVUS_COLLECTION to another name, or drop it."
                )
        else:
            schema = c.create_schema(auto_id=False)
            schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=_ID_CHARS)
            schema.add_field("source", DataType.VARCHAR, max_length=_ID_CHARS)
            schema.add_field("article", DataType.VARCHAR, max_length=_ID_CHARS)
            schema.add_field("kind", DataType.VARCHAR, max_length=16)
            schema.add_field("date", DataType.VARCHAR, max_length=10)  # "" when undated
            schema.add_field("publisher", DataType.VARCHAR, max_length=512)  # lower-cased
            schema.add_field(
                "text",
                DataType.VARCHAR,
                max_length=_TEXT_CHARS,
                enable_analyzer=True,
                analyzer_params=ANALYZER,
            )
            schema.add_field("passage", DataType.VARCHAR, max_length=_TEXT_CHARS)  # the Passage, as JSON
            schema.add_field("dense", DataType.FLOAT_VECTOR, dim=self.dimension)
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            schema.add_function(
                Function(
                    name="bm25",
                    function_type=FunctionType.BM25,
                    input_field_names=["text"],
                    output_field_names=["sparse"],
                )
            )
            index = c.prepare_index_params()
            index.add_index("dense", index_type=self.index, metric_type="IP", params=_BUILD.get(self.index, {}))
            index.add_index(
                "sparse",
                index_type="SPARSE_INVERTED_INDEX",
                metric_type="BM25",
                params={"bm25_k1": self.bm25[0], "bm25_b": self.bm25[1]},
            )
            c.create_collection(self.collection, schema=schema, index_params=index, consistency_level="Strong")
        if not c.has_collection(self.files):
            schema = c.create_schema(auto_id=False)
            schema.add_field("source", DataType.VARCHAR, is_primary=True, max_length=_ID_CHARS)
            schema.add_field("sha256", DataType.VARCHAR, max_length=64)
            schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus needs a vector field
            index = c.prepare_index_params()
            index.add_index("unused", index_type="FLAT", metric_type="L2")
            c.create_collection(self.files, schema=schema, index_params=index, consistency_level="Strong")

    # --- writing --------------------------------------------------------------------------------

    @_reported
    def upsert(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        self._write(self.client.upsert, passages, vectors)

    def _write(self, call: Any, passages: Sequence[Passage], vectors: np.ndarray, batch: int = 500) -> None:
        """Rows in batches of 500, two calls in flight. Measured here (2 cores, bundled server):
        500 rows per call is fastest (5,000 per call: 0.2k rows/s); two writers 4.5k rows/s against
        2.6k for one, three 3.6k."""

        def send(start: int) -> None:
            rows = [
                {
                    "id": p.id,
                    "source": p.source,
                    "article": p.article_id,
                    "kind": p.kind,
                    "date": p.date or "",
                    "publisher": (p.publisher or "").lower(),
                    "text": embedding_text(p)[:_TEXT_CHARS],
                    "passage": json.dumps(p.to_json(), ensure_ascii=False),
                    "dense": v.astype(np.float32).tolist(),
                }
                for p, v in zip(passages[start : start + batch], vectors[start : start + batch], strict=True)
            ]
            call(self.collection, rows)

        with ThreadPoolExecutor(2) as writers:
            list(writers.map(send, range(0, len(passages), batch)))  # list(): re-raises a failed batch

    @_reported
    def delete(self, sources: Sequence[str]) -> None:
        sources = list(sources)
        for i in range(0, len(sources), 1000):  # expressions of bounded size
            some = _list(sources[i : i + 1000])
            self.client.delete(self.collection, filter=f"source in {some}")
            self.client.delete(self.files, filter=f"source in {some}")

    @_reported
    def sync(
        self, files: dict[str, str], passages: Sequence[Passage], vectors: Callable[[list[int]], np.ndarray]
    ) -> dict[str, int]:
        """Bring the collection in line with an index: `files` maps each source file to its content
        hash; passages of new or changed files are sent, with `vectors(rows)` (the vectors of those
        passages, by position), those of removed or changed files deleted. Returns the counts. When
        nothing changed (every restart), no vector is read."""
        held: dict[str, str] = {}
        pages = self.client.query_iterator(self.files, batch_size=5000, output_fields=["source", "sha256"])
        while page := pages.next():
            held.update((r["source"], r["sha256"]) for r in page)
        pages.close()
        stale = [s for s, sha in held.items() if files.get(s) != sha]
        fresh = {s for s, sha in files.items() if held.get(s) != sha}
        # Fresh files too: rows a sync interrupted before recording its file would be doubled.
        self.delete(sorted(set(stale) | fresh))
        rows = [i for i, p in enumerate(passages) if p.source in fresh]
        # Plain inserts (no id lookups, unlike upsert): every old row of these files is gone.
        if rows:
            self._write(self.client.insert, [passages[i] for i in rows], vectors(rows))
        if fresh:
            self.client.upsert(
                self.files, [{"source": s, "sha256": files[s], "unused": [0.0, 0.0]} for s in sorted(fresh)]
            )
        # Reconcile: rows missing behind unchanged hashes are sent again.
        if damaged := self._damaged(files, passages):
            some = _list(damaged)
            self.client.delete(self.collection, filter=f"source in {some}")
            again = [i for i, p in enumerate(passages) if p.source in set(damaged)]
            self._write(self.client.insert, [passages[i] for i in again], vectors(again))
            rows += again
        return {"sent": len(rows), "files": len(fresh | set(damaged)), "removed": len(set(stale) - fresh)}

    def _damaged(self, files: dict[str, str], passages: Sequence[Passage]) -> list[str]:
        """The files whose rows are not all in the collection (deleted by another client, or a sync
        cut short), though their hashes say they are: counted per file only when the total is off,
        so a healthy sync costs one count."""
        expected: dict[str, int] = {}
        for passage in passages:
            if passage.source in files:
                expected[passage.source] = expected.get(passage.source, 0) + 1
        if self.count() == sum(expected.values()):
            return []
        return [s for s, n in sorted(expected.items()) if self.count(f"source == {json.dumps(s)}") != n]

    # --- reading --------------------------------------------------------------------------------

    @_reported
    def get(self, ids: Sequence[str]) -> list[Passage]:
        if not ids:
            return []
        rows = self.client.get(self.collection, ids=list(ids), output_fields=["passage"])
        found = {r["id"]: Passage.from_json(json.loads(r["passage"])) for r in rows}
        return [found[i] for i in ids if i in found]

    @_reported
    def count(self, where: str = "") -> int:
        """Rows in the collection (those `where` admits, a Milvus filter expression)."""
        rows = self.client.query(self.collection, filter=where, output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    @_reported
    def search(
        self, query: str, vector: np.ndarray | None, n: int, filters: Filters | None, mode: str, fusion: Fusion
    ) -> list[Ranked]:
        from pymilvus import AnnSearchRequest, RRFRanker

        expr = _expr(filters) if filters else ""
        dense_req = lexical_req = None
        if mode in ("hybrid", "dense") and vector is not None:
            params = {
                "metric_type": "IP",
                "params": {"ef": max(64, n)} if self.index == "HNSW" else _SEARCH.get(self.index, {}),
            }
            dense_req = AnnSearchRequest([vector.astype(np.float32).tolist()], "dense", params, n, expr)
        if mode in ("hybrid", "lexical") and query.strip():
            lexical_req = AnnSearchRequest([query], "sparse", {"metric_type": "BM25"}, n, expr)
        requests = [r for r in (dense_req, lexical_req) if r is not None]
        if not requests:
            return []
        if len(requests) == 1:
            (r,) = requests
            found = self.client.search(
                self.collection, r.data, anns_field=r.anns_field, search_params=r.param, limit=n, filter=expr
            )[0]
            field = "dense" if r is dense_req else "lexical"
            return [Ranked(h["id"], float(h["distance"]), **{field: float(h["distance"])}) for h in found]
        # One call: both searches, the filter and reciprocal rank fusion run in the engine. Milvus's
        # RRF weighs its rankings equally (Dossier's in-process fusion weighs BM25 by `fusion.lexical`).
        found = self.client.hybrid_search(self.collection, requests, RRFRanker(fusion.k), limit=n)[0]
        # The fused score hides each passage's cosine, which views read as relevance: from the vectors.
        assert vector is not None
        ids = [h["id"] for h in found]
        vectors = {r["id"]: r["dense"] for r in self.client.get(self.collection, ids=ids, output_fields=["dense"])}
        return [
            Ranked(i, float(h["distance"]), dense=float(np.dot(vectors[i], vector)) if i in vectors else None)
            for i, h in zip(ids, found, strict=True)
        ]


def _connect(client: Any, uri: str, token: str, attempts: int = 3) -> Any:
    """A client connected to `uri`; a server busy starting or under load gets two more tries."""
    for attempt in range(attempts):
        try:
            return client(uri=uri, token=token, timeout=30)
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(1.0 + attempt)
    raise AssertionError("unreachable")


def _expr(filters: Filters) -> str:
    """`filters` as a Milvus boolean expression."""
    parts = []
    for field, values in (
        ("source", filters.sources),
        ("article", filters.articles),
        ("kind", filters.kinds),
        ("publisher", filters.publishers),
    ):
        if values is not None:
            parts.append(f"{field} in {_list(sorted(values))}")
    if filters.date_from or filters.date_to:
        parts.append('date != ""')  # an undated article cannot be shown to fall in the range
        if filters.date_from:
            parts.append(f"date >= {json.dumps(filters.date_from)}")
        if filters.date_to:
            parts.append(f"date <= {json.dumps(filters.date_to)}")
    return " and ".join(parts)


def _list(values: Sequence[str] | Any) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def _host(uri: str) -> str:
    return public_url(uri).split("://", 1)[-1]


def open_milvus(settings: Settings, dimension: int) -> MilvusEngine:
    """The Milvus engine the settings name: the server at `milvus_uri`, or the bundled one started
    now with its data file in the index folder."""
    options: dict[str, Any] = {
        "bm25": (settings.search.bm25_k1, settings.search.bm25_b),
        "index": settings.milvus.milvus_index,
    }
    if settings.milvus.milvus_uri:
        return MilvusEngine(
            settings.milvus.milvus_uri,
            settings.milvus.milvus_collection,
            dimension,
            settings.milvus.milvus_token,
            **options,
        )
    server = _bundled(str(lite_folder(settings)), str(settings.index.index_dir / "milvus.db"))
    described = f"milvus {LITE_VERSION} at {server.address}"
    return MilvusEngine(server.uri, settings.milvus.milvus_collection, dimension, described=described, **options)


_SERVERS: dict[tuple[str, str], BundledServer] = {}


def _bundled(folder: str, data_file: str) -> BundledServer:
    """One bundled server per data file for the life of this process."""
    key = (folder, data_file)
    server = _SERVERS.get(key)
    if server is None or server.process.poll() is not None:
        server = _SERVERS[key] = BundledServer(Path(folder), Path(data_file))
    return server
