"""What a question asks, read off its wording: the shape of answer it wants (a fact, a timeline, a
comparison, an overview, yes or no), the type of the fact (a person, a date, an amount, a place, a
speaker's words), and the constraints an answer must respect (the names, numbers and years it states).

No model is needed for this: question words are few and regular. The meaning of the question is the
cross-encoder's job (`rerank.py`); this module only decides what a good answer must *contain*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.answer.followups import asked_voice, entities
from rag.answer.slots import Slot, slots
from rag.lang import parse
from rag.lang.text import MONTHS, STOPWORDS, terms, words
from rag.lang.values import NAMED_KINDS, OCCURRENCES, PERSON_NOUNS, ROLE_TITLES, both_titles

Shape = Literal["factoid", "timeline", "comparison", "overview", "yesno", "summary"]
Wants = Literal["person", "date", "number", "place", "name", "speech", "score", "any"]

_MONTH_NAMES = frozenset(m.lower() for m in MONTHS)
_OVERVIEW = re.compile(
    r"\b(what (is|are) (this|the|these) (collection|corpus|articles?|set of articles|documents?|sources?)( all)? about|"
    r"what (do|does) (the|these|this) (articles?|collection|corpus|documents?) (cover|contain|discuss|say overall)|"
    r"what (topics|subjects|stories)|summari[sz]e (the|this|these|all) (collection|articles|corpus|documents)|"
    r"overview of (the|this) (collection|articles|corpus))\b",
    re.IGNORECASE,
)
_TIMELINE = re.compile(
    r"\b(timeline|chronolog\w*|over (time|the years|the decades)|history of|"
    r"how (have|has|had|did|do|does) .{3,80}? (develop|developed|evolve|evolved|change|changed|grow|grown|progress|"
    r"progressed|unfold|unfolded)|"
    r"(developed|evolved|changed) (over|since|through))\b",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(compare|comparison|contrast|differ|differs|difference|differences|how do the (articles|reports|outlets)|"
    r"versus|vs\.?)\b",
    re.IGNORECASE,
)
# "What does the article say about the SCO?": the article is the speaker; any of its sentences on
# the topic answers, and the best few together do it best.
_SUMMARY = re.compile(
    r"\b(what|how)\s+(did|does|do)\s+(the|this|that|these|those|a|an|its|their)\s+(\S+\s+){0,3}?"
    r"(articles?|reports?|pieces?|stor(y|ies)|authors?|writers?|reporters?|journalists?|outlets?|coverage|editorials?)"
    r"\s+(say|write|claim|argue|report|describe|tell us|cover)\b",
    re.IGNORECASE,
)
_AUX = r"(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may|might|must)"
# "Did ...?", and after a lead-in phrase: "Between the report of May 1 and the one of June 3, was there ...?"
_YESNO = re.compile(
    rf"^\s*{_AUX}\b|^(?!\W*(?:who|whom|whose|what|which|when|where|why|how)\b)[^?]*,\s*{_AUX}\s+"
    r"(?:there|the|this|that|these|those|it|they|he|she|its|their|[A-Z])",
    re.I,
)
# "Considering X and Y, which country, ..., is ...?" asks which: a wh-word after a lead-in.
_WH_AFTER_LEAD_IN = re.compile(r"[,;:]\s*(?:who|whom|whose|what|which|when|where|why|how)\b", re.I)
_AUX_OPENING = re.compile(rf"^\s*{_AUX}\b", re.I)
_ASKS_DATE = re.compile(
    # "when" opens the question: in "What did Zhou say when asked about Blinken?" it is not the question.
    r"^\W*(?:and |so |but |then )?when\b|"
    r"\b(what (year|date|day|month|time)|which (year|date|day|month)|how long ago|since when|on what date)\b",
    re.I,
)
_ASKS_NUMBER = re.compile(
    r"\b(how (many|much|far|large|big|long|high|low|old|fast|often)|by how much|"
    r"what (percentage|percent|share|amount|number|price|rate|figure|sum|total|proportion|value|size|age|level|"
    r"revenue|revenues|profit|profits|salary|cost|fee|budget|valuation|turnover|income|sales)|"
    r"under what age|by what margin|"
    r"which (percentage|amount|number|figure)|"
    # "Where did Threads rank", "where did they finish": a position in a ranking, not a place.
    r"where (?:did|does|do|will|would|was|is|were|are)\b[^?]{0,60}?\b(?:rank|ranked|ranks|finish|finished|"
    r"placed|chart|charted)\b|"
    # "What was Amazon's original offer": up to three words (an owner, a qualifier) before the noun.
    r"what(?:'s|’s| is| was| are| were) (?:the )?(?:[\w’'-]+ ){0,3}?(range|distance|cost|price|length|height|"
    r"weight|speed|capacity|population|budget|death toll|toll|size|value|worth|offer|bid|fine|salary|fee|"
    r"revenue|revenues|valuation|income|profit|profits|earnings|sales|loss|losses|debt|deficit|turnover|"
    r"magnitude|temperature|attendance|turnout|duration|depth|altitude|rating))\b",
    re.I,
)
_ASKS_PERSON = re.compile(
    rf"\b(?:who|whom|whose)\b|\b(?:which|what)\s+(?-i:[A-Z][\w’'-]*\s+|[a-z]+(?:ese|ian|an|ish|ch|i)\s+){{0,3}}"
    rf"(?:{'|'.join(sorted(PERSON_NOUNS))})s?\b",
    re.I,
)
_ASKS_PLACE = re.compile(
    r"\b(where|which (city|country|place|region|sea|bay|town|state|province|port|location|venue|island))\b", re.I
)
_SPEECH_VERBS = r"say|said|says|tell|told|claim|argue|write|stress|warn|describe|call|think|react|respond|comment"
_ASKS_SPEECH = re.compile(rf"\b(what did|what does|what do|how did|how does)\b.{{0,80}}?\b({_SPEECH_VERBS})\b", re.I)
_ASKS_CREDIT = re.compile(
    # "Who wrote that China must not copy the Kaiser's errors?" asks about a quote, not a byline.
    r"\b(who (wrote|writes|authored|penned|posted|published) "
    r"(about|(the|this|that|an?) (article|piece|story|report|post))|"
    r"who translated|authors? of|written by|translated by|by whom|whose (article|piece|story|report)|byline|"
    r"(when|what (date|day|year)|which (date|day|year)) (was|were) (\S+\s+){0,15}?(published|posted|written)|"
    r"publication date|date of publication)\b",
    re.IGNORECASE,
)
_VOICE_WORDS = re.compile(
    r"\b(the |a )?(reader'?s?'? |readers'? )?(comments?|commenters?|commentators?|threads?|readers?|"
    r"translator'?s?|translator’s|editor'?s|editor’s)( notes?| remarks?| comments?)?\b",
    re.IGNORECASE,
)
# Verbs that head a clause of their own: a question with three or more ("Does the TechCrunch article
# suggest X, while the Fortune article reports Y?") asks several things, each of which a different
# sentence may bear out. Read from the parse, never from the question's length.
_CLAUSE_DEPS = frozenset("ROOT conj advcl relcl ccomp acl".split())
COMPOUND_CLAUSES = 3
_NUMBER_LITERAL = re.compile(r"\d(?:[\d.,]*\d)?")
_CAPS = r"[‘'\"“]?((?:[A-Z][\w’'.&-]*)(?:\s+(?:of\s+|the\s+|&\s+)?[A-Z][\w’'.&-]*)*)"
_WRITING = r"(?:news\s+)?(?:article|report|piece|story|stories|coverage|column|op-ed|editorial)s?"
# Where the question says something was reported: "a Bloomberg article", "a piece from The Washington
# Post", "as reported by TechCrunch".
_SOURCE = re.compile(
    rf"\b(?:an?|the|both)\s+{_CAPS}\s+{_WRITING}\b"
    rf"|\b{_WRITING}\s+(?:by|from|in|on)\s+(?:the\s+)?{_CAPS}"
    rf"|\b(?:reported|published|written|detailed|covered|featured|discussed|presented|outlined|highlighted|described|mentioned)"
    rf"\s+(?:by|in|on)\s+(?:the\s+)?{_CAPS}"
)
# Words that start a capitalised run without being part of a name ("Did", "According").
_NOT_NAMES = _MONTH_NAMES | frozenset(
    "monday tuesday wednesday thursday friday saturday sunday "
    "did does do is are was were has have had can could will would should according as both the a an in on at "
    "by for from of and or after before during since while what which who whom whose when where why how".split()
)


@dataclass(frozen=True)
class Question:
    text: str
    shape: Shape
    wants: Wants
    voice: str | None
    """"comment" or "note" when the question asks about readers or the translator; else None."""
    names: tuple[str, ...]
    """Names the question states ("Li Shanfu", "TechCrunch"): an answer must be about them."""
    numbers: frozenset[str]
    """Numbers and years the question states ("2014"): an answer must concern them."""
    asks_credit: bool
    """"Who wrote the article about X" / "when was it published": answered from credit lines."""
    sources: tuple[str, ...] = ()
    """Outlets the question says reported something ("a Bloomberg article"): an answer must come
    from them, or at least mention them."""
    about: tuple[str, ...] = ()
    """In "what did X say about Y", the names in Y: what the words quoted must be about."""
    about_terms: tuple[str, ...] = ()
    """In "what did X say about Y" with no name in Y ("about climate change"), Y's search terms:
    at least half of them must be in the words quoted or beside them."""
    speaker: str = ""
    """In "what did Japan's prime minister say", who is asked about: the words must be theirs."""
    qualifier: tuple[str, str] | None = None
    """"Which Russian bank ...": the capitalised word that qualifies what is asked for, and the
    noun ("Russian", "bank"): an answer naming a *Chinese* bank does not answer it."""
    slots: tuple[Slot, ...] = ()
    """Typed values the question pins down ("the fourth season", "the women's final"): a sentence
    filling one with another value is about something else (`slots.check`)."""
    counted: tuple[str, tuple[str, ...]] | None = None
    """"How many surface vessels from Russia ...": the noun counted and its qualifiers ("vessel",
    ("surface", "russia")), lower-cased lemmas: a number that counts something else is no answer."""
    clauses: int = 1
    """Clauses with a verb of their own, read from the parse."""
    parts: tuple[str, ...] = ()
    """A compound question's clauses as text ("whose departure from OpenAI was considered shocking
    according to Fortune"): each is checked against a sentence on its own (`extractive.score`)."""

    @property
    def topic(self) -> str:
        """The question without the words that only pick a voice or an outlet ("What do the reader
        comments say about Kissinger?" -> "What do say about Kissinger?", "What did the Global Times
        article say about the SCO?" -> "What did the article say about the SCO?"): what a sentence
        must be about. Voice and outlet are the passage's metadata, checked as such."""
        text = self.text if self.voice is None else _VOICE_WORDS.sub(" ", self.text)
        for source in self.sources:
            text = re.sub(rf"\b{re.escape(source)}(['’]s)?\b", " ", text)
        return both_titles(" ".join(text.split()))

    @property
    def proper_names(self) -> tuple[str, ...]:
        """The names, minus a lone word that merely opens the question ("Explain", "Considering"):
        capitalised by its place, it may be no name at all."""
        opening = self.text.split(maxsplit=1)[0].strip("\"'“‘(") if self.text.strip() else ""
        return tuple(n for n in self.names if n != opening)

    @property
    def compound(self) -> bool:
        """A question of several clauses ("Who, reported by X for A and by Y for B, ..."): each
        clause may be borne out by a different sentence, so the answer shows several."""
        return self.clauses >= COMPOUND_CLAUSES

    @property
    def literals(self) -> frozenset[str]:
        """What the question already says: a sentence repeating it has not answered it."""
        return self.numbers | frozenset(w for w in words(self.text) if w in _MONTH_NAMES)


