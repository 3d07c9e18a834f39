"""Loading and cleaning the real web captures in seeds/."""

from pathlib import Path

import pytest

from rag.core.errors import CorpusError
from rag.ingest.clean import load_file, parse, parse_date, read_source
from tests.conftest import SEEDS, A, B, C, D, E


def articles(name):
    text, arts = load_file(SEEDS / name, 10**7)
    return text, arts


def kept_text(name):
    text, arts = articles(name)
    return "\n".join(text[s.start : s.end] for a in arts for s in a.segments)


def test_segments_are_offsets_into_the_original_file():
    for path in SEEDS.iterdir():
        text, arts = articles(path.name)
        original = Path(path).read_text(encoding="utf-8")
        assert text == original
        for a in arts:
            for s in a.segments:
                assert original[s.start : s.end].strip() == original[s.start : s.end]
                assert a.start <= s.start < s.end <= a.end


@pytest.mark.parametrize(
    "name, boilerplate",
    [
        (
            A,
            [
                "Leave a Reply",
                "You are commenting using",
                "VISIT MY WEBSITE",
                "bloggers like this",
                "Wall Street books",
            ],
        ),
        (D, ["Leave a Reply", "Connecting to %s", "Banker Occupation"]),
        (E, ["We use cookies", "menu_open", "Get it on Google Play", "Aa Aa Aa", "QOSHE"]),
        (B, ["Article link", "Continue reading", "Archive for the", "Posted in"]),
        (C, ["Comments are closed", "17 thoughts on"]),
    ],
)
def test_boilerplate_is_dropped(name, boilerplate):
    kept = kept_text(name)
    for phrase in boilerplate:
        assert phrase not in kept


def test_duplicate_copy_of_an_article_is_dropped():
    kept = kept_text(E)
    assert kept.count("The United States is ramping up efforts to drive a wedge") == 1
    assert kept.count("ICBC") == 1  # the truncated repeat ("... have already........") is gone too
    kept_a = kept_text(A)
    assert "Trump Regime Hellbent" not in kept_a  # the title, twice, is metadata not text


def test_archive_page_is_split_into_articles_with_their_own_metadata():
    _, arts = articles(B)
    assert [a.title for a in arts][:3] == [
        "China challenges US economic war against Russia",
        "Interference in Ukraine is unacceptable – Russian and Chinese leaders",
        "China and Russia hold naval exercise in Sea of Japan",
    ]
    assert len(arts) == 7
    first, naval, dollar = arts[0], arts[2], arts[5]
    assert (first.author, first.date, first.publisher) == ("Alex Lantier", "2014-12-23", "World Socialist Website")
    assert (naval.author, naval.date) == ("Ben McGrath", "2013-07-16")
    assert dollar.author == "Su Qiang and Li Xiaokun" and dollar.date == "2010-11-24"
    assert arts[4].date == "2011-01-23"  # "Beijing, Jan 23": the year comes from the post date


def test_credit_lines_are_kept_as_evidence_for_author_and_date():
    text, arts = articles(B)
    naval = arts[2]
    lines = [text[s:e] for s, e in naval.credits]
    assert "By Ben McGrath" in lines and "16 July 2013" in lines
    assert any(line.startswith("Posted in") for line in lines)
    assert all(not (s < seg.end and seg.start < e) for s, e in naval.credits for seg in naval.segments)
    text, [c] = articles(C)
    assert [text[s:e] for s, e in c.credits][0].startswith("Many thanks to Hellequin GB for translating")


def test_single_article_metadata():
    _, [a] = articles(A)
    assert a.title == "Trump Regime Hellbent to Wreck Relations with China and Russia"
    assert a.author == "Stephen Lendman" and a.date is None  # the page states no date: none is invented
    _, [e] = articles(E)
    assert (e.title, e.author, e.date, e.publisher) == (
        "US tries to turn China against Russia",
        "Ronju Sarkar",
        "2024-04-27",
        "Blitz",
    )
    _, [c] = articles(C)
    assert c.title == "The Bear and the Panda Join Forces"
    assert "Hellequin GB" in c.author


