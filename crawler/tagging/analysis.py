"""Collect every hit in an article, field by field, before any decision is made.

The Tagger decides (topics, actors, ...) from these hits and explains itself
from the same hits, so an explanation cannot drift from the decision. Topic
keywords, gazetteer names, event triggers and exclusions share one compiled
trie, so each field is scanned once for all of them (plus once for officials).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from crawler.models import Article
from crawler.tagging.lexicon import Entry, Lexicon
from crawler.tagging.officials import OfficialFinder
from crawler.tagging.terms import TermMatcher, normalize_key

# Order matters: the title is read first, so "first seen" prefers the headline.
FIELD_ORDER = ("title", "subtitle", "tags", "text")
# A Korean body followed by a subject/topic particle and a word end is acting:
# "대구시는", "대구시가", "국토부도", "서울시에서는".
_SUBJECT = re.compile(r"(?:에서는|에서도|은|는|이|가|도)(?![가-힣])")
# Enough characters after a mention to read the longest particle and the next one.
_SUBJECT_WINDOW = 4
# Explanations list the most frequent spellings of a hit, not all of them.
_DESCRIBE_LIMIT = 3

Category = Literal["topic", "entity", "event", "exclude"]


@dataclass(frozen=True, slots=True)
class Target:
    """What a matched keyword stands for."""

    category: Category
    name: str  # topic group, event type or excluded word
    term: str = ""  # the topic keyword as configured
    entry: Entry | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One hit: in which field, as written, and where (for ordering)."""

    field: str
    surface: str
    order: tuple[int, int]  # (field index, offset): sorts hits in reading order
    as_subject: bool = False


@dataclass(slots=True)
class Hits:
    """All hits of one article, grouped by what they stand for."""

    topics: defaultdict[tuple[str, str], list[Occurrence]] = field(
        default_factory=lambda: defaultdict(list)
    )
    entities: defaultdict[Entry, list[Occurrence]] = field(
        default_factory=lambda: defaultdict(list)
    )
    events: defaultdict[str, list[Occurrence]] = field(default_factory=lambda: defaultdict(list))
    officials: defaultdict[str, list[Occurrence]] = field(default_factory=lambda: defaultdict(list))


class Collector:
    """The compiled patterns of one Lexicon, and the scan that uses them."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._terms = TermMatcher(
            _targets(lexicon),
            shadowing=lambda target: target.category == "exclude",
            # One hit per topic group, per event type and for one entity per span.
            slot=lambda target: (target.category, "" if target.entry else target.name),
        )
        self._officials = OfficialFinder(lexicon.official_titles, lexicon.official_not_names)

    def collect(self, article: Article) -> Hits:
        hits = Hits()
        for index, name, text in article_fields(article):
            for match in self._terms.finditer(text):
                where = (index, match.start)
                for target in match.payloads:
                    if target.category == "topic":
                        hits.topics[(target.name, target.term)].append(
                            Occurrence(name, match.surface, where)
                        )
                    elif target.category == "event":
                        hits.events[target.name].append(Occurrence(name, match.surface, where))
                    elif target.entry is not None:
                        after = text[match.end : match.end + _SUBJECT_WINDOW]
                        subject = _SUBJECT.match(after) is not None
                        occurrence = Occurrence(name, match.surface, where, subject)
                        hits.entities[target.entry].append(occurrence)
            for official in self._officials.finditer(text):
                occurrence = Occurrence(name, official.label, (index, official.start))
                hits.officials[official.label].append(occurrence)
        return hits


def _targets(lexicon: Lexicon) -> Iterable[tuple[str, Target]]:
    for group, terms in lexicon.topics.items():
        seen: set[str] = set()  # "스마트 도시" and "스마트도시" are one keyword, counted once
        for term in terms:
            if normalize_key(term) not in seen:
                seen.add(normalize_key(term))
                yield term, Target("topic", group, term)
    for entry in lexicon.entries:
        for spelling in entry.spellings:
            yield spelling, Target("entity", entry.name, entry=entry)
    for kind, triggers in lexicon.event_rules.items():
        for trigger in triggers:
            yield trigger, Target("event", kind)
    for word in lexicon.exclusions:
        yield word, Target("exclude", word)


def article_fields(article: Article) -> Iterator[tuple[int, str, str]]:
    """(field index, field name, text) for every non-empty field that is read."""
    values = {
        "title": article.title,
        "subtitle": article.subtitle or "",
        "tags": " / ".join(article.tags),
        "text": article.text,
    }
    for index, name in enumerate(FIELD_ORDER):
        if values[name].strip():
            yield index, name, values[name]


def describe(occurrences: list[Occurrence]) -> str:
    """ "'스마트시티' x14 in text, '스마트 시티' x1 in title" (the most frequent few)."""
    counts = Counter((o.surface, o.field) for o in occurrences)
    top = counts.most_common(_DESCRIBE_LIMIT)
    parts = [f"{surface!r} x{n} in {where}" for (surface, where), n in top]
    if len(counts) > _DESCRIBE_LIMIT:
        parts.append(f"and {len(counts) - _DESCRIBE_LIMIT} more")
    return ", ".join(parts)