# First match wins, in this order.
_SHAPES: tuple[tuple[Shape, re.Pattern[str]], ...] = (
    ("overview", _OVERVIEW),
    ("yesno", _YESNO),
    ("timeline", _TIMELINE),
    ("summary", _SUMMARY),
    ("comparison", _COMPARISON),
)
# A match's score ("3-2", "20-17"): "what was the (final) score", "by what score(line)".
_ASKS_SCORE = re.compile(
    r"\b(?:what|which)(?:'s|’s| is| was| were)?\s+(?:the\s+)?(?:final\s+|full[- ]time\s+|half[- ]time\s+)?"
    r"(?:score|scoreline)\b|\bby what (?:score|scoreline)\b|\bwhat did (?:\w+\s+){1,4}(?:win|lose|beat \w+) by\b",
    re.I,
)
_WANTS: tuple[tuple[Wants, re.Pattern[str]], ...] = (
    ("score", _ASKS_SCORE),
    ("date", _ASKS_DATE),
    ("number", _ASKS_NUMBER),
    ("speech", _ASKS_SPEECH),
    ("person", _ASKS_PERSON),
    ("place", _ASKS_PLACE),
)


_KIND_OF = frozenset("kind kinds type types sort sorts".split())


def _asks_name(text: str) -> bool:
    """ "Which company", "what film", "which of the teams": a thing known by a proper name, the
    noun the wh-word picks by the parse ("what kind of service" and "what model year" ask no name)."""
    doc = parse(text)
    for tok in doc:
        if tok.lower_ not in ("which", "what"):
            continue
        if tok.dep_ == "det" and tok.head.lemma_.lower() in NAMED_KINDS:
            return True
        # The parse may miss it ("Which smartwatch startup did ..."): a kind within four words, ending
        # the noun phrase.
        for kind in doc[tok.i + 1 : tok.i + 5]:
            if kind.pos_ not in ("NOUN", "PROPN", "ADJ") or kind.lemma_.lower() in _KIND_OF:
                break
            after = doc[kind.i + 1] if kind.i + 1 < len(doc) else None
            if kind.lemma_.lower() in NAMED_KINDS and (after is None or after.pos_ not in ("NOUN", "PROPN")):
                return True
        picked = [c for p in tok.children if p.dep_ == "prep" and p.lower_ == "of" for c in p.children]
        if any(c.lemma_.lower() in NAMED_KINDS for c in picked):
            return True
    return False


