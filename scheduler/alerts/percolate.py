"""Percolate several articles per request against every stored watch.

One `percolate` query with `documents: [...]` answers, for each watch that
matches any of the documents, which document slots it matched. Batching is
what keeps the cost per article low with many watches: the watches are read
once per batch, not once per article. No highlighting is asked for here (it
tripled the cost); `snippet.py` cuts the snippets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crawler.engine.client import SearchStore
from crawler.engine.indices import WATCHES_ALIAS
from scheduler.alerts.watches import MAX_WATCHES


@dataclass(frozen=True, slots=True)
class ArticleDoc:
    id: str
    source: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Match:
    watch: str
    article: ArticleDoc


def percolate(store: SearchStore, articles: Sequence[ArticleDoc]) -> list[Match]:
    """Every (watch, article) match of one batch, in article order."""
    if not articles:
        return []
    body = {
        "size": MAX_WATCHES,
        "_source": ["watch_name"],
        "query": {"percolate": {"field": "query", "documents": [a.source for a in articles]}},
    }
    response = store.request("POST", f"/{WATCHES_ALIAS}/_search", body)
    matches: list[Match] = []
    for hit in response["hits"]["hits"]:
        watch = str(hit["_source"]["watch_name"])
        matches.extend(Match(watch, articles[slot]) for slot in _slots(hit, len(articles)))
    position = {article.id: index for index, article in enumerate(articles)}
    matches.sort(key=lambda m: position[m.article.id])  # stable: watch order kept per article
    return matches


def _slots(hit: dict[str, Any], count: int) -> list[int]:
    slots = hit.get("fields", {}).get("_percolator_document_slot")
    # A single document is reported without slots by some versions; it is slot 0.
    return [int(s) for s in slots] if slots else ([0] if count == 1 else [])
