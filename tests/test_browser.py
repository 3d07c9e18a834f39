"""End to end in headless Chromium (Debian's), driven by Playwright, against `streamlit run app.py`
on localhost: ask, open a citation and check the highlighted text is the quote, upload and ask.

Screenshots land in test-artifacts/ (not committed). Timings are printed, not asserted: speed
targets live in `python -m rag bench`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.settings import PROJECT_DIR

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT_DIR / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():  # pragma: no cover
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, corpus: Path, index: Path):
        self.port = free_port()
        ARTIFACTS.mkdir(exist_ok=True)
        self.log = open(ARTIFACTS / f"streamlit-{self.port}.log", "wb")  # closed in stop()
        env = {**os.environ, "DOSSIER_CORPUS_DIR": str(corpus), "DOSSIER_INDEX_DIR": str(index)}
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(PROJECT_DIR / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            env=env,
            cwd=PROJECT_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError("streamlit did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    shutil.copytree(PROJECT_DIR / "seeds", root / "corpus")
    return root


def open_chat(browser, server: Server, timeout: float):
    """A new tab on the app, once its chat input is there (the first start builds the index)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=timeout)
    return page


def ask(page, question: str, timeout: float = 240_000) -> float:
    """Type a question, press Enter, wait for the answer; returns seconds until it showed."""
    count = page.locator('[data-testid="stChatMessage"]').count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    t0 = time.perf_counter()
    box.press("Enter")
    # The timing caption is the last thing an answer renders: the sources are on the page by then.
    page.locator('[data-testid="stChatMessage"]').nth(count + 1).get_by_text("searched for:").first.wait_for(
        timeout=timeout
    )
    return time.perf_counter() - t0


def open_first_citation(page, answer, screenshot: str) -> str:
    """Open the answer's first source; the highlighted text must be its quote, scrolled into view."""
    quote = answer.locator("blockquote").first.inner_text()
    answer.get_by_role("button", name="Open").first.click()
    assert_highlighted(page, quote)
    page.screenshot(path=str(ARTIFACTS / screenshot))
    page.keyboard.press("Escape")
    return " ".join(quote.split())


def assert_highlighted(page, quote: str) -> None:
    """The source dialog is open, its highlighted text is `quote`, scrolled into the article view."""
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    dialog.locator("mark.cited").first.wait_for()
    highlighted = " ".join(dialog.locator("mark.cited").all_inner_texts())
    assert " ".join(highlighted.split()) == " ".join(quote.split())
    in_view = dialog.locator("mark#cited").evaluate(
        """m => { const r = m.getBoundingClientRect(), v = m.closest('.dossier-article').getBoundingClientRect();
                  return r.top >= v.top && r.bottom <= v.bottom && r.bottom <= window.innerHeight; }"""
    )
    assert in_view


def test_ask_open_citation_and_upload(browser, corpus, capsys):
    ARTIFACTS.mkdir(exist_ok=True)
    server = Server(corpus / "corpus", corpus / "index")  # no index yet: a cold first start
    try:
        page = open_chat(browser, server, timeout=300_000)
        ask(page, "What did Zhou Lijian say when asked about Tony Blinken?")
        cold = time.perf_counter() - server.started
        page.screenshot(path=str(ARTIFACTS / "answer.png"), full_page=True)
        answer = page.locator('[data-testid="stChatMessage"]').nth(1)
        assert "internal affairs" in answer.inner_text()
        open_first_citation(page, answer, "source.png")

        warm_latency = ask(page, "Which Chinese bank stopped accepting yuan payments from Russia?")

        upload = corpus / "pipeline.md"
        upload.write_text(
            "# Power of Siberia 2\n\nGazprom and CNPC agreed to build the Power of Siberia 2 pipeline "
            "through Mongolia, carrying 50 billion cubic metres of gas a year.\n",
            encoding="utf-8",
        )
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
        page.get_by_role("button", name="Add to the corpus").click()
        page.get_by_text("Added pipeline.md").wait_for(timeout=120_000)
        ask(page, "How much gas will the Power of Siberia 2 pipeline carry?")
        last = page.locator('[data-testid="stChatMessage"]').last
        assert "50 billion cubic metres" in last.inner_text()
        last.get_by_text("Details").first.click()  # file names and offsets live in the source card's details
        last.get_by_text("pipeline.md").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "upload.png"), full_page=True)
    finally:
        server.stop()

    warm = Server(corpus / "corpus", corpus / "index")  # the index exists now
    try:
        page = open_chat(browser, warm, timeout=120_000)
        ask(page, "How much did the ruble fall against the dollar?")
        warm_start = time.perf_counter() - warm.started
        ask(page, "Who wrote the article about the Joint-Sea 2013 naval exercise?")
        answer = page.locator('[data-testid="stChatMessage"]').filter(has_text="credited to Ben McGrath").last
        answer.wait_for(timeout=60_000)  # (on busy cores the page may still be drawing the previous answer)
        assert open_first_citation(page, answer, "credit.png") == "By Ben McGrath"  # the byline, highlighted
    finally:
        warm.stop()
    with capsys.disabled():
        print(
            f"\n[e2e] cold start to first answer {cold:.1f} s; warm start to first answer {warm_start:.1f} s; "
            f"answer latency in the browser {warm_latency:.2f} s"
        )


def test_a_hostile_article_is_only_ever_text(browser, tmp_path):
    """An article whose title, byline and body carry a Markdown image, links, a Streamlit directive, a
    script tag and an instruction for AI models: in real Chromium, nothing is fetched from its host,
    nothing becomes a link, image or styled text, and the instruction is labelled in the source view."""
    from tests.test_security import HOSTILE_ARTICLE

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "hostile.md").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    server = Server(tmp_path / "corpus", tmp_path / "index")
    requests: list[str] = []
    try:
        page = open_chat(browser, server, timeout=300_000)
        page.on("request", lambda request: requests.append(request.url))
        ask(page, "How much did the ruble lose in 2014? ![q](http://evil.test/q.png)")
        answer = page.locator('[data-testid="stChatMessage"]').last
        assert "45 percent" in answer.inner_text()
        answer.get_by_role("button", name="Open").first.click()
        dialog = page.get_by_role("dialog")
        dialog.locator("mark.cited").first.wait_for()
        assert dialog.locator("img, a, script").count() == 0
        assert answer.locator(".dossier-answer img, .dossier-answer a, .dossier-answer script").count() == 0
        page.screenshot(path=str(ARTIFACTS / "hostile.png"), full_page=True)
        page.keyboard.press("Escape")
        page.get_by_test_id("stExpander").filter(has_text="passages").first.click()
        page.wait_for_timeout(500)
        assert page.get_by_text("text addressed to AI systems").count() >= 1
        leaked = page.locator('a[href*="evil.test"], img[src*="evil.test"]')
        assert leaked.count() == 0, [leaked.nth(i).evaluate("e => e.parentElement.outerHTML") for i in range(3)]
        styled = page.locator("span[style*='background']", has_text="VERIFIED BY DOSSIER")
        assert styled.count() == 0
        assert page.get_by_text(":red-background[VERIFIED BY DOSSIER]").count() >= 1  # shown as typed
    finally:
        server.stop()
    assert not [url for url in requests if "evil.test" in url]