def analyse(text: str) -> Question:
    asks_which = _WH_AFTER_LEAD_IN.search(text) is not None and not _AUX_OPENING.match(text)
    shape: Shape = next(
        (shape for shape, pattern in _SHAPES if pattern.search(text) and not (shape == "yesno" and asks_which)),
        "factoid",
    )
    wants: Wants = next((wants for wants, pattern in _WANTS if pattern.search(text)), "any")
    if wants == "person" and _WHO_IS.search(text):
        wants = "any"  # "Who is Li Shanfu?" asks what he is (a minister), not for another person
    elif wants == "any" and _asks_name(text):
        wants = "name"
    names = tuple(dict.fromkeys(_names(text)))
    about: tuple[str, ...] = ()
    about_terms: tuple[str, ...] = ()
    if wants == "speech" and (m := _ABOUT.search(text)):
        about = tuple(n for n in names if n in m.group(1))
        if not about:
            about_terms = tuple(dict.fromkeys(terms(m.group(1))))
    speaker = ""
    if wants == "speech" and (m := _SPEAKER.search(text)) and len(m.group(1).split()) <= 4:
        speaker = m.group(1)
    elif wants != "speech" and (m := _REPORTER.search(text)) and len(m.group(1).split()) <= 4:
        speaker = m.group(1)  # "How many firms did Kevin Wolf say ...": a fact as Wolf gives it
    qualifier = (m.group(1), m.group(2).lower()) if (m := _QUALIFIED.search(text)) else None
    heads = _clause_heads(text)
    return Question(
        text=text,
        shape=shape,
        wants=wants,
        voice=asked_voice(text),
        names=names,
        numbers=frozenset(m.group().rstrip(".,") for m in _NUMBER_LITERAL.finditer(text)),
        asks_credit=bool(_ASKS_CREDIT.search(text)),
        sources=tuple(dict.fromkeys(_sources(text))),
        about=about,
        about_terms=about_terms,
        speaker=speaker,
        qualifier=qualifier,
        slots=slots(text),
        counted=_counted(text),
        clauses=len(heads) or 1,
        parts=_parts(heads),
    )


