"""What a watch would have matched, and what the alerts have done: read-only views for the CLI.

`preview_watch` runs the watch's compiled query as an ordinary search over
recent articles (sending nothing); `read_history` and `status_counts` read the
sent-log and queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crawler.config import WatchConfig
from crawler.engine.client import SearchStore
from crawler.engine.indices import ALERTS_ALIAS, ARTICLES_ALIAS
from scheduler.alerts import records
from scheduler.alerts.dsl import watch_percolator_query, watch_window
from scheduler.alerts.message import (
    HIGHLIGHT_POST,
    HIGHLIGHT_PRE,
    SNIPPET_CHARS,
    Segments,
    article_times,
    plain_snippet,
    segments_from_highlight,
)

# One search for a preview: the engine's highlighter is affordable here (the
# sweep cuts its own snippets instead, see snippet.py).
HIGHLIGHT = {
    "encoder": "html",
    "pre_tags": [HIGHLIGHT_PRE],
    "post_tags": [HIGHLIGHT_POST],
    "fields": {"text": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 2}},
}


@dataclass(frozen=True, slots=True)
class PreviewHit:
    title: str
    url: str
    outlet: str | None
    published: datetime | None
    # Only when `published` is null: the time the article was first seen.
    first_seen: datetime | None
    fetched: datetime
    story_key: str
    repeat: bool  # an earlier hit in this list has the same story: it would not alert again
    snippet: Segments


def preview_watch(
    store: SearchStore, watch: WatchConfig, days: float, now: datetime, size: int = 50
) -> tuple[int, list[PreviewHit]]:
    """Articles fetched in the last `days` that the watch matches, oldest first."""
    since = now - timedelta(days=days)
    body = {
        "size": size,
        "query": {
            "bool": {
                "must": [watch_percolator_query(watch)],
                "filter": [
                    {"range": {"fetched": {"gte": since.isoformat()}}},
                    *watch_window(watch).filters(now),  # since:/until:, as a sweep now would
                ],
            }
        },
        "sort": [{"fetched": "asc"}],
        "highlight": HIGHLIGHT,
    }
    response = store.request("POST", f"/{ARTICLES_ALIAS}/_search", body)
    seen: set[str] = set()
    hits = []
    for raw in response["hits"]["hits"]:
        hit = _hit(raw, seen)
        seen.add(hit.story_key)
        hits.append(hit)
    return int(response["hits"]["total"]["value"]), hits


def _hit(raw: dict[str, Any], seen: set[str]) -> PreviewHit:
    source = raw["_source"]
    story = str(source.get("story_id") or raw["_id"])
    fragments = raw.get("highlight", {}).get("text")
    published, first_seen = article_times(source)
    return PreviewHit(
        title=str(source.get("title") or ""),
        url=str(source.get("canonical_url") or source.get("url") or ""),
        outlet=source.get("site_name"),
        published=published,
        first_seen=first_seen,
        fetched=datetime.fromisoformat(source["fetched"]),
        story_key=story,
        repeat=story in seen,
        snippet=segments_from_highlight(fragments)
        if fragments
        else plain_snippet(str(source.get("lead") or source.get("text") or "")),
    )


def read_history(
    store: SearchStore, *, watch: str | None = None, status: str | None = None, size: int = 50
) -> list[dict[str, Any]]:
    """Delivery records, newest first (with `_id` as `key`)."""
    filters: list[dict[str, Any]] = [{"term": {"record_type": "delivery"}}]
    if watch:
        filters.append({"term": {"watch": watch}})
    if status:
        filters.append({"term": {"status": status}})
    body = {
        "size": size,
        "_source": {"excludes": ["item", "items"]},
        "query": {"bool": {"filter": filters}},
        "sort": [{"created": "desc"}, {"key": "asc"}],
    }
    return [{**hit["_source"], "key": hit["_id"]} for hit in records.search_records(store, body)]


def status_counts(store: SearchStore) -> dict[str, dict[str, int]]:
    """watch → status → number of delivery records."""
    body = {
        "size": 0,
        "query": {"term": {"record_type": "delivery"}},
        "aggs": {
            "watch": {
                "terms": {"field": "watch", "size": 10_000},
                "aggs": {"status": {"terms": {"field": "status", "size": 10}}},
            }
        },
    }
    response = store.request("POST", f"/{ALERTS_ALIAS}/_search", body)
    return {
        bucket["key"]: {s["key"]: int(s["doc_count"]) for s in bucket["status"]["buckets"]}
        for bucket in response["aggregations"]["watch"]["buckets"]
    }
