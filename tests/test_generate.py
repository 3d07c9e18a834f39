"""Generative answers: the prompt, claim verification with scripted model output (langchain's fake
chat model), streaming, refusals, and every kind of server failure falling back to the extractive
answer. The embedding model is real (verification measures meaning with it)."""

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from rag.answer.extractive import ExtractiveAnswerer
from rag.app.assistant import Assistant
from rag.core.schema import Turn
from rag.core.settings import Settings
from rag.generate.server import INSTRUCTIONS, GenerativeAnswerer, build_prompt, describe_failure
from rag.generate.verify import Verifier, facts, quotations, split_claims
from rag.index.build import build
from rag.index.embed import load_embedder
from tests.conftest import SEEDS, A, E


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    settings = Settings.from_env(environ={}, corpus_dir=SEEDS, index_dir=tmp_path_factory.mktemp("gen") / "index")
    build(settings, lambda: load_embedder(settings.embedding_model))
    return Assistant(settings)


def scripted(assistant, reply: str) -> GenerativeAnswerer:
    model = GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))
    extractive = ExtractiveAnswerer(assistant.reranker, assistant.retriever.bm25.term_idf)
    return GenerativeAnswerer("openai", model, Verifier(assistant.embedder.embed), extractive, assistant.settings)


def ask(assistant, question, reply, **kwargs):
    hits = assistant.retriever.search(question, k=6)
    return hits, scripted(assistant, reply).answer(question, question, hits, assistant.index.texts, **kwargs)


def passage_number(hits, needle):
    return next(i for i, h in enumerate(hits, 1) if needle in h.passage.text)


def verdicts(assistant, question, needle, *sentences):
    """Verification's verdict on each scripted sentence; `{n}` is the passage that contains `needle`."""
    hits = assistant.retriever.search(question, k=6)
    n = passage_number(hits, needle)
    reply = " ".join(sentence.format(n=n) for sentence in sentences)
    return [c.supported for c in Verifier(assistant.embedder.embed).verify(reply, hits, assistant.index.texts).claims]


def test_prompt_numbers_passages_with_their_metadata_and_the_rules():
    from rag.core.schema import Hit, Passage

    p = Passage(
        "x:0-5", "x.txt", "x.txt#0", "A title", "Ann Author", "2020-01-02", "comment", 0, 5, "Hello.", ((0, 5),)
    )
    messages = build_prompt("What?", [Hit(p, 1.0)], [Turn("user", "Before?"), Turn("assistant", "Earlier [1].")])
    assert messages[0][0] == "system" and INSTRUCTIONS in messages[0][1]
    assert '<passage n="1">\nA title — Ann Author, 2020-01-02 (reader comment)\nHello.\n</passage>' in messages[0][1]
    assert messages[1:] == [("human", "Before?"), ("ai", "Earlier [1]."), ("human", "What?")]


def test_claims_and_facts_are_read_off_the_answer():
    assert split_claims("The US targets 89 firms [1]. Zhou objected [2, 3].") == [
        ("The US targets 89 firms.", (1,)),
        ("Zhou objected.", (2, 3)),
    ]
    assert split_claims("It fell 45 percent. [2]") == [("It fell 45 percent.", (2,))]
    assert split_claims("The US targets 89 firms. [1] Zhou objected. [2, 3]") == [
        ("The US targets 89 firms.", (1,)),
        ("Zhou objected.", (2, 3)),
    ]
    assert split_claims("It grew [1]. It grew [1]. It  grew. [2] It fell. [3]") == [  # a loop is said once
        ("It grew.", (1,)),
        ("It fell.", (3,)),
    ]
    assert facts("In 2014 Wang Yi offered $100 billion to Russia.") == {"2014", "100", "Wang Yi", "Russia"}
    assert facts("ICBC refused SU-35 payments.") == {"ICBC", "SU", "35"}
    assert facts("The Peking University professor is Feng Yujun.") == {"Peking University", "Feng Yujun"}
    assert facts("The Economist ran it.") == {"Economist"}
    assert quotations('Xi called him his “best and bosom friend.” He said "no".') == {"best and bosom friend"}


def test_a_correct_cited_answer_passes_and_cites_the_exact_span(assistant):
    question = "How many Chinese firms will face US export restrictions?"
    hits = assistant.retriever.search(question, k=6)
    n = passage_number(hits, "89 Chinese firms")
    streamed = []
    answer = scripted(assistant, f"The Trump regime plans to restrict exports to 89 Chinese firms [{n}].").answer(
        question, question, hits, assistant.index.texts, on_token=streamed.append
    )
    assert "".join(streamed).startswith("The Trump regime plans")  # streamed token by token
    assert len(streamed) > 5
    assert [c.supported for c in answer.claims] == [True] and answer.notice is None
    [citation] = answer.citations
    assert citation.source == A and "89 Chinese firms" in citation.quote
    assert (SEEDS / A).read_text(encoding="utf-8")[citation.start : citation.end] == citation.quote


