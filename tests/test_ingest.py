"""Ingestion of real-world articles: saved pages of several layouts (trafilatura), PDFs (a worker
process with a page cap and a time budget), any text encoding, bylines as newsrooms write them,
bounded sentences, and uploads that keep the original beside the extracted text."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.core.errors import CorpusError
from rag.index.build import build
from rag.ingest import uploads, worker
from rag.ingest.clean import decode, parse, read_source
from rag.ingest.uploads import ORIGINALS, add_upload
from rag.lang.text import MAX_SENTENCE, sentence_spans

PAGES = Path(__file__).parent / "fixtures" / "pages"


@pytest.mark.parametrize(
    ("page", "title", "author", "date", "outlet", "first_words"),
    [
        ("wordpress.html", "Rail link to Kazakhstan opens", "Aigerim Bekova", "2023-06-14", "Steppe Dispatch", "A new"),
        (
            "news_cookie.html",
            "Gazprom and CNPC sign pipeline deal",
            "Daniel Okafor",
            "2024-03-05",
            "The Eurasia Ledger",
            "Gazprom and CNPC signed",
        ),
        ("amp.html", "Port of Vladivostok handles record cargo", "Irina Volkova", "2022-11-02", "Pacific Wire", "The"),
        (
            "jsonld.html",
            "Yuan share of Russian trade climbs",
            "Marta Kowalska",
            "2023-09-21",
            "Baltic Markets Review",
            "The",
        ),  # noqa: E501
    ],
)
def test_saved_pages_of_each_layout_keep_their_metadata_and_lose_their_furniture(
    tmp_path, page, title, author, date, outlet, first_words
):
    data = (PAGES / page).read_bytes()
    added = add_upload(tmp_path, page, data, 1_000_000)
    assert added.path.suffix == ".txt" and (tmp_path / ORIGINALS / f"{added.path.stem}.html").read_bytes() == data
    text = read_source(added.path, 1_000_000)
    (article,) = parse(added.path.name, text)
    assert (article.title, article.author, article.date, article.publisher) == (title, author, date, outlet)
    body = " ".join(text[s.start : s.end] for s in article.segments)
    assert body.startswith(first_words)
    for furniture in ("cookies", "Related stories", "Recent Posts", "Subscribe", "powered by", "Privacy", "newsletter"):
        assert furniture.lower() not in body.lower()


def _pdf(pages: list[str], info: str = "") -> bytes:
    """A minimal valid PDF with one line of text per page (no PDF library needed to write one), and
    an Info dictionary when `info` is given ("/Title (...) /Author (...)")."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for i, line in enumerate(pages):
        page_no, content_no = 3 + 2 * i, 4 + 2 * i
        kids.append(f"{page_no} 0 R")
        stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_no} 0 R "
            f"/Resources << /Font << /F1 {3 + 2 * len(pages)} 0 R >> >> >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>"
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if info:
        objects.append(f"<< {info} >>")
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    described = f" /Info {len(objects)} 0 R" if info else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{described} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_a_multi_page_pdf_becomes_an_article(tmp_path):
    pdf = _pdf(["Arctic shipping report", "By Lena Berg", "Cargo on the Northern Sea Route rose to 36 million tonnes."])
    added = add_upload(tmp_path, "arctic.pdf", pdf, 1_000_000)
    (article,) = parse(added.path.name, read_source(added.path, 1_000_000))
    assert article.title == "Arctic shipping report" and article.author == "Lena Berg"
    assert "36 million tonnes" in added.path.read_text()
    assert (tmp_path / ORIGINALS / "arctic.pdf").read_bytes() == pdf