# "How long a prison sentence", "how big a stake": the size of that noun is asked.
_MEASURED = re.compile(r"\bhow\s+(?:long|big|large|high|heavy|severe|wide)\s+an?\s+", re.IGNORECASE)


def _counted(text: str) -> tuple[str, tuple[str, ...]] | None:
    """The noun of "how many <noun>" (or "how long a <noun>"), with its compound and adjective
    qualifiers and the place it comes "from" (read from the parse)."""
    if m := _MEASURED.search(text):
        # The small parser reads "how long a prison sentence did ..." in many ways: the noun is
        # the last of the nouns and adjectives that follow.
        run = []
        for tok in parse(text):
            if tok.idx < m.end():
                continue
            if tok.pos_ not in ("NOUN", "ADJ"):
                break
            run.append(tok)
        nouns = [t for t in run if t.pos_ == "NOUN"]
        if nouns:
            return nouns[-1].lemma_.lower(), tuple(t.lemma_.lower() for t in run if t.i < nouns[-1].i)
    for tok in parse(text):
        head = tok.head
        if tok.lower_ == "many" and tok.i > 0 and tok.nbor(-1).lower_ == "how" and head.pos_ in ("NOUN", "PROPN"):
            if head.lemma_.lower() in OCCURRENCES:
                return None  # "how many times": any count of events answers
            qualifiers = [c for c in head.children if c.dep_ in ("compound", "amod") and c.i != tok.i]
            qualifiers += [g for c in head.children if c.dep_ == "prep" and c.lower_ == "from" for g in c.children]
            return head.lemma_.lower(), tuple(q.lemma_.lower() for q in qualifiers)
    return None


