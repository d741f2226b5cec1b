"""The relevance score: explainable arithmetic over topic keyword hits.

    relevance = sum over matched keywords of  1 + ln(weighted mentions)
    weighted mentions = 3 x title + 2 x (subtitle + tags) + 1 x text

- One body mention of one keyword scores exactly 1.0, the default
  `crawl.min_relevance`, so any topic keyword in the text makes an article
  relevant, and an article with no keyword scores 0.
- The log gives diminishing returns per keyword: a blog repeating 스마트시티
  30 times (4.4) does not outrank one that names six different keywords (6+).
- A headline mention weighs like three body mentions (1 + ln 3 = 2.1): the
  title states what the article is about, the body wanders. Subtitles and
  tags are editorial emphasis too, but weaker, so 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

# Field name → weight of one mention there (see the module docstring for why).
FIELD_WEIGHTS: dict[str, float] = {"title": 3.0, "subtitle": 2.0, "tags": 2.0, "text": 1.0}
# Scores are rounded for stable documents and readable explanations.
SCORE_DIGITS = 3


def weighted_mentions(counts: Mapping[str, int]) -> float:
    """Mentions per field → one weighted count."""
    return sum(FIELD_WEIGHTS.get(field, 1.0) * n for field, n in counts.items())


def term_score(counts: Mapping[str, int]) -> float:
    """1 + ln(weighted mentions) for a matched keyword; 0 when it did not match."""
    weighted = weighted_mentions(counts)
    return 0.0 if weighted <= 0 else round(1.0 + math.log(weighted), SCORE_DIGITS)


def relevance(per_term: Mapping[object, Mapping[str, int]]) -> float:
    return round(sum(term_score(counts) for counts in per_term.values()), SCORE_DIGITS)