def test_voices_are_labelled():
    text, [a] = articles(C)
    by_kind = {}
    for s in a.segments:
        by_kind.setdefault(s.kind, []).append(text[s.start : s.end])
    notes = " ".join(by_kind["note"])
    comments = by_kind["comment"]
    assert "[After they “sold” them the technology" in notes
    assert "wrecking-ball" in notes
    assert "PIECE” Darwin Award" in notes  # the translator's afterword
    assert any(c.startswith("So. Beijing is now gonna challenge") for c in comments)
    assert not any("Darwin Award" in c for c in comments)
    article_text = " ".join(by_kind["article"])
    assert "Li Shanfu was immediately received by President Vladimir Putin" in article_text
    assert "wrecking-ball" not in article_text
    groups = {s.group for s in a.segments if s.kind == "comment"}
    assert len(groups) >= 17  # one group per comment in the thread


def test_short_editorial_brackets_stay_in_the_quote():
    text, arts = articles(B)
    notes = [text[s.start : s.end] for a in arts for s in a.segments if s.kind == "note"]
    assert not any("[Eurasian]" in n for n in notes)
    assert any("relatively ignored" in n for n in notes)  # the re-poster's signed aside


@pytest.mark.parametrize(
    "text, expected",
    [
        ("23 December 2014", "2014-12-23"),
        ("Nov. 8, 2011", "2011-11-08"),
        ("November 24, 2010", "2010-11-24"),
        ("27.04.2024", "2024-04-27"),
        ("no date here", None),
        ("31 February 2020", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_unreadable_files_say_why(tmp_path: Path):
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(CorpusError, match="binary"):
        read_source(tmp_path / "blob.txt", 10**6)
    with pytest.raises(CorpusError, match="unsupported file type '.pdf'"):
        read_source(tmp_path / "doc.pdf", 10**6)
    with pytest.raises(CorpusError, match="too large"):
        read_source(SEEDS / A, 100)


def test_plain_text_without_structure_is_one_article():
    arts = parse("note.txt", "A plain paragraph about the SCO summit in St. Petersburg. It has two sentences.\n")
    assert len(arts) == 1 and arts[0].title == "note"
    assert parse("empty.txt", "\n\n   \n") == []


def test_a_named_commenter_is_kept_with_the_comment_and_never_credited_to_the_author():
    from rag.app.render import article_html

    page = (
        "Pipeline deal signed\n\nBy Anna Petrova\n\nGazprom and CNPC signed the Power of Siberia 2 deal on "
        "Tuesday, the companies said.\n\n2 thoughts on “Pipeline deal signed”\n\nGeorgiaboy says:\n\n"
        "March 3, 2022 at 5:12 pm\n\nThis deal will change the gas market in Europe for a decade.\n\n"
        "It is also a warning to Brussels.\n\nMarta K. says:\n\nI doubt the pipeline will ever be finished.\n"
    )
    (article,) = parse("deal.txt", page)
    comments = [s for s in article.segments if s.kind == "comment"]
    assert [(page[s.start : s.end][:20], s.speaker) for s in comments] == [
        ("This deal will chang", "Georgiaboy"),
        ("It is also a warning", "Georgiaboy"),
        ("I doubt the pipeline", "Marta K."),
    ]
    assert comments[0].group == comments[1].group != comments[2].group
    assert article.author == "Anna Petrova"
    shown = article_html(page, article)
    # one label per comment (not per paragraph), naming its commenter
    assert shown.count("reader comment by Georgiaboy") == 1 and shown.count("reader comment by Marta K.") == 1
    assert "March 3, 2022" not in shown.split("Georgiaboy", 1)[1]  # the time stamp is not comment text
