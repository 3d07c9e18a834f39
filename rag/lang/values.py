"""Values a question pins down, read the same way in a question and in an article: ordinals
("fourth" = "4th"), number words ("seven" = 7), and qualifiers that come in mutually exclusive sets
("women's" is not "men's"; a "nominee" is not the "winner"), and the polarity of a statement (a
negation; one side of a pair of opposite outcomes: "rose" / "fell", "acquitted" / "found guilty").

Number and ordinal words are spaCy's English data (`spacy.lang.en.lex_attrs`), complete from "zero"
to "trillion" and "first" to "trillionth".
"""

from __future__ import annotations

import re

from .pipeline import spacy_english_data

# Read from spaCy's source, not imported: importing spaCy costs ~0.7 s, which a process pays only
# once it parses (the assistant loads the pipeline in the background).
_num_words, _ordinal_words = spacy_english_data("lex_attrs", "_num_words", "_ordinal_words")

_UNITS = _num_words[:20]  # zero .. nineteen
_TENS = {w: 10 * (i + 2) for i, w in enumerate(_num_words[20:28])}  # twenty .. ninety
NUMBER_WORDS: dict[str, int] = (
    {w: i for i, w in enumerate(_UNITS)}
    | _TENS
    | {
        "hundred": 100,
        "thousand": 1_000,
        "million": 1_000_000,
        "billion": 1_000_000_000,
        "trillion": 1_000_000_000_000,
    }
)
ORDINAL_WORDS: dict[str, int] = {w: i + 1 for i, w in enumerate(_ordinal_words[:19])}  # first .. nineteenth
ORDINAL_WORDS |= {w: 10 * (i + 2) for i, w in enumerate(_ordinal_words[19:27])}  # twentieth .. ninetieth
ORDINAL_WORDS |= {"hundredth": 100, "thousandth": 1000}
_NUMERIC_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$", re.IGNORECASE)
ORDINAL_PATTERN = (
    r"\d+(?:st|nd|rd|th)\b|(?:(?:"
    + "|".join(_TENS)
    + r")[- ])?(?:"
    + "|".join(sorted(ORDINAL_WORDS, key=len, reverse=True))
    + r")\b"
)


def ordinal_value(token: str) -> int | None:
    """4 for "fourth", "4th", "Fourth"; 21 for "twenty-first"; None for a word that is no ordinal.
    "second" is an ordinal here: the caller checks that a noun follows it."""
    low = token.lower().strip(".,;:")
    if m := _NUMERIC_ORDINAL.match(low):
        return int(m.group(1))
    if low in ORDINAL_WORDS:
        return ORDINAL_WORDS[low]
    tens, _, unit = low.replace(" ", "-").partition("-")
    if tens in _TENS and unit in ORDINAL_WORDS and ORDINAL_WORDS[unit] < 10:
        return _TENS[tens] + ORDINAL_WORDS[unit]
    return None


def number_value(token: str) -> float | None:
    """7 for "seven" or "7"; 1500 for "1,500"; None otherwise."""
    low = token.lower().strip(".,;:")
    if low in NUMBER_WORDS:
        return float(NUMBER_WORDS[low])
    try:
        return float(low.replace(",", ""))
    except ValueError:
        return None


# Units of time: "six months", "two weeks" measure a span, and a text holds many spans of each unit,
# so a number of them is no value a sentence can contradict.
TIME_UNITS = frozenset("second minute hour day night week weekend month quarter year decade century".split())
# Each unit's length in days, for comparing times since an event ("after one month" = "four weeks").
TIME_UNIT_DAYS = {
    "second": 1 / 86400, "minute": 1 / 1440, "hour": 1 / 24, "day": 1, "night": 1, "week": 7, "weekend": 2,
    "month": 30, "quarter": 91, "year": 365, "decade": 3650, "century": 36500,
}  # fmt: skip
# Currency names and abbreviations (singular and plural forms written out): a number beside one is
# a sum of money ("11 million Swedish kronor", "Rs 500 crore").
CURRENCY_WORDS = (
    r"dollars?|usd|yuan|renminbi|rmb|rubles?|roubles?|euros?|pounds?|sterling|yen|rupees?|rs|inr|crores?|"
    r"lakhs?|pesos?|francs?|kronor|krona|kroner|krone|lira|liras|dirhams?|riyals?|rand|shekels?|zloty|naira|"
    r"baht|ringgit|rupiah|won|bn|mn"
)
# Nouns that count occurrences of anything: "how many times" is answered by "17 cases".
OCCURRENCES = frozenset("time occasion instance".split())

