"""Retrieval, follow-ups and the extractive answerer on the seeds (hashing embedder; the real model
is covered by test_integration.py)."""

from pathlib import Path

import pytest

from rag.answer.followups import contextualize, entities, is_follow_up
from rag.app.assistant import Assistant, clean_question
from rag.core.errors import QuestionError
from rag.core.schema import Turn
from rag.index.build import build
from rag.search.lexical import BM25
from rag.search.retrieve import Filters, as_langchain_retriever
from tests.conftest import A, B, C, D, E, highlighted, squeeze


@pytest.fixture
def assistant(settings, embedder):
    build(settings, lambda: embedder)
    return Assistant(settings, lambda: embedder)


def test_bm25_prefers_rare_matching_terms():
    bm25 = BM25(["the ruble fell 45 percent", "the ruble and the yuan", "pipelines and gas"])
    ranked = bm25.search("ruble percent", 3)
    assert [row for row, _ in ranked] == [0, 1]
    assert bm25.search("nothing matches", 3) == []


def test_hybrid_search_finds_names_and_respects_filters(assistant):
    hits = assistant.retriever.search("Li Shanfu General Staff Military Academy", k=5)
    assert hits[0].passage.source == C
    assert hits[0].lexical is not None and hits[0].score > 0
    only_b = assistant.retriever.search("Li Shanfu academy", k=5, filters=Filters(sources=frozenset([B])))
    assert only_b and {h.passage.source for h in only_b} == {B}
    dated = assistant.retriever.search(
        "naval exercise", k=5, filters=Filters(date_from="2013-01-01", date_to="2013-12-31")
    )
    assert dated and all(h.passage.date.startswith("2013") for h in dated)
    assert assistant.retriever.search("naval", k=5, filters=Filters(date_from="2099-01-01")) == []
    naval = next(a for a in assistant.index.articles if a.title.startswith("China and Russia hold naval"))
    one = assistant.retriever.search("China Russia", k=5, filters=Filters(articles=frozenset([naval.id])))
    assert one and {h.passage.article_id for h in one} == {naval.id}


def test_voice_directed_search_brings_that_voice(assistant):
    hits = assistant.retriever.search("Kissinger Nixon China", k=6, voice="comment")
    assert sum(h.passage.kind == "comment" for h in hits) >= 3


def test_langchain_retriever_adapter(assistant):
    docs = as_langchain_retriever(assistant.retriever, k=3).invoke("ICBC yuan payments")
    assert len(docs) == 3 and docs[0].metadata["source"] == E
    assert {"title", "author", "date", "kind", "start", "end", "score"} <= set(docs[0].metadata)


def test_follow_up_questions_are_expanded_with_the_conversation():
    history = [
        Turn("user", "Who is Li Shanfu?"),
        Turn("assistant", "Chinese Defense Minister Li Shanfu visited Moscow. [1]"),
    ]
    assert is_follow_up("Which academy did he visit?")
    assert not is_follow_up("Which academy did Li Shanfu visit?")
    # A reference is resolved against the turn it points to: the person, the place, the changed year.
    assert contextualize("Which academy did he visit?", history) == "Which academy did Li Shanfu visit?"
    assert contextualize("What did he say there?", history) == "What did Li Shanfu say in Moscow?"
    ruble = [Turn("user", "How much did the ruble fall in 2014?"), Turn("assistant", "45 percent. [1]")]
    assert contextualize("And in 2015?", ruble) == "How much did the ruble fall in 2015?"
    assert contextualize("What did Zhou Lijian say?", history) == "What did Zhou Lijian say?"
    assert "Li Shanfu" in entities("Who is Li Shanfu?")


