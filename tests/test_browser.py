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

from rag.core.settings import PROJECT_DIR

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
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
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
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    t0 = time.perf_counter()
    box.press("Enter")
    # Done when the last message is an answer and the one before it this question (not a count taken
    # while the page may be redrawn: a build ending redraws it). The timing caption is the last thing
    # an answer renders. (Links in a question are drawn with invisible word joiners: its start only.)
    page.wait_for_function(
        """start => {
            const m = [...document.querySelectorAll('[data-testid="stChatMessage"]')];
            return m.length >= 2 && m[m.length - 2].innerText.replace(/\\s+/g, ' ').includes(start)
                && m[m.length - 1].innerText.includes('searched for:');
        }""",
        arg=question[:30],
        timeout=timeout,
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
        page.get_by_text("Index ready").first.wait_for(timeout=120_000)  # indexed on the keeper's thread
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


# --- the chat's own behaviours, on one warm server (seeds, index built once) ----------------------


@pytest.fixture(scope="module")
def warm(corpus):
    server = Server(corpus / "corpus", corpus / "index-warm")
    yield server
    server.stop()


def answered(browser, server: Server, question: str, **context):  # type: ignore[no-untyped-def]
    """A new browser context on the app (phone, dark mode, clipboard... as asked), `question` asked."""
    ctx = browser.new_context(**{"viewport": {"width": 1400, "height": 1000}, **context})
    page = ctx.new_page()
    page.goto(server.url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=300_000)
    ask(page, question)
    return ctx, page, page.locator('[data-testid="stChatMessage"]').nth(1)


def test_a_citation_chip_shows_its_passage_on_hover_and_opens_it_on_click(browser, warm):
    ctx, page, answer = answered(browser, warm, "How much did the ruble lose against the dollar?")
    chip = answer.locator("button.chip").first
    card = answer.locator(".card").first
    assert not card.is_visible()
    chip.hover()
    card.wait_for(state="visible")
    quote = card.locator(".card-quote").inner_text()
    assert "45 percent" in quote and card.locator(".card-title").inner_text()
    page.screenshot(path=str(ARTIFACTS / "chip-hover.png"))
    chip.click()
    assert_highlighted(page, quote)
    page.screenshot(path=str(ARTIFACTS / "chip-open.png"))
    ctx.close()


def test_copy_export_and_reload_keep_the_first_answer(browser, warm, tmp_path):
    ctx, page, answer = answered(
        browser,
        warm,
        "Which Chinese bank stopped accepting yuan payments from Russia?",
        accept_downloads=True,
        permissions=["clipboard-read", "clipboard-write"],
    )
    shown = answer.locator(".dossier-answer .text").inner_text()
    answer.get_by_role("button", name="Copy answer").click()
    answer.get_by_text("Copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "ICBC" in copied and "**Sources**" in copied
    assert "\\" not in copied.splitlines()[0], copied  # pasted, the answer reads as shown: no "\\." or "\\["

    with page.expect_download() as download:  # right after the first answer
        page.get_by_test_id("stSidebar").get_by_role("button", name="Export conversation (.md)").click()
    exported = download.value.path().read_text(encoding="utf-8")
    assert "## You" in exported and "yuan payments" in exported and "ICBC" in exported

    assert "?c=" in page.url  # the URL names the conversation
    page.reload()
    page.locator('[data-testid="stChatMessage"]').nth(1).locator(".dossier-answer .text").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stChatMessage"]').nth(1).locator(".dossier-answer .text").inner_text() == shown
    page.get_by_test_id("stSidebar").get_by_text("Which Chinese bank stopped").first.wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "reloaded.png"), full_page=True)
    ctx.close()


def test_a_conversation_is_its_browsers_and_a_shared_link_opens_read_only(browser, warm):
    """Two browsers: B does not list A's conversation, reads it by its link without the means to
    rename or delete it, and a question there continues in B's own copy, leaving A's as it was."""
    a, page_a, _ = answered(browser, warm, "Which professor wrote in The Economist about Russia?")
    link = page_a.url
    assert "?c=" in link
    b = browser.new_context(viewport={"width": 1400, "height": 1000})
    page_b = b.new_page()
    page_b.goto(warm.url)
    page_b.get_by_test_id("stChatInputTextArea").wait_for(timeout=120_000)
    sidebar = page_b.get_by_test_id("stSidebar")
    sidebar.get_by_role("button", name="New conversation").wait_for()
    assert sidebar.get_by_text("Which professor wrote").count() == 0

    page_b.goto(link)
    page_b.locator('[data-testid="stChatMessage"]').nth(1).locator(".dossier-answer .text").wait_for(timeout=60_000)
    sidebar.get_by_text("Shared with you by its link").wait_for()
    assert sidebar.get_by_text("Rename or delete this conversation").count() == 0
    page_b.screenshot(path=str(ARTIFACTS / "shared-read-only.png"), full_page=True)
    ask(page_b, "Where does he teach?")
    assert page_b.url != link and "?c=" in page_b.url
    sidebar.get_by_text("Which professor wrote").first.wait_for(timeout=60_000)  # B's copy, in B's list (drawn last)

    page_a.reload()
    page_a.locator('[data-testid="stChatMessage"]').nth(1).locator(".dossier-answer .text").wait_for(timeout=60_000)
    assert page_a.locator('[data-testid="stChatMessage"]').count() == 2  # A's conversation is untouched
    a.close()
    b.close()