# Qualifiers of which one excludes the others: a question about one is not answered by a sentence
# about another ("the women's final" / "the men's final"; "the winner" / "the nominees").
CONTRASTS: tuple[frozenset[str], ...] = (
    frozenset("men men's mens male boys boys' gentlemen's actor".split()),  # "actors": a trade, of any sex
    frozenset("women women's womens female girls girls' ladies ladies' actress actresses".split()),
    frozenset("winner winners won champion champions".split()),
    frozenset(
        "nominee nominees nominated nomination nominations shortlist shortlisted longlist longlisted finalist "
        "finalists runner-up contender contenders".split()
    ),
    frozenset("home".split()),
    frozenset("away".split()),
    frozenset("junior juniors".split()),
    frozenset("senior seniors".split()),
    frozenset("singles".split()),
    frozenset("doubles".split()),
    frozenset("indoor".split()),
    frozenset("outdoor".split()),
    frozenset("gold".split()),
    frozenset("silver".split()),
    frozenset("bronze".split()),
    frozenset("ceo ceos".split()),  # one officer is not another: the CFO is no answer to "who is the CEO"
    frozenset("cfo cfos".split()),
    frozenset("coo coos".split()),
    frozenset("cto ctos".split()),
    frozenset("cmo cmos".split()),
    frozenset("cio cios".split()),
    frozenset("adult adults grown-ups".split()),  # an age group is not another: adults' hours are not kids'
    frozenset("child children kid kids teen teens teenager teenagers minors youngsters".split()),
    # The phases of an event, asked of as verbs: the day a strike began does not say when it ended.
    frozenset("begin begins began begun beginning start starts started starting".split()),
    frozenset("end ends ended ending finish finishes finished concluded concludes".split()),
    frozenset("open opens opened".split()),
    frozenset("close closes closed".split()),
    # A company's money by kind: what it took in is not what it kept.
    frozenset("revenue revenues sales turnover".split()),
    frozenset("profit profits income earnings".split()),
)
# Groups a question states only as a verb ("when did the strike end", not "at the end of the year").
PHASES = frozenset({23, 24, 25, 26})
# Which sets exclude each other: the gender pair, the award outcome pair, and so on.
_RIVALS: tuple[tuple[int, ...], ...] = (
    (0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (12, 13, 14), (15, 16, 17, 18, 19, 20), (21, 22), (23, 24),
    (25, 26), (27, 28),
)  # fmt: skip
# The officers' titles written out, read as their acronyms (`titled`).
_TITLES = {
    "executive": "CEO",
    "financial": "CFO",
    "operating": "COO",
    "operations": "COO",
    "technology": "CTO",
    "technical": "CTO",
    "marketing": "CMO",
    "information": "CIO",
}
# "Chief executive" is written without "officer" as often as with it.
_TITLE = re.compile(r"\bchief\s+(" + "|".join(_TITLES) + r")(?:\s+officers?)?\b", re.IGNORECASE)


# The titles of a role a name holds: no part of the name ("CEO of Cubic Telecom" names Cubic
# Telecom, "Acme CEO" Acme, "President Biden" Biden). Words that also begin brand or event names
# ("General", "Major", "Captain", "Coach") are left out.
ROLE_TITLES = frozenset(
    "ceo cfo coo cto cmo cio president vice-president chairman chairwoman chair founder co-founder cofounder "
    "director minister secretary governor mayor spokesman spokeswoman spokesperson chancellor premier".split()
)

# The roles a person is asked by ("who is the CEO of ...", "who replaced him as defence minister"):
# the titles, and role nouns that are no part of a name.
ROLE_NOUNS = ROLE_TITLES | frozenset("coach manager captain ambassador commander editor".split())
# Words before a name that are no part of it ("Judge Smith", "Prime Minister Kishida").
HONORIFICS = frozenset(
    "mr mrs ms dr sir dame lord lady judge justice rep sen gov lt col sgt prof rev prime deputy vice foreign "
    "defense defence interior finance chief former".split()
)
# When a role is held: "the new CFO" is not "then-CFO Kenny Wagers" nor "the former CFO".
ROLE_TIME = {
    **dict.fromkeys("new incoming next".split(), "new"),
    **dict.fromkeys("former then ex outgoing previous ousted departing".split(), "former"),
}
# One role by several names: a spokesman is the spokesperson asked about.
SAME_ROLE = {
    "spokesman": "spokesperson",
    "spokeswoman": "spokesperson",
    "chairman": "chair",
    "chairwoman": "chair",
    "co-founder": "founder",
    "cofounder": "founder",
}


def titled(text: str) -> str:
    """`text` with officers' titles as acronyms: "chief financial officer" is "CFO"."""
    return _TITLE.sub(lambda m: _TITLES[m.group(1).lower()], text)


_WRITTEN = {acronym: f"chief {word} officer" for word, acronym in reversed(_TITLES.items())}
_ACRONYM = re.compile(r"\b(" + "|".join(sorted(set(_TITLES.values()))) + r")\b")


def both_titles(text: str) -> str:
    """`text` with each officer's title in both forms ("chief financial officer (CFO)", "CFO (chief
    financial officer)"): a reader writes one, an article the other, and a cross-encoder matches
    the words it is given."""
    text = _TITLE.sub(lambda m: f"{m.group(0)} ({_TITLES[m.group(1).lower()]})", text)
    return _ACRONYM.sub(
        lambda m: m.group(0) if text[m.end() : m.end() + 1] == ")" else f"{m.group(0)} ({_WRITTEN[m.group(1)]})", text
    )


_GROUP = {w: i for i, group in enumerate(CONTRASTS) for w in group}


def contrast_group(word: str) -> int | None:
    """Which exclusive qualifier `word` is (an index into CONTRASTS), or None."""
    return _GROUP.get(word.lower().replace("’", "'"))


def rivals(group: int) -> frozenset[int]:
    """The groups that exclude `group` ("women's" for "men's")."""
    for rivalry in _RIVALS:
        if group in rivalry:
            return frozenset(rivalry) - {group}
    return frozenset()


# Polarity: a negation, or one side of a pair of opposite outcomes. Each pair: the two sides' word
# patterns, and a plain word for each side (to state the opposite proposition: "did the ruble rise"
# is answered "no" by "the ruble fell", which the question "did the ruble fall" finds). The last
# pair is a relation between reports ("consistent", "changed"), which articles do not state of
# themselves: a sentence need not name it to bear on it (`RELATION`).
NEGATION = (  # not "not only ... but" nor "No. 22" (a rank)
    r"\b(?:not(?!\s+(?:only|just|merely)\b)|no(?!\.\s*\d)|never|neither|nor|none|nothing|without|n['’]t|"
    r"cannot|failed\s+to|refused\s+to|denied|declined\s+to|rejected|dismissed|ruled\s+out)\b"
)
OPPOSITES: tuple[tuple[str, str, str, str], ...] = (
    (
        r"ris(?:e|es|ing|en)|rose|increas(?:e|es|ed|ing)|gr(?:ow|ows|ew|own|owing)|gain(?:s|ed|ing)?|"
        r"climb(?:s|ed|ing)?|jump(?:s|ed|ing)?|surg(?:e|es|ed|ing)|soar(?:s|ed|ing)?",
        r"fall(?:s|en|ing)?|fell|decreas(?:e|es|ed|ing)|drop(?:s|ped|ping)?|declin(?:e|es|ed|ing)|los(?:e|es|ing|t)|"
        r"slump(?:s|ed|ing)?|plung(?:e|es|ed|ing)|shr(?:ink|inks|ank|unk)|collaps(?:e|es|ed|ing)",
        "rise",
        "fall",
    ),
    (
        r"acquit(?:s|ted|tal)?|clear(?:s|ed)|exonerat(?:e|es|ed)",
        r"convict(?:s|ed|ion)?|found\s+guilty|guilty",
        "acquitted",
        "convicted",
    ),
    (  # "X defeated Y" is X's win, "a defeat", "defeated by", "a loss" the loser's side
        r"w(?:in|ins|on|inning)|victor(?:y|ious)|beat(?:s|en)?(?!\s+by\b)|defeat(?:s|ed)(?!\s+by\b)",
        r"los(?:e|es|t|ing|s|ses)|defeat|(?:defeated|beaten)\s+by",
        "win",
        "lose",
    ),
    (
        r"approv(?:e|es|ed|al)|accept(?:s|ed)?|agree(?:s|d)?\s+to",
        r"reject(?:s|ed)?|refus(?:e|es|ed)|veto(?:es|ed)?|block(?:s|ed)?",
        "approve",
        "reject",
    ),
    (
        r"join(?:s|ed)?|enter(?:s|ed)?|sign(?:s|ed)?",
        r"le(?:ave|aves|ft)|quit(?:s)?|withdr(?:aw|ew|awn)|abandon(?:s|ed)?",
        "join",
        "leave",
    ),
    (  # a ranking: first place, or another ("Did Godzilla Minus One top the box office?": "third place")
        r"top(?:s|ped|ping)?\s+(?:the|its|their|all)\b|first\s+place|no\.\s*1\b|number\s+one\b",
        r"(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|2nd|3rd|[4-9]th|10th)\s+place|"
        r"no\.\s*(?:[2-9]|10)\b|number\s+(?:two|three|four|five)\b|runners?-up",
        "top",
        "trail",
    ),
    (
        r"consisten(?:t|cy)|agree(?:s|d|ment)?|align(?:s|ed)?|same|similar",
        r"inconsisten(?:t|cy)|disagree(?:s|d|ment)?|differ(?:s|ed|ent|ence)?|contradict(?:s|ed)?|chang(?:e|es|ed)",
        "agree",
        "differ",
    ),
)
RELATION = len(OPPOSITES) - 1

# Words that take "'s" as a contraction, not a possessive: "What's", "It's", "There's".
CONTRACTING = frozenset("what who where when how why which it that there here he she".split())

# Nouns for a person by role: "which player", "what coach" asks for a person as much as "who" does.
PERSON_NOUNS = frozenset(
    "person people man woman official minister leader spokesman spokeswoman spokesperson president chairman "
    "chairwoman chair ceo executive founder cofounder co-founder director manager coach player striker forward "
    "defender midfielder goalkeeper keeper captain quarterback pitcher receiver driver rider athlete actor actress "
    "singer rapper artist musician author writer novelist poet journalist reporter editor columnist producer "
    "scientist researcher professor economist analyst lawyer attorney judge prosecutor senator lawmaker "
    "congressman congresswoman governor mayor ambassador general commander candidate winner nominee member "
    "employee engineer doctor politician billionaire investor entrepreneur host presenter comedian".split()
)

# The last word of a name that is a place, a building, a body or an event, never a person's: "Dolby
# Theatre" is no answer to "who hosted", "Supreme Court" none to "who ruled".
NON_PERSON_HEADS = frozenset(
    "theatre theater stadium arena hall centre center park square street avenue road bridge tower building "
    "airport station port hospital clinic university college school academy institute museum gallery library "
    "church cathedral mosque temple palace castle court council committee commission parliament congress senate "
    "assembly ministry department agency office bureau authority board party union league federation association "
    "club fc team group company corporation corp inc ltd llc plc bank fund foundation trust network studios "
    "records games olympics cup championship championships tournament open prix awards award prize festival "
    "show series conference summit forum war act bill".split()
)

# One series of events by each of its names: "the 95th Oscars" are "the 95th Academy Awards".
EVENT_SERIES: tuple[tuple[str, ...], ...] = (
    ("oscar", "academy award"),
    ("emmy", "emmy award"),
    ("grammy", "grammy award"),
    ("bafta", "bafta award", "british academy film award"),
    ("golden globe", "golden globe award"),
    ("tony", "tony award"),
    ("olympics", "olympic games", "olympiad"),
    ("paralympics", "paralympic games"),
)

# Nouns for things known by a proper name: "which company", "what film" asks for a name the way
# "who" asks for a person ("Amazon", "Oppenheimer"); a sentence without one has not answered.
NAMED_KINDS = frozenset(
    "company firm startup start-up business brand bank lender insurer airline carrier retailer chain maker "
    "manufacturer automaker carmaker developer publisher studio label network channel broadcaster outlet "
    "newspaper magazine website platform app service university college school institute hospital agency "
    "organisation organization charity group band club team franchise side league party union "
    "film movie song album book novel show series podcast game product device phone car model vehicle "
    "ship aircraft drug vaccine award prize".split()
)

# Asking whether two accounts clash ("was there an inconsistency / a discrepancy between A's report
# and B's?"): when each account is borne out as the question gives it, they do not clash. ("Did B
# contradict A?" and "was there a change?" state or imply the clash, and are not read so.)
DISCORD = r"inconsisten(?:t|cy|cies)|discrepanc(?:y|ies)|disagree(?:d|ment|ments)?"

# Verbs that carry little of a proposition's meaning ("did they *make* a deal", "*take* part"): the
# noun does. Not required of a sentence that settles a yes/no question.
LIGHT_VERBS = frozenset("be do have get make take give go come put set keep let say tell face undergo".split())

# What a light verb's proposition turns on: its object or complement ("go *public*", "take *part*",
# "face an *investigation*"), by the parser's dependency labels.
COMPLEMENT_DEPS = frozenset("dobj acomp attr oprd".split())
# A statement of what will, may or is meant to happen: no evidence that it has ("donanemab is
# expected to follow", "the authorities will consider it"). Modal auxiliaries, and verbs or
# adjectives that put the event after them ("plans to", "is set to", "is likely to").
MODALS = frozenset("will would could may might shall should can 'll wo ca".split())
EXPECTING = frozenset(
    "expect anticipate plan aim hope set poise intend seek propose consider schedule slate due likely poised "
    "going want promise vow pledge".split()
)

# Outcomes between two parties: who won is named before the word, who lost after it ("Belgium beat
# England", "a win over England"), or the reverse for the losing side ("England lost to Belgium").
CONTESTS = (
    r"w(?:in|ins|on)|victor(?:y|ies)|beat(?:s|en)?|defeat(?:s|ed)?|thrash(?:es|ed)?|edg(?:e|es|ed)",
    r"los(?:e|es|t)\s+(?:to|against)|defeated\s+by|beaten\s+by",
)

# Words that continue a noun phrase rather than end it ("the comparison to ...", "the record of ...").
PREPOSITIONS = frozenset("to of in for from at on with by between about over under and or than".split())

# The verbs of a contest by side: the winner beats ("Alcaraz beat Djokovic"), the loser loses.
BEATING = r"beat|beats|beating|defeated|defeats|defeating|edged|edges|overcame|thrashed|swept"
LOSING = r"lost|loses|fell|(?:was|were)\s+(?:beaten|defeated)"

# Words that introduce the other party of a contest, a match or a dispute ("against Bayern", "v
# Chelsea", "a win over England", "lost to Belgium", "hosted Arsenal"): the named party after them.
OPPOSED = (
    r"against|versus|vs\.?|v\.?|(?:win|wins|won|victory|victories|triumph|lead)\s+over|beat(?:s|en|ing)?|"
    r"defeat(?:s|ed|ing)?|thrash(?:es|ed|ing)?|edg(?:e|es|ed|ing)|host(?:s|ed|ing)?|fac(?:e|es|ed|ing)|"
    r"play(?:s|ed|ing)?|los(?:e|es|t|ing)\s+to|drew\s+with|draw\s+with|sued|sues|suing"
)

# Verbs that tell one transfer from either side ("Russia sold jets to China" = "China bought jets
# from Russia"): the same event with the parties' roles swapped.
CONVERSES: dict[str, str] = {
    a: b
    for pair in (("sell", "buy"), ("export", "import"), ("lend", "borrow"), ("give", "receive"), ("supply", "buy"))
    for a, b in (pair, pair[::-1])
}