def test_pdfs_that_cannot_be_read_in_budget_are_refused_clearly(tmp_path, monkeypatch):
    for data in (b"%PDF-1.4 garbage", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << >>"):
        with pytest.raises(CorpusError, match="cannot read this PDF"):
            add_upload(tmp_path, "broken.pdf", data, 1_000_000)
    monkeypatch.setattr(worker, "CLEAN_SECONDS", 0.0)  # as a file too slow to read would
    with pytest.raises(CorpusError, match="took over"):
        add_upload(tmp_path, "slow.pdf", _pdf(["A title", "Some text here."]), 1_000_000)
    assert not [p for p in tmp_path.iterdir() if p.is_file()]


def test_a_document_that_cleans_too_slowly_is_refused_and_the_next_one_is_read(settings, embedder, monkeypatch):
    """Cleaning runs in a worker process with a time budget: a document that would hold the
    interpreter (a pattern, a page, a PDF) costs the budget, never the server."""
    import time

    (settings.corpus_dir / "slow.md").write_text("# Slow\n\nSome text here.\n", encoding="utf-8")
    monkeypatch.setattr(worker, "CLEAN_SECONDS", 0.0)
    began = time.monotonic()
    with pytest.raises(CorpusError, match="slow.md: reading it took over"):
        worker.load_document(settings.corpus_dir / "slow.md", 1_000_000)
    assert time.monotonic() - began < 5
    monkeypatch.setattr(worker, "CLEAN_SECONDS", 60.0)
    text, articles = worker.load_document(settings.corpus_dir / "slow.md", 1_000_000)  # a new worker
    assert articles and "Some text" in text
    monkeypatch.setattr(worker, "CLEAN_SECONDS", 0.0)
    with pytest.raises(CorpusError, match="Nothing to index"):  # every file over budget: all skipped
        build(settings, lambda: embedder)


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("cp1252", b""), ("latin-1", b""), ("utf-16", b""), ("utf-32", b""), ("utf-8", b"\xef\xbb\xbf")],
)
def test_text_in_any_encoding_is_read(tmp_path, encoding, prefix):
    text = (
        "Café talks in Zürich\n\nBy José Núñez\n\nThe ministers met at the Café Odéon on Monday, "
        "and agreed to résumé the naïve façade of talks about the pipeline, officials said.\n"
    )
    if encoding in ("cp1252", "latin-1"):
        text += "Delegates from Genève and Köln joined the talks, which will continue in März. " * 8 + "\n"
    data = prefix + text.encode(encoding)
    added = add_upload(tmp_path, f"{encoding}.txt", data, 1_000_000)
    assert "Café Odéon" in added.path.read_text(encoding="utf-8")
    (tmp_path / "disk").mkdir(exist_ok=True)
    (tmp_path / "disk" / "a.txt").write_bytes(data)  # a file already in the corpus folder, not uploaded
    assert "José Núñez" in read_source(tmp_path / "disk" / "a.txt", 1_000_000)


def test_binary_is_still_refused():
    with pytest.raises(CorpusError, match="binary"):
        decode(b"\x00\x01\x02 not text")


@pytest.mark.parametrize(
    ("byline", "author"),
    [
        ("By Su Qiang and Li Xiaokun, China Daily", "Su Qiang and Li Xiaokun"),
        ("By Cade Metz, Karen Weise, Nico Grant and Mike Isaac", "Cade Metz, Karen Weise, Nico Grant and Mike Isaac"),
        ("By David Keyton, Christina Larson, The Associated Press", "David Keyton and Christina Larson"),
        ("By Ed Aarons at Stamford Bridge", "Ed Aarons"),
        ("By sascha.pare@futurenet.com (Sascha Pare)", "Sascha Pare"),
        ("By Robin McKie, Science Editor", "Robin McKie"),
        ("**By Hannah Lee**", "Hannah Lee"),
    ],
)
def test_bylines_as_newsrooms_write_them(byline, author):
    body = "The ports reopened on Monday after a week, officials said."
    (article,) = parse("a.md", f"Ports reopen\n\n{byline}\n\n{body}\n")
    assert article.author == author


def test_a_page_without_punctuation_has_bounded_sentences():
    text = "word " * 400_000  # 2 MB, not one full stop
    spans = sentence_spans(text)
    assert max(e - s for s, e in spans) <= MAX_SENTENCE
    assert "".join(text[s:e] for s, e in spans).replace(" ", "") == text.replace(" ", "")  # nothing lost


