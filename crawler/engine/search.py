"""Ranked article search in the one query language, paged past the engine's result window.

The query is compiled by crawler.query, the same body watches are stored with,
so a query finds in `newswatch search` what it would alert on. Hits stream in
pages with `search_after` (sorted by relevance or date, the canonical URL
breaking ties), so `--size` and `--from` are not bounded by the engines'
10,000-hit window. Pages are read without a point in time: an article indexed
while a long listing streams may shift the order by one (acceptable for a
listing, and the same request works on Elasticsearch and OpenSearch alike).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.engine.search_hits import HIGHLIGHT, SOURCE_FIELDS, Hit, to_hit
from crawler.query.compile import CompiledQuery, compile_query
from crawler.query.dates import DateBound

SORTS = ("relevance", "date")
# Hits per request while streaming: large enough that 100,000 hits take 100 requests,
# small enough that a page of Korean snippets stays well under a megabyte.
PAGE_SIZE = 1000
# Hits skipped per request for --from (ids and sort values only, so pages can be big;
# 10,000 is the engines' default max_result_window).
SKIP_PAGE_SIZE = 10_000
_TIEBREAK = {"canonical_url": "asc"}
_SORT = {
    "relevance": [{"_score": "desc"}, {"timeline_time": "desc"}, _TIEBREAK],
    "date": [{"timeline_time": {"order": "desc", "missing": "_last"}}, _TIEBREAK],
}


@dataclass(frozen=True, slots=True)
class SearchOptions:
    size: int = 10
    offset: int = 0
    sort: str = "relevance"
    since: DateBound | None = None
    until: DateBound | None = None
    sources: tuple[str, ...] = field(default=())


def build_query(
    query: str | CompiledQuery,
    options: SearchOptions | None = None,
    now: datetime | None = None,
    *,
    date_math: bool = False,
) -> dict[str, Any]:
    """The first page's request body (search_after is added for the following pages).

    `date_math` keeps ages (since:7d) relative for a query saved elsewhere.
    """
    compiled = compile_query(query) if isinstance(query, str) else query
    options = options or SearchOptions()
    moment = now or datetime.now(UTC)
    filters = compiled.window.filters(moment, date_math=date_math)
    filters += [
        {"range": {"timeline_time": bound.range_clause(moment, date_math=date_math)}}
        for bound in (options.since, options.until)
        if bound is not None
    ]
    if options.sources:
        filters.append({"terms": {"source": list(options.sources)}})
    return {
        "size": min(options.size, PAGE_SIZE),
        "query": {"bool": {"must": [compiled.query], "filter": filters}},
        "sort": _SORT[options.sort],
        "track_scores": True,  # a date-sorted listing still reports relevance
        "track_total_hits": True,
        "_source": SOURCE_FIELDS,
        "highlight": HIGHLIGHT,
    }


def stream_hits(
    store: SearchStore,
    query: str | CompiledQuery,
    options: SearchOptions | None = None,
    now: datetime | None = None,
) -> tuple[int, Iterator[Hit]]:
    """(total matching, hits in order): the first page is read now, the rest as consumed."""
    options = options or SearchOptions()
    body = build_query(query, options, now)
    after = _skip(store, body, options.offset) if options.offset else None
    if after is not None:
        body["search_after"] = after
    first = _page(store, body)
    total = int(first["hits"]["total"]["value"])
    return total, _iter_hits(store, body, first, options.size)


def search_articles(
    store: SearchStore, query: str, size: int = 10, options: SearchOptions | None = None
) -> tuple[int, list[Hit]]:
    options = options or SearchOptions(size=size)
    total, hits = stream_hits(store, query, options)
    return total, list(hits)


def _iter_hits(
    store: SearchStore, body: dict[str, Any], first: dict[str, Any], wanted: int
) -> Iterator[Hit]:
    response, given = first, 0
    while True:
        raw = response["hits"]["hits"]
        for hit in raw[: wanted - given]:
            yield to_hit(hit)
        given += min(len(raw), wanted - given)
        if given >= wanted or len(raw) < body["size"]:
            return
        body["search_after"] = raw[-1]["sort"]
        body["size"] = min(PAGE_SIZE, wanted - given)
        body["track_total_hits"] = False  # counted once, on the first page
        response = _page(store, body)


def _skip(store: SearchStore, body: dict[str, Any], count: int) -> list[Any] | None:
    """The sort values of the last of the first `count` hits (None when there are no hits).

    With fewer hits than `count` it is the very last hit's, so the listing is empty.
    """
    lean = {key: value for key, value in body.items() if key not in ("_source", "highlight")}
    lean.update(_source=False, track_total_hits=False)
    after: list[Any] | None = None
    while count > 0:
        lean["size"] = min(SKIP_PAGE_SIZE, count)
        raw = _page(store, lean)["hits"]["hits"]
        if raw:
            after = lean["search_after"] = raw[-1]["sort"]
        if len(raw) < lean["size"]:
            break
        count -= len(raw)
    return after


def _page(store: SearchStore, body: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = store.request("POST", f"/{ARTICLES_ALIAS}/_search", body)
    return response
