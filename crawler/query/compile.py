"""Query tree → engine query DSL, one body for `search`, watches (percolator) and previews.

Words are matched as phrases over the article's text fields: Nori splits a
compound such as 스마트시티 into 스마트 + 시티, and a phrase keeps the parts
adjacent, so a query means the word and not two unrelated nouns. The text
fields' search analyzer (korean_search) is the articles' own, so particles are
dropped (스마트시티를 matches 스마트시티) and synonyms apply; runs of words that
spell a multi-word synonym are grouped first (crawler.query.phrases).

Dates are not part of the compiled query: `DateWindow` holds them, and each
caller applies them when it runs — a search as a range filter, a sweep by
checking each matched article (a stored percolator query cannot hold "7 days
before now").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.query.dates import DateBound
from crawler.query.phrases import KnownTerms, group_known_terms, load_known_terms
from crawler.query.syntax import And, DateTerm, FieldTerm, Node, Not, Or, Text, parse_query

# Title matches count three times a body match: a headline naming the topic is the
# strongest single signal an article is about it (the usual news-search weighting).
# Boosts change the order of a search's hits, never which articles match.
TEXT_FIELDS = ["title^3", "subtitle^2", "lead^2", "text"]
# The time an article sits at on every timeline (published, else first seen).
DATE_FIELD = "timeline_time"

Query = dict[str, Any]
# Keyword fields behind each field: prefix, and whether the value is lowercased first.
_KEYWORDS = {
    "source": ("source", False),
    "kind": ("kind", True),
    "topic": ("topics", False),
    "lang": ("lang", True),
    "counterpart": ("counterparts", False),
    "event": ("event_types", True),
}


@dataclass(frozen=True, slots=True)
class DateWindow:
    bounds: tuple[DateBound, ...] = ()

    def admits(self, when: datetime | None, now: datetime) -> bool:
        """Whether an article placed at `when` is inside every bound (undated: only if none)."""
        if when is None:
            return not self.bounds
        return all(bound.admits(when, now) for bound in self.bounds)

    def filters(self, now: datetime, *, date_math: bool = False) -> list[Query]:
        return [
            {"range": {DATE_FIELD: b.range_clause(now, date_math=date_math)}} for b in self.bounds
        ]


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    query: Query  # what to match, without dates
    window: DateWindow  # since:/until:, resolved when the query runs

    def search_query(self, now: datetime) -> Query:
        """The query with its dates as filters, for a search run at `now`."""
        filters = self.window.filters(now)
        return {"bool": {"must": [self.query], "filter": filters}} if filters else self.query


def compile_query(text: str, terms: KnownTerms | None = None) -> CompiledQuery:
    """Parse and compile; raises QuerySyntaxError with the column when it does not parse."""
    return compile_tree(parse_query(text), terms)


def compile_tree(tree: Node, terms: KnownTerms | None = None) -> CompiledQuery:
    """Compile a tree parse_query made (a watch's, parsed when the config loaded)."""
    bounds = tuple(n.bound for n in _top_level(tree) if isinstance(n, DateTerm))
    rest = [n for n in _top_level(tree) if not isinstance(n, DateTerm)]
    matched = rest[0] if len(rest) == 1 else And(tuple(rest))
    grouped = group_known_terms(matched, terms or load_known_terms())
    return CompiledQuery(compile_node(grouped), DateWindow(bounds))


def _top_level(tree: Node) -> tuple[Node, ...]:
    return tree.nodes if isinstance(tree, And) else (tree,)


def compile_node(node: Node) -> Query:
    if isinstance(node, Text):
        return {"multi_match": {"query": node.value, "type": "phrase", "fields": TEXT_FIELDS}}
    if isinstance(node, FieldTerm):
        return _field_query(node)
    if isinstance(node, Not):
        return {"bool": {"must_not": [compile_node(node.node)]}}
    if isinstance(node, Or):
        return {
            "bool": {"should": [compile_node(n) for n in node.nodes], "minimum_should_match": 1}
        }
    if isinstance(node, DateTerm):  # parse_query keeps dates at the top, compile_query strips them
        raise ValueError("since:/until: are applied by DateWindow, not compiled")
    return _and_query(node)


def _and_query(node: And) -> Query:
    must = [compile_node(n) for n in node.nodes if not isinstance(n, Not)]
    must_not = [compile_node(n.node) for n in node.nodes if isinstance(n, Not)]
    body: dict[str, Any] = {"must": must}
    if must_not:
        body["must_not"] = must_not
    return {"bool": body}


def _field_query(node: FieldTerm) -> Query:
    if node.field in _KEYWORDS:
        name, lowercase = _KEYWORDS[node.field]
        return {"term": {name: node.value.lower() if lowercase else node.value}}
    # outlet: the exact site name, or its words in order ("내일" matches 내일신문's tokens).
    return {
        "bool": {
            "should": [
                {"term": {"site_name": node.value}},
                {"match_phrase": {"site_name.text": node.value}},
            ],
            "minimum_should_match": 1,
        }
    }
