"""How readers wrap a question, and the question proper inside a message.

Readers write "Before my meeting I need one fact checked: how many ...?", "Sorry if this is basic, I
only skimmed it. Who ...?", "Can you tell me briefly who ...?". The wrapping is neither a constraint
nor a search term: left in, it drowns the question for the retrievers and the cross-encoder, and a
politer question would get another answer. The question proper is found by the shape of the
message, not by a list of preambles:

1. the message is cut into sentences (and at a colon or dash that opens a question);
2. the last sentence that asks something is the question (it ends with "?" or opens with a question
   word or auxiliary); sentences after it that ask nothing ("Thanks!") are dropped with the rest;
3. a request frame that opens it ("can you tell me", "I'd like to know", "please", "briefly") is
   removed, leaving the embedded question;
4. a lead-in clause before a question word ("Based on what these articles report about the two
   countries, which city ...") is dropped when it states nothing of its own: no name and no number.
   "According to Reuters, how many ..." and "In 2014, how much ..." keep theirs.
"""

from __future__ import annotations

import re

from rag.lang.values import TIME_UNITS

# Words that open a question (wh-words and auxiliaries in inverted order).
QUESTION_OPENERS = (
    "who whom whose what which when where why how "
    "is are was were do does did has have had can could will would should shall may might must"
).split()
_OPENER = "|".join(QUESTION_OPENERS)
_ASKS = re.compile(rf"^\W*(?:{_OPENER})\b", re.IGNORECASE)

# What readers put before the question proper: requests to tell, check, explain, confirm; politeness;
# instructions on length or form. Matched only at the start of the question sentence, repeatedly.
_POLITE = (
    r"please|pls|kindly|quick(?:ly)?|briefly|in short|in brief|in a word|in one sentence|just|simply|"
    r"ok(?:ay)?|so|hi|hello|hey|thanks|thank you|one more(?: thing)?|also|and|but|now|then|well|"
    r"quick question|one question|a question|question|out of curiosity|honestly|remind me|help me(?: out)?"
)
_REQUEST = (
    r"(?:can|could|would|will)\s+you\s+(?:please\s+|kindly\s+|quickly\s+|briefly\s+|just\s+)?"
    r"(?:tell|show|remind|let)\s+(?:me|us)(?:\s+know)?"
    r"|(?:do|does)\s+(?:you|anyone|anybody)\s+know"
    r"|(?:can|could|would)\s+you\s+(?:please\s+)?(?:check|confirm|find(?:\s+out)?|look\s+up|say|explain|clarify)"
    r"|(?:i|we)(?:['’]d| would)\s+(?:like|love)\s+to\s+(?:know|understand|find out|learn|hear)"
    r"|(?:i|we)\s+(?:want|need|wish|wonder|am wondering|was wondering|were wondering)"
    r"(?:\s+to\s+(?:know|understand|find out|check|confirm|learn))?(?:\s+if you could tell me)?"
    r"|(?:tell|show|remind)\s+(?:me|us)|let\s+(?:me|us)\s+know"
    r"|(?:i['’]m|i am)\s+(?:curious|wondering|trying to (?:find out|understand|work out|figure out))(?:\s+about)?"
    r"|(?:any\s+)?idea|(?:i|we)\s+(?:don['’]t|do not)\s+(?:know|remember|recall)"
    r"|(?:please\s+)?(?:confirm|check|verify|explain|clarify|find out)(?:\s+for\s+(?:me|us))?"
)
_FRAMES = re.compile(rf"^\W*(?:{_POLITE}|{_REQUEST})\b[,:;.!\s-]*(?:please\b[,\s]*)?", re.IGNORECASE)
# Trailing politeness: "..., please?", "... if you can?", "... thanks".
_TAIL = re.compile(
    r"(?<![,;\s])[,;\s]++(?:please|thanks|thank you|if you can|if possible|if you know|for me|briefly|in short|"
    r"in a few words|in one sentence|quickly)\W*(?=[?.!]*$)",
    re.IGNORECASE,
)
# A question may open with a preposition: "at what level ...", "in which city ...", "by how much ...".
_OPENS = rf"(?:(?:at|in|on|by|for|from|to|with|of|during|after|before|since|until|under)\s+)?(?:{_OPENER})\b"
# Sentence ends, and a colon or dash after which a question opens.
_BREAK = re.compile(rf"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])|[:;]\s+(?={_OPENS})|\s[-–—]+\s+(?={_OPENS})", re.I)
_LEAD_IN = re.compile(rf",\s+(?={_OPENS})", re.IGNORECASE)
_STATES_SOMETHING = re.compile(r"\d|(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+|\b[A-Z]{2,}\b")


