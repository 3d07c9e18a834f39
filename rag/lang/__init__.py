"""English, in one place: what the pipeline knows about the language rather than about any
collection. Built on spaCy's English data where it has it (number and ordinal words), and on its
small English pipeline for parsing questions (`pipeline`, loaded once per process).

- `text`: sentence spans, search terms (stop words, Snowball stems), normalisation, dates spoken;
- `requests`: how readers wrap a question (preambles, politeness, instructions) and how to find the
  question proper inside a message;
- `values`: ordinals ("fourth", "4th", "95th") and number words read as values, the qualifiers
  that come in mutually exclusive sets (men's / women's, winner / nominee), and the polarity of an
  outcome (a negation; "rose" / "fell", "acquitted" / "found guilty");
- `nations`: nations by every name articles give them ("the Netherlands", "Dutch", "the Kremlin");
- `spelling`: typos read as the collection's own words, never a common English word;
- `injection`: text addressed to a language model rather than to a reader.
"""

from rag.lang.injection import instruction_like, meta_claim, planted, urls
from rag.lang.nations import nation, nations
from rag.lang.pipeline import parse, pipeline, preload, use
from rag.lang.requests import question_proper
from rag.lang.spelling import Speller
from rag.lang.text import STOPWORDS, normalize, sentence_spans, spoken_date, stem, terms, words
from rag.lang.values import CONTRASTS, contrast_group, number_value, ordinal_value, rivals

__all__ = [
    "CONTRASTS",
    "STOPWORDS",
    "Speller",
    "contrast_group",
    "instruction_like",
    "meta_claim",
    "nation",
    "nations",
    "normalize",
    "number_value",
    "ordinal_value",
    "parse",
    "pipeline",
    "planted",
    "preload",
    "question_proper",
    "rivals",
    "sentence_spans",
    "spoken_date",
    "stem",
    "terms",
    "urls",
    "use",
    "words",
]
