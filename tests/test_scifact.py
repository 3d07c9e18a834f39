"""The SciFact benchmark: metric arithmetic by hand, and the command end to end on a small slice of
the real data (taken from ../shared/bench/scifact when it is there: it is optional benchmark data)."""

import gzip
import json
import math
from pathlib import Path

import pytest

from rag.__main__ import main
from rag.bench import scifact
from rag.bench.evaluate import ndcg_at_k, recall_at_k

DATA = scifact.DEFAULT_DATA


def test_ndcg_and_recall_by_hand():
    ranking, relevant = ["d1", "d2", "d3"], {"d2", "d4"}
    # DCG = 1/log2(3); ideal = 1/log2(2) + 1/log2(3)
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(ranking, relevant, 10) == pytest.approx(expected)
    assert ndcg_at_k(ranking, relevant, 10) == pytest.approx(0.3869, abs=1e-4)
    assert ndcg_at_k(["d2", "d4"], relevant, 10) == pytest.approx(1.0)
    assert ndcg_at_k(ranking, relevant, 1) == 0.0
    assert recall_at_k(ranking, relevant, 10) == 0.5
    assert recall_at_k(ranking, relevant, 1) == 0.0
    assert ndcg_at_k([], {"x"}, 10) == 0.0


def test_passage_hits_count_for_their_document_by_max_score():
    assert scifact._doc_ranking([("a", 0.2), ("b", 0.5), ("a", 0.9), ("c", 0.1)]) == [
        ("a", 0.9),
        ("b", 0.5),
        ("c", 0.1),
    ]


def test_records_go_through_the_projects_cleaning():
    text, [article] = scifact.article("42", "A title about T cells", "T cells respond to IL-2. They proliferate.")
    assert article.title == "A title about T cells" and article.source == "42"
    kept = " ".join(text[s.start : s.end] for s in article.segments)
    assert "T cells respond to IL-2." in kept


SYNTHETIC = [  # always available, so the command runs end to end even without the real data
    ("d1", "Vitamin D and bone density", "Vitamin D supplements increased bone mineral density in older women."),
    ("d2", "Statins and muscle pain", "Statin therapy was associated with muscle pain in a minority of patients."),
    ("d3", "Sleep and memory", "Slow-wave sleep consolidates declarative memory in young adults."),
    ("d4", "Aspirin and colorectal cancer", "Daily aspirin reduced the incidence of colorectal cancer over 20 years."),
    ("d5", "Exercise and depression", "Aerobic exercise reduced symptoms of depression compared with controls."),
    ("d6", "Coffee and liver disease", "Coffee consumption was linked to lower rates of liver cirrhosis."),
]
SYNTHETIC_QUERIES = {
    "q1": ("Vitamin D improves bone density.", "d1"),
    "q2": ("Aspirin prevents colon cancer.", "d4"),
    "q3": ("Sleep helps memory consolidation.", "d3"),
}


def write_beir(out: Path, docs, queries: dict[str, str], qrels: dict[str, set[str]]) -> Path:
    (out / "qrels").mkdir(parents=True)
    with gzip.open(out / "corpus.jsonl.gz", "wt", encoding="utf-8") as f:
        for doc_id, title, text in docs:
            f.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    with gzip.open(out / "queries.jsonl.gz", "wt", encoding="utf-8") as f:
        for q, text in queries.items():
            f.write(json.dumps({"_id": q, "text": text}) + "\n")
    with gzip.open(out / "qrels" / "test.tsv.gz", "wt", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\r\n")
        for q, docs_ in qrels.items():
            for d in sorted(docs_):
                f.write(f"{q}\t{d}\t1\r\n")
    return out


@pytest.fixture(params=["real", "synthetic"])
def small_slice(request, tmp_path):
    """Eight real test queries with their documents and 50 others (when the data is beside the
    checkout), and a synthetic set that always exists."""
    if request.param == "synthetic":
        queries = {q: text for q, (text, _) in SYNTHETIC_QUERIES.items()}
        return write_beir(tmp_path / "slice", SYNTHETIC, queries, {q: {d} for q, (_, d) in SYNTHETIC_QUERIES.items()})
    if not (DATA / "corpus.jsonl.gz").is_file():
        pytest.skip("SciFact data not present (optional benchmark data)")
    beir = scifact.load(DATA)
    qids = sorted(beir.qrels["test"])[:8]
    wanted = set().union(*(beir.qrels["test"][q] for q in qids))
    docs = [d for d in beir.docs if d[0] in wanted] + [d for d in beir.docs if d[0] not in wanted][:50]
    qrels = {q: beir.qrels["test"][q] for q in qids}
    return write_beir(tmp_path / "slice", docs, {q: beir.queries[q] for q in qids}, qrels)


def test_bench_scifact_runs_end_to_end_on_a_slice(small_slice, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(scifact, "CACHE", tmp_path / "cache")
    run_file = tmp_path / "run.trec"
    assert main(["bench", "scifact", "--data", str(small_slice), "--json", "--run-out", str(run_file)]) == 0
    result = json.loads(capsys.readouterr().out)
    scores = result["splits"]["test"]["scores"]
    assert set(scores) == {"dense", "lexical", "hybrid", "hybrid + rerank", "langchain FAISS baseline"}
    for s in scores.values():
        assert 0 <= s["ndcg@10"] <= 1 and 0 <= s["recall@10"] <= s["recall@100"] <= 1
    assert scores["hybrid"]["ndcg@10"] > 0.5  # a small corpus: the relevant documents should be near the top
    assert scores["hybrid + rerank"]["ndcg@10"] > 0.5
    lines = run_file.read_text().splitlines()
    qid, q0, doc, rank, score, tag = lines[0].split()
    assert q0 == "Q0" and rank == "1" and tag == "dossier-hybrid-rerank"
    float(score)
    # a second run reuses the cached embeddings
    assert main(["bench", "scifact", "--data", str(small_slice), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["index_build_s"] < 5


def test_missing_data_is_a_clear_error(tmp_path, capsys):
    assert main(["bench", "scifact", "--data", str(tmp_path)]) == 2
    assert "SciFact data not found" in capsys.readouterr().err


@pytest.mark.slow
def test_full_scifact_hybrid_beats_its_components_and_the_bar():
    """The whole test split (about 12 minutes on 2 cores the first time, then cached)."""
    if not (DATA / "corpus.jsonl.gz").is_file():
        pytest.skip("SciFact data not present (optional benchmark data)")
    from rag.core.settings import Settings

    scores = scifact.run_scifact(Settings.from_env(), DATA, with_baseline=False)["splits"]["test"]["scores"]
    assert scores["hybrid"]["ndcg@10"] >= 0.70
    assert scores["hybrid"]["ndcg@10"] >= max(scores["dense"]["ndcg@10"], scores["lexical"]["ndcg@10"])
