"""Measuring, apart from what is measured: question-set evaluation and provenance (`evaluate`),
speed (`speed`), MultiHop-RAG (`multihop`), BEIR SciFact (`scifact`), cleaning (`ingest`), and the
search engines at scale (`scale`). Each is run by `python -m rag eval|bench ...`."""

from rag.bench.evaluate import format_metrics, provenance, run

__all__ = ["format_metrics", "provenance", "run"]