@pytest.fixture
def site():
    """A local web server: the saved pages, a feed listing two of them and a missing one, a redirect."""
    import http.server
    import threading

    pages = {f"/news/{p.stem}": p.read_bytes() for p in PAGES.glob("*.html")}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/feed.xml":
                items = "".join(
                    f"<item><title>{name}</title><link>{base}/news/{name}</link></item>"
                    for name in ("news_cookie", "jsonld", "gone")
                )
                body, kind = (
                    f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>',
                    "application/rss+xml",
                )
                self._send(200, body.encode(), kind)
            elif self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/news/amp")
                self.end_headers()
            elif self.path in pages:
                self._send(200, pages[self.path], "text/html; charset=utf-8")
            else:
                self._send(404, b"not here", "text/plain")

        def _send(self, code: int, body: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_pages_and_feeds_are_added_by_url(site, tmp_path):
    from rag.core.settings import Settings
    from rag.ingest.fetch import add_feed, add_url

    settings = Settings.of(corpus_dir=tmp_path / "corpus", fetch_private=True)
    first = add_url(f"{site}/moved", settings)  # a redirect to the AMP page
    (article,) = parse(first.path.name, read_source(first.path, 10**6))
    assert article.title == "Port of Vladivostok handles record cargo" and article.url == f"{site}/news/amp"
    heard: list[tuple[str, object]] = []
    added = add_feed(f"{site}/feed.xml", settings, lambda link, result: heard.append((link, result)))
    assert sorted(a.path.name for a in added) == ["jsonld.txt", "news_cookie.txt"]
    assert isinstance(dict(heard)[f"{site}/news/gone"], CorpusError)  # a dead link is reported, not fatal
    again: list[tuple[str, object]] = []
    assert add_feed(f"{site}/feed.xml", settings, lambda link, result: again.append((link, result))) == []
    assert [r for _, r in again if r is not None and not isinstance(r, CorpusError)] == []  # nothing twice


def test_fetching_is_limited_to_public_http_and_the_size_cap(site, tmp_path):
    from rag.core.settings import Settings
    from rag.ingest.fetch import add_url

    settings = Settings.of(corpus_dir=tmp_path / "corpus")
    with pytest.raises(CorpusError, match="private network"):
        add_url(f"{site}/news/amp", settings)  # 127.0.0.1: refused unless allowed
    for url in ("file:///etc/passwd", "ftp://example.com/x", "javascript:alert(1)"):
        with pytest.raises(CorpusError, match="only http"):
            add_url(url, settings)
    small = Settings.of(corpus_dir=tmp_path / "corpus", fetch_private=True, max_file_bytes=500)
    with pytest.raises(CorpusError, match="limit"):
        add_url(f"{site}/news/amp", small)
    assert not (tmp_path / "corpus").exists()


def test_a_corpus_folder_of_saved_pages_and_pdfs_is_indexed_through_the_upload_intake(tmp_path):
    """A folder holding .html and .pdf files (not only .txt/.md) is read the way uploads are: the
    page's main text and metadata through trafilatura, the PDF in its worker; citations point into
    the text the index keeps."""
    from rag.core.settings import Settings
    from rag.index.build import build
    from rag.index.store import load
    from tests.conftest import HashingEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for page in PAGES.glob("*.html"):
        (corpus / page.name).write_bytes(page.read_bytes())
    (corpus / "brief.pdf").write_bytes(_pdf(["Yuan briefing", "The yuan rose against the ruble in March."]))
    settings = Settings.of(corpus_dir=corpus, index_dir=tmp_path / "index", embedding_model="hashing-test")
    report = build(settings, HashingEmbedder)
    assert not report.skipped, report.skipped
    index = load(settings.index_dir, settings.embedder_id)
    sources = {a.source for a in index.articles}
    assert "brief.pdf" in sources and {p.name for p in PAGES.glob("*.html")} <= sources
    amp = next(a for a in index.articles if a.source == "amp.html")
    assert amp.title == "Port of Vladivostok handles record cargo"
    assert all(index.texts[p.source][p.start : p.end] for p in index.passages)


def test_the_pdf_reader_never_runs_the_main_script_again(tmp_path, monkeypatch):
    """Under `streamlit run app.py`, `__main__` is the app: a spawned worker would run it again."""
    import sys
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "app.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    added = add_upload(tmp_path, "brief.pdf", _pdf(["A title", "Some text here about the budget."]), 1_000_000)
    assert "the budget" in added.path.read_text() and not marker.exists()


def test_a_pdf_keeps_its_paragraphs_and_its_own_title_author_and_date(tmp_path):
    page = (
        "The yuan weakened again on Monday as traders weighed the central bank's latest\n"
        "fixing, which came in stronger than expected for the third day.\n"
        "Analysts said the move sig-\n"
        "nalled discomfort with the pace of the fall, and expected more support this week\n"
        "from state banks.\n"
    )
    assert uploads.pdf_paragraphs(page) == [
        "The yuan weakened again on Monday as traders weighed the central bank's latest fixing, which came in "
        "stronger than expected for the third day.",
        "Analysts said the move signalled discomfort with the pace of the fall, and expected more support this "
        "week from state banks.",
    ]
    info = "/Title (Yuan briefing) /Author (Ann Lee) /CreationDate (D:20231105120000Z)"
    pdf = _pdf(["The yuan weakened again on Monday as traders weighed the fixing."], info)
    added = add_upload(tmp_path, "yuan-briefing.pdf", pdf, 1_000_000)
    (article,) = parse(added.path.name, read_source(added.path, 1_000_000))
    assert (article.title, article.author, article.date) == ("Yuan briefing", "Ann Lee", "2023-11-05")


def test_one_add_workflow_reports_each_outcome_and_never_raises(tmp_path):
    from rag.core.settings import Settings
    from rag.ingest import add_pages, upload_outcome

    heard: list[tuple[str, str]] = []
    settings = Settings.of(corpus_dir=tmp_path)
    assert add_pages("http://127.0.0.1:9/page.html", settings, False, lambda *o: heard.append(o)) == (0, 1)
    assert heard[0][0] == "error" and "private network" in heard[0][1]
    text = b"Harbour report\n\nThe harbour reopened on Monday after the storm, officials said.\n"
    assert upload_outcome(tmp_path, "harbour.txt", text, 1_000_000) == ("added", "Added harbour.txt.")
    assert upload_outcome(tmp_path, "harbour.txt", text, 1_000_000)[0] == "already"
    assert upload_outcome(tmp_path, "big.txt", text, 10)[0] == "error"
