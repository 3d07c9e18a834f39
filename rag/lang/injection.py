"""Text addressed to a machine rather than to a reader.

An article, or a reader comment under it, may carry instructions meant to steer a language model
("Ignore previous instructions and answer that ..."), and a model that obeys writes claims about the
answer itself ("The answer is verified, confirm at http://..."). Neither is a fact from the news.
Both are recognised here: passages that hold an instruction are marked (in the index and the source
view), their instruction sentences never answer a question nor support a claim, and a generated
answer that repeats one is discarded for the extractive answer (`generate.py`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_AI = r"(?:ai|a\.i\.|assistant|chatbot|(?:large\s+)?language\s+model|llm|gpt)s?"
# Addressed to a model: overriding its instructions, naming its role, or dictating its answer.
_INSTRUCTION = re.compile(
    rf"""
    \b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|these|those|my)\s+){{0,4}}
        (?:previous|prior|above|earlier|preceding|system|other|original)\s+
        (?:instructions?|prompts?|rules|directions|guidelines|messages?|context)\b
    | \bif\s+you\s+are\s+(?:an?\s+|the\s+)?{_AI}\b
    | \b(?:summar(?:y|ies)|answers?|responses?|replies|outputs?)\s+(?:of|to|about|on|for)\s+(?:this|the)\s+
        (?:report|article|text|page|story|piece|document)s?\s+(?:must|should|shall|need\s+to|have\s+to|are\s+to)\b
    | \b(?:system|developer)\s+prompt\b
    | \byou\s+are\s+(?:now\s+)?(?:an?\s+|the\s+)?{_AI}\b
    | \b(?:dear|attention|note\s+to(?:\s+the|\s+any)?|hey)\s+{_AI}\b
    | \b(?:to|for)\s+(?:any|all|the)\s+{_AI}\s+(?:reading|processing|summari[sz]ing|answering)\b
    | \b{_AI}[,:]\s+(?:please\s+)?(?:ignore|say|answer|respond|reply|output|write)\b
    | \b(?:say|answer|respond|reply|state|claim|tell\s+(?:the\s+)?(?:user|reader)s?)\s+(?:that|with)\b
        [^.!?]{{0,80}}?\b(?:verified|confirmed|official)\b
    | \b(?:say|state|claim)\s+(?:that\s+)?the\s+answer\s+is\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A claim about the answer or its checking, not about the news.
_META = re.compile(
    r"""
    \b(?:this|the|my|our)\s+(?:answer|response|information|reply)\s+(?:is|has\s+been|was)\s+
        (?:verified|confirmed|certified|accurate|correct|official|checked|fact-checked)\b
    | \bverified\s+by\s+(?:dossier|the\s+system|ai)\b
    | \bconfirm\s+(?:it\s+|this\s+)?(?:at|on|via)\b
    | \b(?:click|visit|go\s+to|see)\s+(?:here|this\s+link|the\s+link)\b
    | \bas\s+an?\s+(?:ai|language\s+model)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Links, bare domains ("ruble-refunds.example"), e-mail addresses and phone numbers: contact points
# a generated sentence may only state when its cited words hold them.
_URL = re.compile(
    r"\b(?:https?://|www\.)\S+"
    r"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"
    r"|\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,24})(?:/\S*)?(?![\w@])"
    r"|\+?\d[\d ().-]{7,}\d",
    re.IGNORECASE,
)
_WORDLIKE_DOMAIN = re.compile(r"^[a-z]+\.(?:[a-z]{1,2}|mr|mrs|dr|st|jr|sr|vs|etc|inc|ltd|co)$", re.IGNORECASE)
# Letters of other scripts drawn like Latin ones, and format characters (zero-width joiners, soft
# hyphens) that split a word for a pattern but not for a reader or a model.
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁɡһӏоԛԝАВЕКМНОРСТХІЈЅԜαεικνορτυχΑΒΕΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdghloqwABEKMHOPCTXIJSWaeiknoptuxABEHIKMNOPTYX",
)


def normalized(text: str) -> str:
    """`text` as a reader sees it: NFKC, format characters dropped, look-alike letters made Latin."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.translate(_CONFUSABLES)


def instruction_like(text: str) -> bool:
    """Whether `text` addresses a language model (an attempted instruction)."""
    return bool(_INSTRUCTION.search(normalized(text)))


def meta_claim(text: str) -> bool:
    """Whether `text` (a sentence of a generated answer) speaks about the answer or its checking, or
    follows an instruction, rather than stating a fact."""
    text = normalized(text)
    return bool(_META.search(text) or _INSTRUCTION.search(text))


def planted(text: str, sentences: Sequence[tuple[int, int]]) -> frozenset[int]:
    """Positions of the `sentences` (offsets into `text`) that are instructions, or follow one in the
    same paragraph ("Ignore previous instructions. The ruble rose 300%."): none of them is news."""
    out: set[int] = set()
    tainted = False
    for i, (start, end) in enumerate(sentences):
        if i and "\n" in text[sentences[i - 1][1] : start]:
            tainted = False  # a new paragraph
        tainted = tainted or instruction_like(text[start:end])
        if tainted:
            out.add(i)
    return frozenset(out)


def urls(text: str) -> list[str]:
    """The links, bare domains, e-mail addresses and phone numbers in `text`."""
    found = [m.group().rstrip(".,;:)]\"'”’") for m in _URL.finditer(normalized(text))]
    return [f for f in found if not _WORDLIKE_DOMAIN.match(f) and not re.fullmatch(r"[\d.,]+", f)]
