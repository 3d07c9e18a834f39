"""Finding passages: one engine protocol (`engine`) with an in-process FAISS + BM25 engine and a
Milvus one (`milvus`, imported only when chosen), fused by reciprocal rank; the retriever on top
(`retrieve`: outlets, voices, near-duplicates, a langchain adapter); the cross-encoder (`rerank`)."""

from rag.search.engine import Filters, Fusion, LocalEngine, Ranked, SearchEngine
from rag.search.outlets import is_outlet
from rag.search.rerank import Reranker, load_reranker, needs_torch
from rag.search.retrieve import Retriever, as_langchain_retriever

__all__ = [
    "Filters",
    "Fusion",
    "LocalEngine",
    "Ranked",
    "Reranker",
    "Retriever",
    "SearchEngine",
    "as_langchain_retriever",
    "is_outlet",
    "load_reranker",
    "needs_torch",
]
