"""Percolate the articles indexed since the checkpoint; queue one alert per (watch, story).

Which articles are new. Articles carry `fetched` (when the page was fetched),
not an indexing time, and an article can reach the index well after it was
fetched (bulk buffering; the crawler's spool while the engine was down). So
the sweep reads every article with `fetched >= checkpoint - overlap` and
skips those it has already percolated (a `seen` record per article, keyed by
its id, holding the content hash percolated: an updated text is percolated
again). The checkpoint is the newest `fetched` processed, never the sweep's
own clock, so clock skew between crawler and sweeper cannot skip articles.
An article indexed more than `overlap` after it was fetched is missed; an
indexing timestamp in the articles' mapping would remove that limit.

Crash safety. Deliveries are created before the `match` record that says
"(watch, story) alerted", and `seen` markers after both; every write is an
idempotent create, so a sweep that dies anywhere is simply repeated.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crawler.config import Config
from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.query.compile import DateWindow
from scheduler.alerts import records
from scheduler.alerts.dsl import watch_window
from scheduler.alerts.percolate import ArticleDoc, Match, percolate
from scheduler.alerts.queueing import (
    NO_NOTIFIER,
    MatchCounts,
    QueueContext,
    queue_matches,
    story_key,
)
from scheduler.alerts.snippet import terms_pattern, watch_terms
from scheduler.alerts.starts import ensure_starts, mark_backfilled

__all__ = ["NO_NOTIFIER", "MatchCounts", "MatchSettings", "find_and_queue", "story_key"]


@dataclass(frozen=True)
class MatchSettings:
    # Two hours covers a crawl's bulk buffering and a short engine outage with
    # room to spare; a longer spool replay needs an indexing timestamp (see above).
    overlap: timedelta = timedelta(hours=2)
    # With no checkpoint yet (first sweep), look back this far; what alerts is
    # decided by each watch's start (starts.py), this only bounds the reading.
    first_lookback: timedelta = timedelta(hours=1)
    # Ids and hashes only, so a page of 1,000 is a few tens of KB.
    page_size: int = 1000
    # Articles per percolate request: 50 keeps a request around 1 MB of Korean
    # text and, in `make bench-alerts`, is past the knee of the per-article cost.
    percolate_batch: int = 50


def find_and_queue(
    store: SearchStore,
    config: Config,
    now: datetime,
    settings: MatchSettings,
    counts: MatchCounts,
    backfill: timedelta | None = None,
) -> None:
    """Percolate what is new since the checkpoint; then any backfill that is due.

    `backfill` (from `alerts sweep --backfill`) re-reads, once, every article on
    the timeline since `now - backfill` for all watches; a watch's own config
    `backfill` is swept once, for that watch alone, when first seen.
    """
    starts = ensure_starts(store, config.watches, now)
    ctx = QueueContext(
        watches={w.name: w for w in config.watches},
        patterns={w.name: terms_pattern(watch_terms(w.parsed_query)) for w in config.watches},
        windows={w.name: watch_window(w) for w in config.watches},
        starts=starts,
        load=lambda ids: _load(store, ids),
        backfill_since=None if backfill is None else now - backfill,
    )
    _sweep_new(store, ctx, now, settings, counts)
    if ctx.backfill_since is not None:
        _sweep_backfill(store, ctx, ctx.backfill_since, None, now, settings, counts)
    due = [ctx.watches[name] for name in sorted(starts.to_backfill)]
    if due:
        since = min(ctx.earliest(w) for w in due)
        _sweep_backfill(store, ctx, since, [w.name for w in due], now, settings, counts)
        mark_backfilled(store, [w.name for w in due], now)


def _sweep_new(
    store: SearchStore,
    ctx: QueueContext,
    now: datetime,
    settings: MatchSettings,
    counts: MatchCounts,
) -> None:
    checkpoint = records.read_checkpoint(store)
    start = checkpoint - settings.overlap if checkpoint else now - settings.first_lookback
    newest = checkpoint
    query = {"range": {"fetched": {"gte": start.isoformat()}}}
    for page in _pages(store, query, "fetched", settings.page_size):
        counts.articles_in_window += len(page)
        _percolate_ids(store, ctx, _unseen(store, page), None, now, settings, counts)
        last = datetime.fromisoformat(page[-1]["_source"]["fetched"])
        newest = last if newest is None else max(newest, last)
    if newest is not None and newest != checkpoint:
        records.write_checkpoint(store, newest)


def _sweep_backfill(
    store: SearchStore,
    ctx: QueueContext,
    since: datetime,
    watches: list[str] | None,
    now: datetime,
    settings: MatchSettings,
    counts: MatchCounts,
) -> None:
    """Every article on the timeline since `since`, percolated again (seen or not)."""
    query = {"range": {"timeline_time": {"gte": since.isoformat()}}}
    for page in _pages(store, query, "timeline_time", settings.page_size):
        counts.articles_in_window += len(page)
        ids = [h["_id"] for h in page if h["_id"] not in ctx.percolated]
        _percolate_ids(store, ctx, ids, watches, now, settings, counts)


def _percolate_ids(
    store: SearchStore,
    ctx: QueueContext,
    ids: list[str],
    watches: list[str] | None,
    now: datetime,
    settings: MatchSettings,
    counts: MatchCounts,
) -> None:
    for begin in range(0, len(ids), settings.percolate_batch):
        docs = _load(store, ids[begin : begin + settings.percolate_batch])
        started = time.perf_counter()
        matches = in_date_window(percolate(store, docs, watches), ctx.windows, now)
        counts.percolate_seconds += time.perf_counter() - started
        counts.articles_percolated += len(docs)
        if watches is None:
            ctx.percolated.update(d.id for d in docs)
        queue_matches(store, ctx, matches, now, counts)
        records.put_records(store, {records.seen_key(d.id): _seen(d, now) for d in docs})


def _pages(
    store: SearchStore, query: dict[str, Any], field: str, size: int
) -> Iterator[list[dict[str, Any]]]:
    """Pages of (id, fetched, content_hash), oldest `field` first, via search_after."""
    body: dict[str, Any] = {
        "size": size,
        "_source": ["fetched", "content_hash"],
        "query": query,
        # canonical_url breaks ties: the id is derived from it, and sorting on _id is disabled.
        "sort": [{field: "asc"}, {"canonical_url": "asc"}],
    }
    while True:
        hits = store.request("POST", f"/{ARTICLES_ALIAS}/_search", body)["hits"]["hits"]
        if not hits:
            return
        yield hits
        body["search_after"] = hits[-1]["sort"]


def in_date_window(
    matches: list[Match], windows: dict[str, DateWindow], now: datetime
) -> list[Match]:
    """Drop matches outside their watch's since:/until: (resolved at this sweep's `now`)."""
    return [m for m in matches if _admitted(m, windows.get(m.watch), now)]


def _admitted(match: Match, window: DateWindow | None, now: datetime) -> bool:
    if window is None or not window.bounds:
        return True
    placed = match.article.source.get("timeline_time")
    return window.admits(datetime.fromisoformat(placed) if placed else None, now)


def _unseen(store: SearchStore, page: list[dict[str, Any]]) -> list[str]:
    markers = records.get_records(store, (records.seen_key(h["_id"]) for h in page))
    fresh = []
    for hit in page:
        marker = markers.get(records.seen_key(hit["_id"]))
        if marker is None or marker.get("content_hash") != hit["_source"].get("content_hash"):
            fresh.append(hit["_id"])
    return fresh


def _load(store: SearchStore, ids: list[str]) -> list[ArticleDoc]:
    """Full sources by id (an ids query: mget refuses an alias over two indices mid-migration)."""
    response = store.request(
        "POST",
        f"/{ARTICLES_ALIAS}/_search",
        {"size": len(ids), "query": {"ids": {"values": ids}}},
    )
    by_id = {h["_id"]: h["_source"] for h in response["hits"]["hits"]}
    return [ArticleDoc(i, by_id[i]) for i in ids if i in by_id]


def _seen(doc: ArticleDoc, now: datetime) -> dict[str, Any]:
    return {
        "record_type": "seen",
        "article_id": doc.id,
        "content_hash": doc.source.get("content_hash"),
        "fetched": doc.source.get("fetched"),
        "created": now.isoformat(),
    }
