"""The PDF reader's own process: `python -m rag.ingest.pdfread LIMIT` reads a PDF on stdin and
writes its first LIMIT pages' text and its page count, as JSON, on stdout.

A separate interpreter started by command rather than a `multiprocessing` child: a spawned child
re-runs the parent's `__main__`, and under `streamlit run` that is the whole app (every PDF upload
ran app.py once more, in bare mode, with ~229 "missing ScriptRunContext" warnings)."""

from __future__ import annotations

import io
import json
import sys


def pages(data: bytes, limit: int) -> tuple[list[str], int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages[:limit]], len(reader.pages)


if __name__ == "__main__":
    text, total = pages(sys.stdin.buffer.read(), int(sys.argv[1]))
    json.dump({"pages": text, "total": total}, sys.stdout)