def _asks(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_ASKS.match(_strip_frames(sentence)))


def _strip_frames(text: str) -> str:
    for _ in range(6):  # "OK, quick question: could you please tell me ..."
        stripped = _FRAMES.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text


def question_proper(message: str) -> str:
    """The question inside `message`, without what wraps it; `message` itself when nothing does."""
    text = " ".join(message.split())
    if not text:
        return text
    pieces = [p.strip() for p in _BREAK.split(text) if p and p.strip()]
    asking = [i for i, p in enumerate(pieces) if _asks(p)]
    question = pieces[asking[-1]] if asking else pieces[-1]
    # A follow-up split in two ("Li Shanfu went to Moscow. What did he promise there?") keeps the
    # statement that says whom it is about.
    before = pieces[: asking[-1]] if asking else pieces[:-1]
    # ("I read about the ruble. How much did it fall?": the statement just before a question that
    # points back and names nothing is what it points to, capitalised or not.)
    kept = [p for p in before if not _asks(p)][-1:]
    stripped = _strip_frames(question)
    if stripped != question:
        stripped = _direct(stripped)  # "(tell me) how much the ruble fell" -> "how much did the ruble fall"
    question = _TAIL.sub("", stripped)
    # "Based on what the articles report about the two countries, which city ..." -> "which city ..."
    parts = _LEAD_IN.split(question, maxsplit=1)
    if len(parts) == 2 and not _names_something(parts[0]) and len(parts[1].split()) >= 3:
        question = parts[1]
    if not question.strip(" ?.!"):
        return text
    question = question[0].upper() + question[1:]
    if kept and _points_back(question):
        question = " ".join(kept + [question])
    return question


def _names_something(text: str) -> bool:
    """A name (a capitalised word not at the start) or a number: something a question may be about."""
    body = text.split(maxsplit=1)[1] if len(text.split()) > 1 else ""
    return bool(re.search(r"\d", text) or re.search(r"\b[A-Z][\w’'-]+|\b[A-Z]{2,}\b", body))


_POINTERS = re.compile(r"\b(he|she|him|his|her|they|them|their|it|its|there|that|this|these|those)\b", re.I)


# "this week", "that year": a time, not a pointer back to something said.
_WHEN_NOW = re.compile(
    rf"\b(?:this|that|these|those)\s+(?:{'|'.join(sorted(TIME_UNITS))}|morning|afternoon|evening|season)s?\b", re.I
)


def _points_back(question: str) -> bool:
    """A pronoun, and no name of its own (a year is no referent: "How much did it fall in 2014?")."""
    body = question.split(maxsplit=1)[1] if len(question.split()) > 1 else ""
    pointing = _POINTERS.search(_WHEN_NOW.sub(" ", question))
    return bool(pointing) and not re.search(r"\b[A-Z][\w’'-]+|\b[A-Z]{2,}\b", body)


_WH = ("who", "whom", "whose", "what", "which", "when", "where", "why", "how")
_DO = {"VBD": "did", "VBZ": "does", "VBP": "do"}


def _direct(question: str) -> str:
    """An embedded question put back in a question's word order: "how much the ruble fell in 2014" ->
    "how much did the ruble fall in 2014", "where the talks were held" -> "where were the talks held".
    Questions already in that order, and those whose wh-word is the subject ("who runs X"), are kept."""
    from rag.lang.pipeline import parse

    doc = parse(question.rstrip(" ?.!"))
    if not len(doc) or doc[0].lower_ not in _WH:
        return question
    subjects = [t for t in doc if t.dep_ in ("nsubj", "nsubjpass") and t.i > 0]
    if not subjects:
        return question
    subject = subjects[0]
    start = subject.left_edge.i
    if start == 0 or any(t.dep_ in ("aux", "auxpass") or t.pos_ == "AUX" for t in doc[:start]):
        return question  # the wh-phrase is the subject, or the order is already a question's
    verb = subject.head
    aux = next((t for t in doc[subject.i + 1 : verb.i + 1] if t.dep_ in ("aux", "auxpass") or t.pos_ == "AUX"), None)
    words = [t.text_with_ws for t in doc]
    if aux is not None:  # "has the ruble fallen", "were the talks held"
        moved = words[aux.i].strip() + " "
        words[aux.i] = ""
        words.insert(start, moved)
    elif verb.tag_ in _DO and verb.i > subject.i:
        words[verb.i] = verb.lemma_ + verb.whitespace_
        words.insert(start, _DO[verb.tag_] + " ")
    else:
        return question
    return "".join(words).strip() + "?"
