"""English, in one place: what the pipeline knows about the language rather than about any
collection. Built on spaCy's English data where it has it (number and ordinal words), and on its
small English pipeline for parsing questions (`pipeline`, loaded once per process).

- `requests`: how readers wrap a question (preambles, politeness, instructions) and how to find the
  question proper inside a message;
- `values`: ordinals ("fourth", "4th", "95th") and number words read as values, and the qualifiers
  that come in mutually exclusive sets (men's / women's, home / away).
"""

from .pipeline import parse, pipeline, use
from .requests import question_proper
from .values import CONTRASTS, contrast_group, number_value, ordinal_value, rivals

__all__ = [
    "CONTRASTS",
    "contrast_group",
    "number_value",
    "ordinal_value",
    "parse",
    "pipeline",
    "question_proper",
    "rivals",
    "use",
]