def test_a_number_not_in_the_passage_is_flagged(assistant):
    question = "How many Chinese firms will face US export restrictions?"
    hits = assistant.retriever.search(question, k=6)
    n = passage_number(hits, "89 Chinese firms")
    answer = scripted(
        assistant,
        f"The Trump regime plans to restrict exports to 89 Chinese firms [{n}]. "
        f"It also blacklisted 412 Russian banks [{n}]. "
        f"US export restrictions were also imposed on 28 Russian entities [{n}].",
    ).answer(question, question, hits, assistant.index.texts)
    assert [c.supported for c in answer.claims] == [True, False, True]  # 1 of 3: kept, flagged
    assert "412 Russian banks. [not supported by the articles]" in answer.text
    assert "1 sentence(s)" in answer.notice


def test_an_invented_clause_on_a_supported_sentence_is_flagged(assistant):
    assert verdicts(
        assistant,
        "How many Chinese firms will face US export restrictions?",
        "89 Chinese firms",
        "The Trump regime plans to restrict exports to 89 Chinese firms [{n}].",
        "The Trump administration plans to ban tech exports to China, which is a key part of China's domestic "
        "policy agenda [{n}].",
    ) == [True, False]


def test_a_quotation_must_be_the_passage_own_words(assistant):
    assert verdicts(
        assistant,
        "What did Xi Jinping call Vladimir Putin?",
        "bosom friend",
        "Xi Jinping called Vladimir Putin his “best and bosom friend” [{n}].",
        "Xi Jinping called Vladimir Putin his “closest and dearest brother” [{n}].",
    ) == [True, False]


def test_a_claim_in_the_wrong_voice_is_flagged(assistant):
    assert verdicts(
        assistant,
        "Were Chinese components found in Russian weapons?",
        "Josep Borrell",
        "Josep Borrell stated that Chinese components were allegedly found in Russian weapons in Ukraine [{n}].",
        "The translator mentions that Chinese components were allegedly found in Russian weapons [{n}].",
    ) == [True, False]  # Borrell said it, not the translator


def test_a_sentence_citing_the_wrong_passage_is_recited(assistant):
    question = "Which Chinese bank stopped accepting yuan payments from Russia?"
    hits = assistant.retriever.search(question, k=6)
    right = passage_number(hits, "ICBC")
    wrong = next(i for i in range(1, len(hits) + 1) if i != right and "ICBC" not in hits[i - 1].passage.text)
    answer = scripted(
        assistant, f"ICBC, the largest Chinese bank, stopped accepting yuan payments from Russia [{wrong}]."
    ).answer(question, question, hits, assistant.index.texts)
    assert answer.claims[0].supported
    assert "ICBC" in answer.citations[0].quote and answer.citations[0].source == E


def test_a_sentence_saying_the_articles_do_not_say_is_never_supported(assistant):
    assert verdicts(
        assistant,
        "How many Chinese firms will face US export restrictions?",
        "89 Chinese firms",
        "The Trump regime plans to restrict exports to 89 Chinese firms [{n}].",
        "US export restrictions were also imposed on 28 Russian entities [{n}].",
        "The article does not provide any information about Chinese firms [{n}].",
    ) == [True, True, False]


@pytest.mark.parametrize(
    "reply", ["The passages do not say.", "The article does not provide any information about the price of Bitcoin."]
)
def test_a_refusal_is_an_abstention(assistant, reply):
    _, answer = ask(assistant, "What is the price of Bitcoin?", reply)
    assert answer.abstained and answer.citations == () and answer.text.startswith("The articles don't say")


def test_a_half_unsupported_answer_is_replaced_by_the_extractive_one(assistant):
    _, answer = ask(
        assistant,
        "How many Chinese firms will face US export restrictions?",
        "Exports to 12 firms were banned in 1999 [1]. Angela Merkel approved it [2].",
    )
    assert "2 of the 2 sentences" in answer.notice and "fell back" in answer.backend
    assert "89" in answer.text and all(c.supported for c in answer.claims)


class Broken:
    def __init__(self, error):
        self.error = error

    def stream(self, messages):
        raise self.error


