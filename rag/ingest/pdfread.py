"""The PDF reader's own process: `python -m rag.ingest.pdfread LIMIT` reads a PDF on stdin and
writes its first LIMIT pages' text and its page count, as JSON, on stdout.

A separate interpreter started by command rather than a `multiprocessing` child: a spawned child
re-runs the parent's `__main__`, and under `streamlit run` that is the whole app (every PDF upload
ran app.py once more, in bare mode, with ~229 "missing ScriptRunContext" warnings)."""

from __future__ import annotations

import io
import json
import sys


def read(data: bytes, limit: int) -> dict[str, object]:
    """The first `limit` pages' text, the page count, and the document's own title, author and
    creation date (its Info dictionary), where it has them."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    info = reader.metadata or {}
    meta = {key: str(info.get(f"/{key}") or "").strip()[:300] for key in ("Title", "Author", "CreationDate")}
    pages = [page.extract_text() or "" for page in reader.pages[:limit]]
    return {"pages": pages, "total": len(reader.pages), **meta}


if __name__ == "__main__":
    json.dump(read(sys.stdin.buffer.read(), int(sys.argv[1])), sys.stdout)
