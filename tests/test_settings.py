"""The one settings object: defaults, `DOSSIER_*` overrides, and bad values as messages."""

import itertools
from pathlib import Path

import pytest

from rag.core.errors import DossierError
from rag.core.settings import Settings


def test_environment_overrides_are_typed():
    s = Settings.from_env(
        environ={"DOSSIER_TOP_K": "8", "DOSSIER_LLM_TIMEOUT": "2.5", "DOSSIER_INDEX_DIR": "~/x", "DOSSIER_ANSWERER": ""}
    )
    assert (s.top_k, s.llm_timeout, s.index_dir, s.answerer) == (8, 2.5, Path("~/x").expanduser(), "extractive")


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("DOSSIER_TOP_K", "many", "DOSSIER_TOP_K='many' is not a valid int"),
        ("DOSSIER_TOP_K", "0", "top_k must be at least 1"),
        ("DOSSIER_ANSWERER", "gpt", "DOSSIER_ANSWERER='gpt' is not one of extractive, openai, local"),
        ("DOSSIER_RETRIEVAL_MODE", "magic", "is not one of hybrid, dense, lexical"),
    ],
)
def test_bad_values_are_messages_naming_the_variable(variable, value, message):
    with pytest.raises(DossierError, match=message.replace("(", r"\(")):
        Settings.from_env(environ={variable: value})


def test_the_api_key_never_shows_in_the_settings_repr():
    assert "sk-secret" not in repr(Settings.from_env(environ={"DOSSIER_LLM_API_KEY": "sk-secret"}))


def test_settings_are_grouped_by_stage_and_read_by_either_name():
    s = Settings.from_env(environ={"DOSSIER_TOP_K": "8", "DOSSIER_MILVUS_COLLECTION": "news"})
    assert s.search.top_k == s.top_k == 8 and s.milvus.milvus_collection == "news"
    changed = s.replace(answer_threshold=1.5, chunk_words=90)
    assert (changed.answer.answer_threshold, changed.index.chunk_words, changed.top_k) == (1.5, 90, 8)
    assert s.answer.answer_threshold == Settings().answer_threshold  # the original is unchanged
    assert changed.changed() == {"top_k": 8, "milvus_collection": "news", "answer_threshold": 1.5, "chunk_words": 90}
    sections = [section for section, *_ in Settings.describe()]
    assert len([k for k, _ in itertools.groupby(sections)]) == len(set(sections)) == 7  # each stage together
    assert len(Settings.describe()) == len({env for _, env, _, _ in Settings.describe()})  # names are unique
    with pytest.raises(TypeError, match="no setting 'top_kk'"):
        s.replace(top_kk=3)
    with pytest.raises(AttributeError):
        _ = s.top_kk
