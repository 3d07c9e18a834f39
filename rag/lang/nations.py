"""Nations by every name a news article gives them: the country ("Belgium", "the Netherlands",
"Czechia"), its people ("Belgian", "Dutch"), its capital standing for its government ("Moscow",
"Beijing", for the powers the press names so), and a few names of its own ("the Kremlin", "U.K.").
A question's "Netherlands" is an article's "Dutch"; its "Belgium" is not the article's "England".

The countries, demonyms and other spellings are the `countryinfo` package's (about 250 countries);
the home nations of the United Kingdom, which field their own teams, and the usages of the press
are added here. Capitals are not names of their country in general ("Paris" is a city first).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Names that are also common English words or first names: counted as a nation only when the text
# is plainly about one (these are left out rather than misread in "Michael Jordan", "Chad said").
_AMBIGUOUS = frozenset("jordan chad guinea niger jersey polish".split())
# Names of the press and of history, and the home nations (key: a country's name in countryinfo).
_EXTRA: dict[str, tuple[str, ...]] = {
    "United States": ("u.s.", "usa", "america", "americans", "united states", "washington"),
    "United Kingdom": ("uk", "u.k.", "britain", "britons"),
    "China": ("prc", "beijing"),
    "Russia": ("russians", "russo", "soviet", "ussr", "kremlin", "moscow"),
    "Japan": ("tokyo",),
    "South Korea": ("korea", "korean", "koreans"),
    "Kazakhstan": ("kazakh",),
    "Ukraine": ("kiev", "kyiv"),
    "Georgia": ("georgia", "tbilisi"),
    "Turkey": ("turkey", "türkiye", "turks"),
    "England": ("england", "english"),
    "Scotland": ("scotland", "scottish", "scots"),
    "Wales": ("wales", "welsh"),
    "Northern Ireland": ("northern ireland",),
    "European Union": ("eu", "europe", "european", "brussels"),
}
# "us" is also the pronoun: the United States is matched by its other names (callers rewrite a
# written "US" or "U.S." as "usa" first).
US = "United States"


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """Every lower-cased name (one or two words) of a nation, to the nation's key."""
    from countryinfo import all_countries

    out: dict[str, str] = {}
    # A demonym several share ("American", "French", "British") goes to the most populous.
    infos = sorted((c.info() for c in all_countries()), key=lambda i: -int(i.get("population") or 0))
    for info in infos:
        key = str(info.get("name") or "")
        if not key:
            continue
        names = [key, str(info.get("demonym") or "")]
        names += [s for s in info.get("altSpellings") or [] if len(s) > 3 and re.fullmatch(r"[A-Za-z .'-]+", s)]
        for name in names:
            low = re.sub(r"^the\s+", "", name.lower()).strip()
            if low and len(low.split()) <= 2 and low not in _AMBIGUOUS:
                out.setdefault(low, key)
                if not low.endswith("s") and low == str(info.get("demonym") or "").lower():
                    out.setdefault(f"{low}s", key)  # "Belgians"
    for key, names in _EXTRA.items():
        for name in names:
            out[name] = key
    out.pop("us", None)
    return out


def nation(word: str) -> str | None:
    """The nation `word` names ("Dutch" -> "Netherlands"; "US" as written, not "us"), or None."""
    if word.strip(".,;:'’") in ("US", "U.S", "U.S.A"):
        return US
    return aliases().get(word.lower().strip(".,;:'’"))


def nations(text: str) -> frozenset[str]:
    """The nations `text` names, by one- and two-word names ("South Korea", "Czech Republic")."""
    tokens = re.findall(r"[\w.]+", text.lower())
    table = aliases()
    found = {table.get(t) or table.get(t.strip(".")) for t in tokens}  # "u.s." as listed, "japan." ending a sentence
    found |= {table.get(f"{a} {b}") for a, b in zip(tokens, tokens[1:], strict=False)}
    found.discard(None)
    return frozenset(found)  # type: ignore[arg-type]


@lru_cache(maxsize=512)
def names_of(key: str) -> tuple[str, ...]:
    """Every name of the nation `key`."""
    return tuple(alias for alias, k in aliases().items() if k == key)