CONTRAST = """
(el) => {
  const parse = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const over = (top, base) => [0, 1, 2].map((i) => top[i] * top[3] + base[i] * (1 - top[3])).concat(1);
  const up = (n) => n.parentElement || (n.getRootNode() && n.getRootNode().host) || null;
  const layers = [];
  for (let n = el; n; n = up(n)) layers.push(parse(getComputedStyle(n).backgroundColor));
  let bg = [255, 255, 255, 1];
  for (const layer of layers.reverse()) bg = over(layer, bg);
  const fg = over(parse(getComputedStyle(el).color), bg);
  const channel = (v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const lum = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def test_dark_mode_keeps_the_answer_and_the_source_view_readable(browser, warm):
    ctx, page, answer = answered(browser, warm, "What do the reader comments say about Kissinger?", color_scheme="dark")
    background = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    assert sum(map(int, background[background.index("(") + 1 : -1].split(",")[:3])) < 200  # the dark theme is on
    assert answer.locator(".dossier-answer .text").evaluate(CONTRAST) >= 4.5
    assert answer.locator("blockquote").first.evaluate(CONTRAST) >= 4.5
    answer.locator("button.chip").first.click()
    dialog = page.get_by_role("dialog")
    dialog.locator("mark.cited").first.wait_for()
    ratios = {
        name: dialog.locator(selector).first.evaluate(CONTRAST)
        for name, selector in [
            ("paragraph", ".dossier-article p.article"),
            ("comment", ".dossier-article p.comment"),
            ("highlight", "mark.cited"),
            ("byline", ".dossier-article .byline"),
            ("label", ".dossier-article .kind"),
        ]
    }
    page.screenshot(path=str(ARTIFACTS / "dark-source.png"))
    assert min(ratios.values()) >= 4.5, ratios
    ctx.close()


def test_on_a_phone_a_tap_shows_the_passage_and_a_second_opens_it(browser, warm):
    ctx, page, answer = answered(
        browser,
        warm,
        "Which Chinese bank stopped accepting yuan payments from Russia?",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    chip = answer.locator("button.chip").first
    chip.tap()
    card = answer.locator(".card").first
    card.wait_for(state="visible")
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # inside the screen
    assert not page.get_by_role("dialog").is_visible()  # the first tap only shows the passage
    quote = card.locator(".card-quote").inner_text()
    page.screenshot(path=str(ARTIFACTS / "phone-card.png"))
    card.get_by_role("button", name="Show in the article").tap()
    assert_highlighted(page, quote)
    page.screenshot(path=str(ARTIFACTS / "phone-source.png"))
    ctx.close()


def test_a_page_reached_under_a_foreign_host_name_draws_nothing(playwright, warm):
    """DNS rebinding against the app itself: a malicious site's name pointed at 127.0.0.1. Chromium
    maps evil.example to this machine and sends `Host: evil.example:PORT`; nothing of the collection or
    its conversations is drawn, and the same server still answers under its own name."""
    rebound = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*FLAGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"]
    )
    page = rebound.new_page()
    page.goto(f"http://evil.example:{warm.port}/")
    page.get_by_text("not one Dossier answers to").wait_for(timeout=120_000)
    assert page.get_by_test_id("stChatInputTextArea").count() == 0
    assert "Conversations" not in page.content() and "Articles (" not in page.content()
    rebound.close()


def test_a_first_start_is_usable_after_its_first_stage_and_answers_while_the_rest_is_indexed(
    browser, tmp_path, monkeypatch
):
    """A collection of ~1,300 passages: the chat opens once the first stage is live, a progress line
    says how far the build is, a question is answered meanwhile, and the page takes in the rest."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for copy in range(11):  # the seeds eleven times over (file names differ: all indexed)
        for seed in (PROJECT_DIR / "seeds").iterdir():
            (corpus / f"{copy:02d}-{seed.name}").write_bytes(seed.read_bytes())
    monkeypatch.setenv("DOSSIER_FIRST_STAGE_PASSAGES", "100")
    server = Server(corpus, tmp_path / "index")
    try:
        page = open_chat(browser, server, timeout=300_000)
        progress = page.get_by_test_id("stProgress").first
        progress.wait_for(timeout=60_000)
        assert " passages" in progress.inner_text() and " of " in progress.inner_text()
        assert page.get_by_text("Questions are answered from the articles indexed so far").count()
        page.screenshot(path=str(ARTIFACTS / "building.png"), full_page=True)
        ask(page, "Which Chinese bank stopped accepting yuan payments from Russia?")
        answer = page.locator('[data-testid="stChatMessage"]').nth(1)
        assert "ICBC" in answer.inner_text()
        page.screenshot(path=str(ARTIFACTS / "answered-while-building.png"), full_page=True)
        page.get_by_text("Index ready").first.wait_for(timeout=300_000)  # the page took in the rest
        assert page.get_by_text(f"Articles ({11 * 11})").count()
        assert "ICBC" in page.locator('[data-testid="stChatMessage"]').nth(1).inner_text()  # the answer stays
    finally:
        server.stop()
