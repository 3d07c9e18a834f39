"""Adding articles: an uploaded file -> a UTF-8 text file in the corpus folder.

Uploads are untrusted: the name is reduced to a plain file name (no folders, no dot-files), an
existing article is never overwritten (a new name is chosen and reported), text in any encoding is
read (`clean.decode`), and HTML or PDF is converted to an article text first (trafilatura; pypdf in a
worker process with a time budget) so citation offsets point into a file a reader can open; the
original is kept in `originals/`.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from rag.core.errors import CorpusError
from rag.core.settings import PROJECT_DIR, source_url
from rag.ingest.clean import decode, load_file, parse
from rag.lang.text import spoken_date

ACCEPTED = (".txt", ".md", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class Added:
    path: Path
    renamed_from: str | None = None
    """The requested name, when it was taken and the file was saved under another."""
    converted: bool = False
    already: bool = False
    """The same text was already in the corpus under this path: nothing was written."""


def safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("._")[:80] or "article"
    return f"{stem}{suffix}"


def add_upload(corpus_dir: Path, filename: str, data: bytes, max_bytes: int, url: str | None = None) -> Added:
    """Validate, convert and save one upload (or fetched page, `url`). Raises CorpusError with a
    message for the user."""
    name = safe_name(filename)
    suffix = Path(name).suffix
    if suffix not in ACCEPTED:
        raise CorpusError(
            f"{filename}: {suffix or 'no extension'} files are not supported; upload .txt, .md, .html or .pdf."
        )
    if len(data) > max_bytes:
        raise CorpusError(
            f"{filename}: {len(data):,} bytes is over the {max_bytes:,}-byte limit; split it into articles."
        )
    if not data.strip():
        raise CorpusError(f"{filename}: the file is empty.")
    converted = suffix in (".html", ".htm", ".pdf")
    from rag.ingest import worker  # (it runs `convert` in its own process)

    text = worker.convert(name, filename, data, url)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    if converted:
        # The original is kept beside the corpus (not indexed); citations point into the text
        # extracted from it, which is what the index and the source view show.
        originals = corpus_dir / ORIGINALS
        originals.mkdir(exist_ok=True)
        added = _save(corpus_dir, f"{Path(name).stem}.txt", text, converted)
        original = originals / f"{added.path.stem}{suffix}"
        if not original.exists():
            original.write_bytes(data)
        return added
    return _save(corpus_dir, name, text, converted)


def convert(name: str, filename: str, data: bytes, url: str | None = None) -> str:
    """An upload's text as the corpus keeps it: decoded, a page or PDF converted, its link added;
    raises CorpusError when it holds no article. Run in the cleaning worker (`rag.ingest.worker`)."""
    suffix = Path(name).suffix
    try:
        if suffix == ".pdf":
            text = pdf_text(data, filename)
        else:
            text = decode(data)
            if suffix in (".html", ".htm"):
                text = html_article(text, url)
    except CorpusError as e:
        raise CorpusError(f"{filename}: {e}" if not str(e).startswith(filename) else str(e)) from None
    if url and f"Source: {source_url(url)}" not in text:  # a fetched PDF or text file: its link, below its title
        head, _, rest = text.partition("\n\n")
        text = f"{head}\n\nSource: {source_url(url)}\n\n{rest}"
    if not parse(name, text):
        raise CorpusError(f"{filename}: no article text found (only page furniture or blank lines).")
    return text


def upload_outcome(corpus_dir: Path, filename: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """One upload added, as ("added" | "already" | "error", a sentence for the user): the upload
    workflow's step for each file. One bad file never stops the others: nothing is raised."""
    try:
        result = add_upload(corpus_dir, filename, data, max_bytes)
    except CorpusError as e:
        return "error", str(e)
    except Exception as e:  # a file that breaks the intake in a way nobody foresaw
        return "error", f"{filename}: could not be read ({type(e).__name__}); it was skipped."
    if result.already:
        return "already", f"{filename} is already in the collection (same text as {result.path.name})."
    note = f" (saved as {result.path.name}: that name was taken)" if result.renamed_from else ""
    return "added", f"Added {filename}{note}."


