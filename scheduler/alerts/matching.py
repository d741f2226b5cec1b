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

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crawler.config import Config, WatchConfig
from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.query.compile import DateWindow
from scheduler.alerts import records
from scheduler.alerts.dsl import watch_window
from scheduler.alerts.message import Item, Segments, article_times
from scheduler.alerts.percolate import ArticleDoc, Match, percolate
from scheduler.alerts.snippet import cut_snippet, terms_pattern, watch_terms

NO_NOTIFIER = "-"


@dataclass
class MatchCounts:
    articles_in_window: int = 0
    articles_percolated: int = 0
    matches: int = 0
    alerts: int = 0
    repeats: int = 0  # matches of a (watch, story) already alerted: syndicated copies, updates
    deliveries: int = 0
    percolate_seconds: float = 0.0


@dataclass(frozen=True)
class MatchSettings:
    # Two hours covers a crawl's bulk buffering and a short engine outage with
    # room to spare; a longer spool replay needs an indexing timestamp (see above).
    overlap: timedelta = timedelta(hours=2)
    # With no checkpoint yet (first sweep), look back this far instead of
    # alerting on the whole archive.
    first_lookback: timedelta = timedelta(hours=1)
    # Ids and hashes only, so a page of 1,000 is a few tens of KB.
    page_size: int = 1000
    # Articles per percolate request: 50 keeps a request around 1 MB of Korean
    # text and, in `make bench-alerts`, is past the knee of the per-article cost.
    percolate_batch: int = 50


def find_and_queue(
    store: SearchStore, config: Config, now: datetime, settings: MatchSettings, counts: MatchCounts
) -> None:
    checkpoint = records.read_checkpoint(store)
    start = checkpoint - settings.overlap if checkpoint else now - settings.first_lookback
    newest = checkpoint
    watches = {w.name: w for w in config.watches}
    patterns = {w.name: terms_pattern(watch_terms(w.parsed_query)) for w in config.watches}
    windows = {w.name: watch_window(w) for w in config.watches}
    for page in _pages(store, start, settings.page_size):
        counts.articles_in_window += len(page)
        fresh = _unseen(store, page)
        for begin in range(0, len(fresh), settings.percolate_batch):
            docs = _load(store, fresh[begin : begin + settings.percolate_batch])
            started = time.perf_counter()
            matches = in_date_window(percolate(store, docs), windows, now)
            counts.percolate_seconds += time.perf_counter() - started
            counts.articles_percolated += len(docs)
            counts.matches += len(matches)
            _queue(store, watches, patterns, matches, now, counts)
            records.put_records(store, {records.seen_key(d.id): _seen(d, now) for d in docs})
        last = datetime.fromisoformat(page[-1]["_source"]["fetched"])
        newest = last if newest is None else max(newest, last)
    if newest is not None and newest != checkpoint:
        records.write_checkpoint(store, newest)


def _pages(store: SearchStore, start: datetime, size: int) -> Iterator[list[dict[str, Any]]]:
    """Pages of (id, fetched, content_hash), oldest first, via search_after."""
    body: dict[str, Any] = {
        "size": size,
        "_source": ["fetched", "content_hash"],
        "query": {"range": {"fetched": {"gte": start.isoformat()}}},
        # canonical_url breaks ties: the id is derived from it, and sorting on _id is disabled.
        "sort": [{"fetched": "asc"}, {"canonical_url": "asc"}],
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


def story_key(doc: ArticleDoc) -> str:
    """Copies of one story share story_id; an article without one is its own story."""
    return str(doc.source.get("story_id") or doc.id)


def _queue(
    store: SearchStore,
    watches: dict[str, WatchConfig],
    patterns: dict[str, re.Pattern[str] | None],
    matches: list[Match],
    now: datetime,
    counts: MatchCounts,
) -> None:
    claims: dict[str, tuple[WatchConfig, Match]] = {}
    for match in matches:
        watch = watches.get(match.watch)
        if watch is not None:  # a watch removed from the config but not yet synced
            claims.setdefault(
                records.match_key(watch.name, story_key(match.article)), (watch, match)
            )
    already = records.get_records(store, claims)
    counts.repeats += len(matches) - len(claims) + len(already)
    new = {key: claim for key, claim in claims.items() if key not in already}
    deliveries: dict[str, dict[str, Any]] = {}
    for watch, match in new.values():
        snippet = _snippet(match.article, patterns.get(watch.name))
        for notifier in watch.notify or [NO_NOTIFIER]:
            key = records.delivery_key(watch.name, story_key(match.article), notifier)
            deliveries[key] = delivery_record(key, watch, notifier, match, snippet, now)
    counts.deliveries += len(records.create_records(store, deliveries))
    matched = {key: _match(watch, match, now) for key, (watch, match) in new.items()}
    counts.alerts += len(records.create_records(store, matched))


def _snippet(article: ArticleDoc, pattern: re.Pattern[str] | None) -> Segments:
    source = article.source
    fallback = str(source.get("lead") or "")
    return cut_snippet(str(source.get("text") or ""), pattern, fallback)


def delivery_record(
    key: str, watch: WatchConfig, notifier: str, match: Match, snippet: Segments, now: datetime
) -> dict[str, Any]:
    source = match.article.source
    published, first_seen = article_times(source)
    item = Item(
        title=str(source.get("title") or ""),
        url=str(source.get("canonical_url") or source.get("url") or ""),
        outlet=source.get("site_name"),
        published=published,
        first_seen=first_seen,
        snippet=snippet,
    )
    if notifier == NO_NOTIFIER:
        status = "logged"  # a watch without notifiers: history only
    else:
        status = "digest_pending" if watch.mode == "digest" else "queued"
    return {
        "record_type": "delivery",
        "key": key,
        "watch": watch.name,
        "notifier": notifier,
        "mode": watch.mode,
        "status": status,
        "story_key": story_key(match.article),
        "article_id": match.article.id,
        "title": item.title,
        "url": item.url,
        "attempts": 0,
        "next_attempt": now.isoformat(),
        "created": now.isoformat(),
        "item": item.to_record(),
    }


def _match(watch: WatchConfig, match: Match, now: datetime) -> dict[str, Any]:
    return {
        "record_type": "match",
        "watch": watch.name,
        "story_key": story_key(match.article),
        "article_id": match.article.id,
        "created": now.isoformat(),
    }
