"""What the views are given to draw: answers with citation chips, and citation headings that say
whose words a quote is."""

from rag.app.render import answer_view, citation_heading
from rag.core.schema import Answer, Citation, Claim


def citation(n: int, kind: str = "article", speaker: str | None = None) -> Citation:
    return Citation(
        n, "a.txt", "Ruble report", "Anna Petrova", "2014-12-23", kind, 10, 60, "The ruble fell 45 percent.",
        "Global Times", speaker,
    )  # fmt: skip


def test_an_answer_view_is_data_with_the_answer_phrase_and_each_chip_card():
    text = "The ruble fell 45 percent against the dollar."
    answer = Answer(
        question="How far did the ruble drop?",
        text=f"{text} [1] Nobody knows why. [not supported by the articles]",
        citations=(citation(1),),
        claims=(Claim(text, (1,), True, (15, 25)), Claim("Nobody knows why.", (), False)),
        abstained=False,
        retrieved=(),
    )
    view = answer_view(answer)
    first, second = view["claims"]
    assert first["pieces"] == [("The ruble fell ", False), ("45 percent", True), (" against the dollar.", False)]
    assert first["citations"] == [1] and first["supported"]
    assert second == {"pieces": [("Nobody knows why.", False)], "citations": [], "supported": False}
    card = view["citations"]["1"]
    assert card["heading"] == "Ruble report" and card["quote"] == "The ruble fell 45 percent."
    assert card["meta"] == "Anna Petrova · 2014-12-23 · Global Times"
    assert "Ruble report" in view["markdown"]  # what "Copy answer" copies


def test_a_reader_comment_is_headed_as_such_never_as_the_article_author():
    assert citation_heading(citation(1, "comment")) == "Reader comment on “Ruble report”"
    assert citation_heading(citation(1, "comment", "Georgiaboy")) == "Reader comment by Georgiaboy on “Ruble report”"
    comment = answer_view(
        Answer("q", "x [1]", (citation(1, "comment", "Georgiaboy"),), (Claim("x", (1,)),), False, ())
    )["citations"]["1"]
    assert "Anna Petrova" not in comment["meta"]  # the article's author did not write the comment


def test_an_export_is_named_after_its_conversation_and_date():
    from rag.app import export_name

    name = export_name("Which Chinese bank stopped accepting yuan payments from Russia?", "2026-11-30")
    assert name == "dossier-which-chinese-bank-stopped-accepting-2026-11-30.md"
    assert export_name("../../etc/passwd \u202e", "2026-11-30") == "dossier-etc-passwd-2026-11-30.md"
    assert export_name("名前", "2026-11-30") == "dossier-conversation-2026-11-30.md"


def test_a_copied_refusal_does_not_point_at_a_list_it_lacks():
    from rag.app.render import answer_markdown
    from rag.core import Answer

    refusal = Answer("Q?", "The articles don't say. The closest passages are listed below.", (), (), True, ())
    assert answer_markdown(refusal).strip() == "The articles don't say."


def test_the_source_view_shows_credit_lines_only_when_cited():
    """A page's "QOSHE - <title> - <author>" line, which the author was read from, would only repeat
    the title under it; it is shown when a "who wrote it" citation points there."""
    from rag.app.render import article_html
    from rag.core.settings import PROJECT_DIR
    from rag.ingest.clean import load_file

    text, (article,) = load_file(PROJECT_DIR / "seeds" / "004_14ee843bf2aae238.txt", 5_000_000)
    assert "QOSHE" not in article_html(text, article) and "Ronju Sarkar" in article_html(text, article)
    credit = next((s, e) for s, e in article.credits if "QOSHE" in text[s:e])
    cited = article_html(text, article, credit)
    assert 'class="cited">QOSHE - US tries to turn China against Russia - Ronju Sarkar</mark>' in cited


def test_a_filtered_search_says_what_it_was_restricted_to():
    from rag.app.render import filter_scope

    assert filter_scope([], None, None) is None
    assert filter_scope(["A", "B"], None, None) == "“A”, “B”"
    assert filter_scope(["A"], "2014-01-01", "2014-12-31") == "“A” and articles dated 2014-01-01 to 2014-12-31"


def test_a_build_is_told_in_plain_words():
    from rag.app.keeper import BuildState
    from rag.app.render import build_line, build_notices
    from rag.index.build import BuildReport
    from rag.ingest.clean import Skipped

    running = BuildState(running=True, reason="Indexing 2 new article file(s)…", stage="Embedding", done=40, total=120,
                         seconds_left=12.4)  # fmt: skip
    assert build_line(running) == "Indexing 2 new article file(s): 40 of 120 passages · about 12 s left"
    skipped = (Skipped("b.txt", "the file is empty"),)
    report = BuildReport(3, 30, 1.0, 30, added=("a.txt",), skipped=skipped, written=True)
    assert build_notices(report, None) == [
        ("error", "Skipped b.txt: the file is empty"),
        ("ok", f"Index ready: {report.summary()}"),
    ]
    assert build_notices(None, "Nothing to index") == [("error", "Nothing to index")]