def remove_file(corpus_dir: Path, source: str) -> list[Path]:
    """Delete the corpus file `source` (a name in the corpus folder, as the index knows it) and the
    original it was extracted from, if any; returns what was deleted. The next index build drops
    its passages."""
    path = corpus_dir / source
    if Path(source).name != source or source.startswith(".") or not path.is_file():
        raise CorpusError(f"{source!r} is not a file of the collection in {corpus_dir}: give its name as listed.")
    removed = [path]
    originals = corpus_dir / ORIGINALS
    removed += [
        o for o in originals.glob(f"{glob_escape(path.stem)}.*") if o.suffix.lower() in (".html", ".htm", ".pdf")
    ]
    for p in removed:
        p.unlink(missing_ok=True)
    return removed


def glob_escape(text: str) -> str:
    """`text` matched literally by `Path.glob` ("[", "*", "?" escaped)."""
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def load_document(path: Path, max_bytes: int) -> tuple[str, list]:  # type: ignore[type-arg]
    """A corpus file of any type the app takes, through the same intake as an upload: text and
    Markdown decoded, a saved web page through trafilatura, a PDF in the worker with its budget.
    Returns the text the articles' offsets point into (the index keeps it) and the articles."""
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        return load_file(path, max_bytes)
    size = path.stat().st_size
    if size > max_bytes:
        raise CorpusError(f"too large ({size:,} bytes; the limit is {max_bytes:,}): split it into articles")
    data = path.read_bytes()
    text = pdf_text(data, path.name) if suffix == ".pdf" else html_article(decode(data))
    if len(text.encode("utf-8")) > max_bytes:
        raise CorpusError(f"its text is over the {max_bytes:,}-byte limit: split it into articles")
    articles = parse(path.name, text)
    if not articles:
        raise CorpusError("no article text found after removing page boilerplate")
    return text, articles


PDF_TEXT_BYTES = 5_000_000  # as the upload size cap (Settings.max_file_bytes' default)

ORIGINALS = "originals"
"""Folder in the corpus holding uploaded HTML and PDF files as they came (never indexed)."""


def _save(corpus_dir: Path, name: str, text: str, converted: bool) -> Added:
    """Write `text` under `name`, or `stem-2`, `stem-3`... when another article has that name; the
    same article again is not written twice. Each candidate name is claimed atomically with its whole
    content (a hard link of a finished temporary file), so two uploads of one name at once both land."""
    stem, suffix = Path(name).stem, Path(name).suffix
    partial = corpus_dir / f".{uuid.uuid4().hex}.part"  # not an article suffix: never indexed
    partial.write_text(text, encoding="utf-8")
    try:
        for n in itertools.count(1):
            target = corpus_dir / (name if n == 1 else f"{stem}-{n}{suffix}")
            try:
                os.link(partial, target)
            except FileExistsError:
                if target.read_text(encoding="utf-8", errors="replace") == text:
                    return Added(target, None, converted, already=True)  # the same article again
                continue
            return Added(target, None if n == 1 else name, converted)
        raise AssertionError("unreachable")
    finally:
        partial.unlink(missing_ok=True)


