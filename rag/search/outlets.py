"""Outlets named in a question ("as reported by TechCrunch", "a BBC piece"), matched against the
collection's publishers: they pick articles to search and to trust, they are not words a sentence
must contain."""

from __future__ import annotations

import re


def is_outlet(name: str, outlets: frozenset[str]) -> bool:
    """Whether `name` names one of `outlets` (lower-cased publishers): "The Verge", "Sydney Morning
    Herald", "BBC" for "BBC News - Technology"; not "Russia" for "Voice of Russia" nor "China" for
    "China Daily" (a country in a question is a country)."""
    low = _outlet_key(name)
    acronym = bool(re.fullmatch(r"[A-Z]{2,}", name.strip()))
    return any(
        low in (o, key := _outlet_key(_OUTLET_TAIL.split(o, maxsplit=1)[0])) or (acronym and key.startswith(low + " "))
        for o in outlets
    )


_OUTLET_TAIL = re.compile(r"(?<!\s)\s++[-|–—]\s+|:\s+")  # "BBC News - Technology", "Live Science: The Most ..."


def _outlet_key(name: str) -> str:
    return re.sub(r"^the\s+|['’]s$", "", " ".join(name.lower().split()))
