"""The package reads as the pipeline: sub-packages by stage, imports only down the pipeline.

    core <- lang <- ingest <- index <- search <- answer <- generate <- app <- bench

A module may import from its own stage or any stage to its left, never to its right (lazy imports
inside functions included), and no sub-package is imported through a private module by the views."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from rag.core.settings import PROJECT_DIR

STAGES = ["core", "lang", "ingest", "index", "search", "answer", "generate", "app", "bench"]
RAG = PROJECT_DIR / "rag"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            package = path.parent.relative_to(PROJECT_DIR).parts
            base = package[: len(package) - node.level + 1]
            found.append(".".join([*base, *(node.module.split(".") if node.module else [])]))
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return [m for m in found if m == "rag" or m.startswith("rag.")]


def test_every_stage_imports_only_down_the_pipeline():
    wrong = []
    for stage in STAGES:
        for path in sorted((RAG / stage).glob("*.py")):
            for module in _imports(path):
                parts = module.split(".")
                if len(parts) < 2 or parts[1] not in STAGES:
                    continue
                if STAGES.index(parts[1]) > STAGES.index(stage):
                    wrong.append(f"{path.relative_to(PROJECT_DIR)} imports {module}")
    assert wrong == []


def test_the_top_level_is_the_pipeline():
    assert sorted(p.name for p in RAG.iterdir() if p.is_dir() and not p.name.startswith("__")) == sorted(STAGES)
    assert sorted(p.name for p in RAG.glob("*.py")) == ["__init__.py", "__main__.py"]
    for stage in STAGES:
        init = RAG / stage / "__init__.py"
        assert init.is_file() and ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), stage


def test_views_import_stages_not_their_modules():
    """app.py and the CLI use what each stage's __init__ offers."""
    for view in (PROJECT_DIR / "app.py", RAG / "__main__.py"):
        deep = [m for m in _imports(view) if m.count(".") > 1]
        assert deep == [], f"{view.name}: {deep}"


def test_the_library_imports_no_heavy_model_framework():
    """Importing the assistant costs a fraction of a second: spaCy is loaded when a question is
    first parsed (in the background), torch and sentence-transformers only for the torch backend."""
    heavy = "('spacy', 'torch', 'sentence_transformers')"
    code = f"import sys, rag.app; print(sorted(m for m in {heavy} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_number_words_are_spacys_read_without_importing_it():
    from rag.lang.values import NUMBER_WORDS, ORDINAL_WORDS, number_value, ordinal_value

    assert NUMBER_WORDS["seventeen"] == 17 and NUMBER_WORDS["ninety"] == 90 and NUMBER_WORDS["trillion"] == 10**12
    assert ORDINAL_WORDS["nineteenth"] == 19 and ordinal_value("twenty-first") == 21
    assert number_value("sixty") == 60


def test_torch_imported_while_spacy_loads_waits_instead_of_failing():
    """spaCy is imported with torch hidden on the parser's thread; the embedding model's one-off
    ONNX export imports torch on the main thread meanwhile (a fresh machine's first start)."""
    code = """
import threading, time
from rag.core.imports import torch_hidden, torch_importable
hidden = threading.Event()
def load():
    with torch_hidden():
        hidden.set()
        time.sleep(0.3)
t = threading.Thread(target=load); t.start(); hidden.wait()
with torch_importable():
    import torch
t.join()
import sys; print(sys.modules['torch'] is torch)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr[-500:]
