"""Adding articles: an uploaded file -> a UTF-8 text file in the corpus folder.

Uploads are untrusted: the name is reduced to a plain file name (no folders, no dot-files), an
existing article is never overwritten (a new name is chosen and reported), and HTML or PDF is
converted to plain text first so citation offsets point into a file a reader can open.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .clean import parse
from .errors import CorpusError

ACCEPTED = (".txt", ".md", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class Added:
    path: Path
    renamed_from: str | None = None
    """The requested name, when it was taken and the file was saved under another."""
    converted: bool = False


def safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("._")[:80] or "article"
    return f"{stem}{suffix}"


def add_upload(corpus_dir: Path, filename: str, data: bytes, max_bytes: int) -> Added:
    """Validate, convert and save one upload. Raises CorpusError with a message for the user."""
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
    if suffix == ".pdf":
        text = pdf_text(data, filename)
    else:
        if b"\x00" in data[:8192]:
            raise CorpusError(f"{filename}: this is a binary file, not text.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CorpusError(f"{filename}: the text is not UTF-8; re-save it as UTF-8 and upload again.") from None
        if converted:
            text = html_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not parse(name, text):
        raise CorpusError(f"{filename}: no article text found (only page furniture or blank lines).")
    if converted:
        name = f"{Path(name).stem}.txt"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    return _save(corpus_dir, name, text, converted)


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
                    return Added(target, None, converted)  # the same article again: nothing to do
                continue
            return Added(target, None if n == 1 else name, converted)
        raise AssertionError("unreachable")
    finally:
        partial.unlink(missing_ok=True)


class _TextExtractor(HTMLParser):
    _BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article"}
    _SKIP = {"script", "style", "nav", "footer", "header", "aside", "form", "noscript", "svg", "button"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """Readable text of an HTML page: one paragraph per line, the <title> first unless an <h1> repeats it."""
    extractor = _TextExtractor()
    extractor.feed(html)
    paragraphs = [" ".join(p.split()) for p in "".join(extractor.parts).split("\n\n")]
    paragraphs = [p for p in paragraphs if p]
    title = " ".join(extractor.title.split())
    if title and (not paragraphs or paragraphs[0] != title):
        paragraphs.insert(0, title)
    return "\n\n".join(paragraphs) + "\n"


def pdf_text(data: bytes, filename: str) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is in requirements.txt
        raise CorpusError("PDF support needs pypdf: run `pip install -r requirements.txt`.") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as e:
        raise CorpusError(f"{filename}: cannot read this PDF ({e}).") from None
    text = "\n\n".join(" ".join(line.split()) for page in pages for line in page.split("\n\n"))
    if not text.strip():
        raise CorpusError(f"{filename}: the PDF has no text layer (a scan?); upload the text instead.")
    return text + "\n"
