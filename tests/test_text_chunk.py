"""Sentence spans and passages."""

import itertools

from rag.index.chunk import split
from rag.ingest.clean import load_file
from rag.lang.text import sentence_spans, terms
from tests.conftest import SEEDS, B, C


def sentences(text):
    return [text[s:e] for s, e in sentence_spans(text)]


def test_sentence_spans_respect_abbreviations_and_quotes():
    text = "He met Mr. Putin in St. Petersburg. “We agree,” Wen said. The U.S. objected! Then J. Smith left."
    assert sentences(text) == [
        "He met Mr. Putin in St. Petersburg.",
        "“We agree,” Wen said.",
        "The U.S. objected!",
        "Then J. Smith left.",
    ]


def test_sentence_spans_keep_closing_quotes_and_offsets():
    text = "  Wang said: “We will help.” Gao agreed.  "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Wang said: “We will help.”", "Gao agreed."]


def test_terms_are_stemmed_without_stopwords():
    assert terms("The Russians were visiting the academies") == ["russian", "visit", "academi"]


def test_passages_never_mix_voices_and_stay_short():
    text, [article] = load_file(SEEDS / C, 10**7)
    passages = split(article, text, chunk_words=120, overlap=1)
    kinds = {s.kind: set() for s in article.segments}
    for seg in article.segments:
        kinds[seg.kind].add((seg.start, seg.end))
    for p in passages:
        assert p.kind in ("article", "comment", "note")
        for s, e in p.sentences:
            covering = [seg for seg in article.segments if seg.start <= s and e <= seg.end]
            assert covering and all(seg.kind == p.kind for seg in covering)
        long_single = len(p.sentences) == 1
        assert len(p.text.split()) <= 120 or long_single
        assert p.text == " ".join(text[s:e] for s, e in p.sentences)


def test_consecutive_passages_overlap_by_one_sentence():
    text, articles = load_file(SEEDS / B, 10**7)
    passages = [p for p in split(articles[0], text, 120, 1) if p.kind == "article"]
    assert len(passages) > 3
    for a, b in itertools.pairwise(passages):
        assert a.sentences[-1] == b.sentences[0]