def test_every_answer_sentence_is_cited_and_quotes_match_offsets(assistant, settings):
    answer = assistant.ask("How many Chinese firms face US export restrictions?")
    assert not answer.abstained and "89" in answer.text
    assert answer.claims and all(c.citations for c in answer.claims)
    for c in answer.citations:
        assert Path(settings.corpus_dir / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote
        assert f"[{c.n}]" in answer.text
    assert {c.source for c in answer.citations} == {A}


def test_reader_comments_are_labelled(assistant):
    comments = assistant.ask("What do the reader comments say about Kissinger?")
    assert "A reader comment says" in comments.text and all(c.kind == "comment" for c in comments.citations)


@pytest.mark.parametrize(
    "question, title, credit, quotes",
    [
        (
            "Who wrote the article about the Joint Sea 2013 naval exercise?",
            "China and Russia hold naval exercise in Sea of Japan",
            "Ben McGrath, dated July 16, 2013",
            ["By Ben McGrath", "16 July 2013"],
        ),
        (
            "When was the article on China and Russia quitting the dollar in trade settlement published?",
            "China, Russia quit dollar in trade settlement",
            "Su Qiang and Li Xiaokun, dated November 24, 2010",
            ["By Su Qiang and Li Xiaokun, China Daily", "November 24, 2010"],
        ),
        (
            "What date was the article about the Joint Sea 2013 naval exercise published?",
            "China and Russia hold naval exercise in Sea of Japan",
            "Ben McGrath, dated July 16, 2013",
            ["By Ben McGrath", "16 July 2013"],
        ),
        (
            "Who translated The Bear and the Panda Join Forces?",
            "The Bear and the Panda Join Forces",
            "Uncut News (translated by Hellequin GB)",
            ["Many thanks to Hellequin GB for translating this article from Uncut News."],
        ),
    ],
)
def test_who_wrote_an_article_is_answered_from_its_credit_lines(assistant, settings, question, title, credit, quotes):
    answer = assistant.ask(question)
    assert answer.text.startswith(f"“{title}” is credited to {credit}")
    assert [c.quote.split(" The translator")[0] for c in answer.citations] == quotes
    for c in answer.citations:
        assert Path(settings.corpus_dir / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote
        assert c.kind == "article"


def test_who_wrote_a_quote_is_not_a_byline_question(assistant):
    answer = assistant.ask("Who wrote that China must not copy the Kaiser's errors?")
    assert "credited to" not in answer.text and "Martin Wolf" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "Who wrote the article about the price of Bitcoin?",
        "What is the population of Brazil?",
        "What is the price of Bitcoin?",
        "Who won the football World Cup?",
    ],
)
def test_abstains_when_the_articles_do_not_say(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained and answer.text.startswith("The articles don't say")
    assert answer.citations == () and answer.retrieved  # the closest passages are still shown


@pytest.mark.parametrize(
    "question, opening",
    [
        ("Did the ruble fall in 2014?", "Yes, according to World Socialist Website"),
        ("Did the ruble rise in 2014?", "No, according to World Socialist Website"),  # found by the opposite
        ("Was Li Shanfu acquitted?", "The articles don't say"),  # sentences about him settle nothing
        ("Did Russia join NATO?", "The articles don't say"),
    ],
)
def test_a_yes_no_question_opens_with_a_verdict_its_evidence_carries(assistant, question, opening):
    answer = assistant.ask(question)
    assert answer.text.startswith(opening), answer.text
    assert answer.abstained == opening.startswith("The articles don't say")


def test_bad_questions_get_clear_messages(assistant):
    for empty in ("", "   \n\t "):
        with pytest.raises(QuestionError, match="empty"):
            assistant.ask(empty)
    with pytest.raises(QuestionError, match="102,400 characters.*limit is 2,000"):
        assistant.ask("x" * 102_400)
    assert clean_question("  What\x00 about\n the SCO? ", 100) == "What about the SCO?"
    answer = assistant.ask("???")
    assert answer.abstained


def test_answers_are_restricted_to_chosen_articles(assistant):
    answer = assistant.ask("What did Xi Jinping call Putin?", filters=Filters(sources=frozenset([D])))
    assert not answer.abstained and {c.source for c in answer.citations} == {D}
    nothing = assistant.ask("What did Xi Jinping call Putin?", filters=Filters(date_from="2099-01-01"))
    assert nothing.abstained and "widen the filter" in nothing.notice


def test_a_refusal_under_a_filter_says_other_articles_answer(assistant):
    question = "Which Chinese bank stopped accepting yuan payments from Russia?"
    answer = assistant.ask(question, filters=Filters(sources=frozenset(["003_066a89326e82b11e.txt"])))
    assert answer.abstained and answer.citations == ()
    assert answer.text.startswith("The articles you chose don't say. Other articles in the collection do (“US tries")
    nowhere = assistant.ask("What is the population of Brazil?", filters=Filters(sources=frozenset([D])))
    assert nowhere.text.startswith("The articles don't say")  # no article answers: the plain refusal


def test_the_same_text_captured_twice_is_shown_once(settings, embedder):
    import shutil

    shutil.copy(settings.corpus_dir / E, settings.corpus_dir / "copy-of-004.txt")
    build(settings, lambda: embedder)
    hits = Assistant(settings, lambda: embedder).retriever.search("ICBC yuan payments rejected", k=6)
    texts = [h.passage.text for h in hits]
    assert len(texts) == len(set(texts))
    assert {E, "copy-of-004.txt"} & {h.passage.source for h in hits}


@pytest.mark.parametrize(
    "question", ["Who wrote the article about the Joint Sea 2013 naval exercise?", "What did Xi Jinping call Putin?"]
)
def test_every_citation_is_highlighted_in_its_article(assistant, question):
    answer = assistant.ask(question)
    assert answer.citations
    for c in answer.citations:
        assert highlighted(assistant.index, c.source, c.start, c.end) == squeeze(c.quote)