def _clause_heads(text: str) -> list:  # type: ignore[type-arg]
    return [t for t in parse(text) if t.pos_ in ("VERB", "AUX") and t.dep_ in _CLAUSE_DEPS]


def _parts(heads: list) -> tuple[str, ...]:  # type: ignore[type-arg]
    """Each clause's own words (its subtree without the clauses nested in it), when there are
    several; clauses of fewer than four words say too little to be checked alone."""
    if len(heads) < COMPOUND_CLAUSES:
        return ()
    out = []
    for head in heads:
        nested = {t.i for other in heads if other is not head and head.is_ancestor(other) for t in other.subtree}
        tokens = [t for t in head.subtree if t.i not in nested and not t.is_punct]
        if len(tokens) >= 4:
            out.append(" ".join(t.text for t in tokens))
    return tuple(out)


# "Who is Li Shanfu?" asks what he is; "Who is Spotify's CFO?" (a possessive) asks who holds a role.
_WHO_IS = re.compile(
    r"^\W*(?i:who(?:['’]s|\s+(?:is|was|are|were)))\s+(?![A-Z][\w.-]*['’]s\s)[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*\s*"
    r"(?:[?,.]|$|and\b)"
)
_SPEAKER = re.compile(rf"\b(?:what|how)\s+(?:did|does|do)\s+(.+?)\s+(?:{_SPEECH_VERBS})\b", re.IGNORECASE)
_REPORTER = re.compile(
    rf"\b(?:did|does|do|has|have|had)\s+([A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*)\s+(?:{_SPEECH_VERBS})\b"
)
_ABOUT = re.compile(r"\b(?:about|on|of)\s+(.+)$", re.IGNORECASE)
_QUALIFIED = re.compile(r"^\W*(?i:which|what)\s+(?:[a-z]+\s+)?([A-Z][a-z]+)\s+([a-z]{3,})\b")


_POSSESSIVE = re.compile(r"['’]s$")


def _names(text: str) -> list[str]:
    """Capitalised runs that name something, minus a leading question or auxiliary word and the
    titles of a role ("CEO of Cubic Telecom" names Cubic Telecom: an article says "Cubic Telecom
    ... Barry Napier will stay on as CEO")."""
    out = []
    opening = _openers(text)
    for found in entities(text):
        found = _POSSESSIVE.sub("", found)  # "Japan's prime minister" names Japan; "Who's" names no one
        for name in _untitled(found.split()):
            tokens = name.split()
            # "What's Collingwood": a contracted question word is no part of the name, nor a word
            # capitalised only because it opens the sentence ("Considering the BBC's report").
            while tokens and (
                tokens[0].lower() in _NOT_NAMES
                or _POSSESSIVE.sub("", tokens[0]).lower() in _NOT_NAMES
                or tokens[0] in opening
            ):
                tokens = tokens[1:]
            name = " ".join(tokens)
            if name and name.lower() not in STOPWORDS and name.lower() not in _NOT_NAMES and len(name) > 1:
                out.append(name)
    return out


def _openers(text: str) -> frozenset[str]:
    """The words that open a sentence of `text` and that the parser reads as no proper noun."""
    return frozenset(
        sent[0].text for sent in parse(text).sents if sent[0].text[:1].isupper() and sent[0].pos_ != "PROPN"
    )


def _untitled(tokens: list[str]) -> list[str]:
    """A capitalised run cut at the titles of a role, with an "of" or "the" after a title."""
    runs: list[list[str]] = [[]]
    for token in tokens:
        if token.lower() in ROLE_TITLES:
            runs.append([])
        elif not runs[-1] and token.lower() in ("of", "the"):
            continue
        else:
            runs[-1].append(token)
    return [" ".join(r) for r in runs if r]


def _sources(text: str) -> list[str]:
    out = []
    for m in _SOURCE.finditer(text):
        name = next(g for g in m.groups() if g)
        name = re.sub(r"^The\s+", "", re.sub(r"['’]s?$", "", name.strip(".,;:’'")))
        if name and name.lower() not in _NOT_NAMES:
            out.append(name)
    return out
