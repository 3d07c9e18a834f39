"""Every regular expression in `rag/`, run on long adversarial inputs, finishes in linear-ish time.

A pattern that backtracks quadratically on a run of dots or spaces froze the whole app (it holds the
GIL): 40,000 dots took 88 s. This test finds each module-level compiled pattern and times it on runs
of the characters patterns most often repeat, alone and around words."""

from __future__ import annotations

import importlib
import pkgutil
import re
import time

import pytest

import rag

RUN = 10_000
PIECES = [".", " ", "a", "A", "-", "1", ",", "\n", "…", "’", "thanks to ", "By ", "A. ", ". ", "- ", "1,", "Aa "]


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for info in pkgutil.walk_packages(rag.__path__, "rag."):
        if info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional dependency (Ray, Milvus) that is not installed
            continue
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found.append((f"{info.name}.{name}", value))
    return found


PATTERNS = _patterns()


def _inputs() -> list[str]:
    out = []
    for piece in PIECES:
        run = piece * (RUN // len(piece))
        out += [run, f"Word {run} end", f"{run}x", f"“{run}"]
    return out


INPUTS = _inputs()


@pytest.mark.parametrize("name,pattern", PATTERNS, ids=[n for n, _ in PATTERNS])
def test_no_pattern_backtracks_on_long_runs(name, pattern):
    assert len(PATTERNS) > 50
    for text in INPUTS:
        began = time.process_time()
        for _ in pattern.finditer(text):
            if time.process_time() - began > 2:
                break
        spent = time.process_time() - began
        assert spent < 0.5, f"{name} took {spent:.1f} s on {text[:30]!r}... ({len(text):,} characters)"
