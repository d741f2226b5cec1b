"""Watch syntax tree → engine query DSL (the same body for Elasticsearch and OpenSearch).

Words are matched as phrases over the article's text fields: Nori splits a
compound such as 스마트시티 into 스마트 + 시티, and a phrase keeps the parts
adjacent, so the watch means the word and not two unrelated nouns. The text
fields' search analyzer (korean_search) is the articles' own, so particles are
dropped (스마트시티를 matches 스마트시티) and synonyms apply.
"""

from __future__ import annotations

from typing import Any

from crawler.config import WatchConfig
from crawler.watch_syntax import And, FieldTerm, Node, Not, Or, Text, parse_watch_query

TEXT_FIELDS = ["title", "subtitle", "lead", "text"]

Query = dict[str, Any]


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
    return _and_query(node)


def _and_query(node: And) -> Query:
    must = [compile_node(n) for n in node.nodes if not isinstance(n, Not)]
    must_not = [compile_node(n.node) for n in node.nodes if isinstance(n, Not)]
    body: dict[str, Any] = {"must": must}
    if must_not:
        body["must_not"] = must_not
    return {"bool": body}


def _field_query(node: FieldTerm) -> Query:
    if node.field == "source":
        return {"term": {"source": node.value}}
    if node.field == "kind":
        return {"term": {"kind": node.value.lower()}}
    if node.field == "topic":
        return {"term": {"topics": node.value}}
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


def compile_watch_query(query: str) -> Query:
    return compile_node(parse_watch_query(query))


def watch_percolator_query(watch: WatchConfig) -> Query:
    """The stored percolator query: the watch's query plus its relevance floor."""
    compiled = compile_node(watch.parsed_query)  # parsed once, when the config loaded
    if watch.min_relevance is None:
        return compiled
    floor = {"range": {"relevance": {"gte": watch.min_relevance}}}
    return {"bool": {"must": [compiled], "filter": [floor]}}
