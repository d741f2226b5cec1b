"""Ranked article search with highlighted Korean snippets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS

# Title matches count three times a body match: a headline naming the topic is the
# strongest single signal an article is about it (the usual news-search weighting).
SEARCH_FIELDS = ["title^3", "subtitle^2", "lead^2", "text", "site_name.text", "author.text"]
SNIPPET_CHARS = 160
HIGHLIGHT_PRE, HIGHLIGHT_POST = "<em>", "</em>"


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    score: float
    title: str
    url: str
    site_name: str | None
    published: str | None
    snippet: str


def build_query(query: str, size: int = 10) -> dict[str, Any]:
    """simple_query_string: words are ANDed, "phrases", `|` for OR, `-` to exclude.

    AND by default because a user typing 항저우 알리바바 means both.
    """
    return {
        "size": size,
        "query": {
            "simple_query_string": {
                "query": query,
                "fields": SEARCH_FIELDS,
                "default_operator": "and",
                "flags": "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE|ESCAPE",
            }
        },
        "_source": ["title", "url", "canonical_url", "site_name", "published", "lead"],
        "highlight": {
            "pre_tags": [HIGHLIGHT_PRE],
            "post_tags": [HIGHLIGHT_POST],
            "fields": {
                "title": {"number_of_fragments": 0},
                "text": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 2},
            },
        },
    }


def search_articles(store: SearchStore, query: str, size: int = 10) -> tuple[int, list[Hit]]:
    response = store.request("POST", f"/{ARTICLES_ALIAS}/_search", build_query(query, size))
    total = int(response["hits"]["total"]["value"])
    return total, [_to_hit(h) for h in response["hits"]["hits"]]


def _to_hit(raw: dict[str, Any]) -> Hit:
    source = raw.get("_source", {})
    highlight = raw.get("highlight", {})
    snippet = " … ".join(highlight.get("text", [])) or (source.get("lead") or "")[:SNIPPET_CHARS]
    title = (highlight.get("title") or [source.get("title", "")])[0]
    return Hit(
        id=raw["_id"],
        score=float(raw.get("_score") or 0.0),
        title=title,
        url=source.get("canonical_url") or source.get("url", ""),
        site_name=source.get("site_name"),
        published=source.get("published"),
        snippet=snippet,
    )