def html_article(html: str, url: str | None = None) -> str:
    """A web page as an article text Dossier's cleaner reads: headline, "By" line, "Outlet — date"
    line, then the main text, one paragraph per line. trafilatura finds the main text (no menus,
    cookie banners or related stories) and the title, author, date (also from JSON-LD) and site."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    if doc is None or not (doc.text or "").strip():
        raise CorpusError("no article text found in this page")
    paragraphs = [" ".join(p.split()) for p in doc.text.split("\n")]
    paragraphs = [p for p in paragraphs if p]
    title = " ".join((doc.title or "").split())
    if title and paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the headline, extracted as the first paragraph too
    head = [title] if title else []
    if doc.author:
        head.append(f"By {' '.join(doc.author.split())}")
    when = spoken_date(doc.date) if doc.date else ""
    outlet = " ".join((doc.sitename or "").split())
    if outlet and when:
        head.append(f"{outlet} — {when}")
    elif outlet:
        head.append(f"Published by {outlet}")
    elif when:
        head.append(when)
    if url:
        head.append(f"Source: {source_url(url)}")
    return "\n\n".join(head + paragraphs) + "\n"


def pdf_paragraphs(page: str) -> list[str]:
    """A PDF page's lines joined into paragraphs. A PDF keeps lines, not paragraphs: a line much
    shorter than the page's full lines ends one (a paragraph's last line, a headline, a byline), as
    do a sentence that ends short of the margin and a blank line; a word hyphenated across lines is
    joined."""
    lines = [" ".join(line.split()) for line in page.split("\n")]
    lengths = sorted(len(line) for line in lines if line)
    full = lengths[int(len(lengths) * 0.9)] if lengths else 0  # a typical full line
    out: list[str] = []
    current = ""
    for line in lines:
        if line:
            joined = current[:-1] + line if current.endswith("-") and line[:1].islower() else f"{current} {line}"
            current = joined.strip()
        ends = line[-1:] in '.!?”"' and len(line) < 0.9 * full  # a sentence ends short of the margin
        if current and (not line or (len(line) < 0.75 * full or ends) and not line.endswith("-")):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def _pdf_head(info: dict[str, object], paragraphs: list[str]) -> list[str]:
    """Headline, "By" line and date from the PDF's own metadata, for what its first lines lack."""
    head = []
    first = " ".join(paragraphs[:3]).lower()
    title, author = str(info.get("Title") or ""), str(info.get("Author") or "")
    if title and title.lower() not in first:
        head.append(title)
    if author and author.lower() not in first:
        head.append(f"By {author}")
    created = re.match(r"D:(\d{4})(\d{2})(\d{2})", str(info.get("CreationDate") or ""))
    if created and head:
        head.append(spoken_date("-".join(created.groups())))
    return head


PDF_PAGES = 300  # pages read from one PDF
PDF_SECONDS = 30.0  # time one PDF may take, whatever it holds


def pdf_text(data: bytes, filename: str) -> str:
    """The text layer of a PDF, read in a separate process with a page cap and a time budget: a
    malformed or hostile file (one page of 400,000 drawing operators) costs at most PDF_SECONDS and
    becomes a clear refusal, never a traceback or a frozen page."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "rag.ingest.pdfread", str(PDF_PAGES)],
            input=data,
            capture_output=True,
            timeout=PDF_SECONDS,
            cwd=PROJECT_DIR,
            check=False,
        )
    except subprocess.TimeoutExpired:  # the reader is stuck in one page: run() has stopped it
        raise CorpusError(
            f"{filename}: reading this PDF took over {PDF_SECONDS:g} s; save its text as .txt and upload that."
        ) from None
    if done.returncode != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["it crashed"])[-1][:200]
        raise CorpusError(f"{filename}: cannot read this PDF ({last}); save its text as .txt.")
    read = json.loads(done.stdout)
    pages, total = read["pages"], read["total"]
    paragraphs = [p for page in pages for p in pdf_paragraphs(page)]
    text = "\n\n".join(_pdf_head(read, paragraphs) + paragraphs)
    if not text.strip():
        raise CorpusError(f"{filename}: the PDF has no text layer (a scan?); upload the text instead.")
    if total > PDF_PAGES:
        text += f"\n\n[Only the first {PDF_PAGES} of {total} pages were read.]"
    if len(text.encode("utf-8")) > PDF_TEXT_BYTES:
        # A small PDF can hold megabytes of text (12 KB became 8 MB): the text obeys the size cap too.
        raise CorpusError(f"{filename}: its text is over {PDF_TEXT_BYTES:,} bytes; split it into articles.")
    return text + "\n"