@pytest.mark.parametrize(
    "error_name, expected",
    [
        (
            "APIConnectionError",
            "Cannot reach the model server at http://127.0.0.1:9/v1: start it, or fix DOSSIER_LLM_BASE_URL",
        ),
        ("APITimeoutError", "raise DOSSIER_LLM_TIMEOUT"),
        ("NotFoundError", "has no model 'tiny': set DOSSIER_LLM_MODEL"),
        ("RateLimitError", "rate-limiting"),
        ("AuthenticationError", "refused the API key: set DOSSIER_LLM_API_KEY"),
    ],
)
def test_server_failures_name_the_setting_and_keep_an_answer(assistant, error_name, expected):
    settings = assistant.settings.replace(
        llm_base_url="http://127.0.0.1:9/v1", llm_model="tiny", llm_api_key="sk-secret"
    )
    error = type(error_name, (Exception,), {})("Incorrect API key provided: sk-secret")
    answerer = GenerativeAnswerer(
        "openai",
        Broken(error),
        Verifier(assistant.embedder.embed),
        ExtractiveAnswerer(assistant.reranker, assistant.retriever.bm25.term_idf),
        settings,
    )
    question = "Which Chinese bank stopped accepting yuan payments from Russia?"
    answer = answerer.answer(question, question, assistant.retriever.search(question, k=6), assistant.index.texts)
    assert expected in answer.notice and "sk-secret" not in answer.notice
    assert "ICBC" in answer.text and answer.citations  # the extractive answer, so never nothing
    assert "sk-secret" not in describe_failure(error, settings)


def test_unreachable_real_server_through_the_assistant(assistant):
    llm = assistant.settings.replace(llm_base_url="http://127.0.0.1:9/v1", llm_model="tiny", llm_timeout=5)
    answer = assistant.ask(
        "Which Chinese bank stopped accepting yuan payments from Russia?", answerer="openai", llm=llm
    )
    assert "Cannot reach the model server" in answer.notice and "ICBC" in answer.text


def test_openai_backend_without_a_model_name_says_which_setting(assistant):
    from rag.core.errors import BackendError

    with pytest.raises(BackendError, match="DOSSIER_LLM_MODEL"):
        assistant.ask("What is the SCO?", answerer="openai", llm=assistant.settings.replace(llm_model=""))


def test_a_claim_about_who_wrote_the_article_cites_its_byline(assistant):
    question = "Who wrote the article about the Joint Sea 2013 naval exercise?"
    hits = assistant.retriever.search(question, k=6)
    n = passage_number(hits, "Joint-Sea")
    answer = scripted(assistant, f"The article was written by Ben McGrath [{n}].").answer(
        question, question, hits, assistant.index.texts
    )
    assert [c.supported for c in answer.claims] == [True]
    [citation] = answer.citations
    assert citation.quote == "By Ben McGrath" and citation.kind == "article"
    wrong = scripted(assistant, f"The article was written by John Chan [{n}].").answer(
        question, question, hits, assistant.index.texts
    )
    assert wrong.backend == "openai (fell back to extractive)"  # John Chan wrote another article
    assert wrong.text.startswith("“China and Russia hold naval exercise in Sea of Japan” is credited to Ben McGrath")


def test_the_terminal_shows_the_draft_as_it_streams(monkeypatch, capsys):
    import sys

    from rag.__main__ import _ask

    class Streaming:
        def ask(self, question, history, on_token=None):
            for piece in ("The ruble ", "fell.") if on_token else ():
                on_token(piece)
            return "verified answer"

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert _ask(Streaming(), "How much did the ruble fall?") == "verified answer"
    assert capsys.readouterr().err == "(draft, being checked against the articles)\nThe ruble fell.\n\n"
    _ask(Streaming(), "How much did the ruble fall?", json_out=True)
    assert capsys.readouterr().err == ""  # --json keeps the terminal quiet


def test_each_backend_s_failures_name_its_own_settings():
    from rag.core.settings import Settings
    from rag.generate.server import describe_failure

    timeout = TimeoutError("took too long")
    local = describe_failure(timeout, Settings.of(), "local")
    assert "DOSSIER_LOCAL_MODEL" in local and "server" not in local and "api.openai.com" not in local
    assert "model server" in describe_failure(timeout, Settings.of(), "openai")


def test_a_failure_names_its_settings_structurally_for_each_view_to_word(assistant):
    """The CLI shows the environment variable; the app names its own field, without rewriting text."""
    error = type("APIConnectionError", (Exception,), {})("refused")
    said = describe_failure(error, assistant.settings.replace(llm_base_url="http://127.0.0.1:9/v1"))
    assert said.settings == ("llm_base_url",) and said.endswith("fix DOSSIER_LLM_BASE_URL.")
    assert said.worded({"llm_base_url": "the Server URL field"}).endswith("start it, or fix the Server URL field.")
    # kept when the assistant puts a remark before it, and when the answer is saved and read back
    from rag.app.assistant import _before
    from rag.app.conversations import answer_from, answer_record

    remark = _before("Read as: “What is the SCO?”", said)
    assert remark.settings == ("llm_base_url",) and remark.startswith("Read as:")
    answer = assistant.ask("What is the SCO?")
    import dataclasses
    import json

    back = answer_from(json.loads(json.dumps(answer_record(dataclasses.replace(answer, notice=remark)))))
    assert back.notice == remark and back.notice.worded({"llm_base_url": "F"}).endswith("fix F.")
