"""Turn one batch's matches into alerts: one per (watch, story), about the story's original.

A match counts only when the article is on the timeline at or after the
watch's start (starts.py). The first match of a (watch, story) creates its
deliveries (one per notifier) and then its `match` record, both with
idempotent creates; the delivery is about the story's best copy
(originals.py), which may be another copy than the one that matched. A
later match of the same (watch, story) is a repeat, except when it brings a
better copy (the original found after its repost) while the deliveries are
not yet sent: then the unsent deliveries are rewritten to name it, so there
is still exactly one alert per (watch, story).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.config import WatchConfig
from crawler.engine.client import SearchStore
from crawler.query.compile import DateWindow
from scheduler.alerts import records
from scheduler.alerts.message import Item, Segments, article_times
from scheduler.alerts.originals import Provenance, Rank, Story, rank, read_stories
from scheduler.alerts.percolate import ArticleDoc, Match
from scheduler.alerts.snippet import cut_snippet
from scheduler.alerts.starts import WatchStarts

NO_NOTIFIER = "-"
# Deliveries that have not reached their channel yet, so another copy may still take their place.
UNSENT = ("queued", "digest_pending")

Loader = Callable[[list[str]], list[ArticleDoc]]


@dataclass
class MatchCounts:
    articles_in_window: int = 0
    articles_percolated: int = 0
    matches: int = 0
    alerts: int = 0
    repeats: int = 0  # matches of a (watch, story) already alerted: syndicated copies, updates
    before_start: int = 0  # matches of articles older than their watch's start (not alerted)
    replaced: int = 0  # unsent alerts moved to a better copy (the original found later)
    deliveries: int = 0
    percolate_seconds: float = 0.0


@dataclass(frozen=True)
class QueueContext:
    watches: dict[str, WatchConfig]
    patterns: dict[str, re.Pattern[str] | None]
    # Each watch's since:/until: (checked at each sweep, see dsl.watch_window).
    windows: dict[str, DateWindow]
    starts: WatchStarts
    load: Loader
    backfill_since: datetime | None = None  # a one-off `alerts sweep --backfill`
    # Articles percolated for every watch by this sweep: a backfill need not read them again.
    percolated: set[str] = field(default_factory=set)
    _earliest: dict[str, datetime] = field(default_factory=dict)

    def earliest(self, watch: WatchConfig) -> datetime:
        if watch.name not in self._earliest:
            self._earliest[watch.name] = self.starts.earliest(watch, self.backfill_since)
        return self._earliest[watch.name]


def story_key(doc: ArticleDoc) -> str:
    """Copies of one story share story_id; an article without one is its own story."""
    return str(doc.source.get("story_id") or doc.id)


def queue_matches(
    store: SearchStore, ctx: QueueContext, matches: list[Match], now: datetime, counts: MatchCounts
) -> None:
    counted = counts.matches
    claims = _claims(ctx, matches, counts)
    already = records.get_records(store, claims)
    new = {key: claim for key, claim in claims.items() if key not in already}
    counts.repeats += counts.matches - counted - len(new)
    story_ids = {m.article.source.get("story_id") for _, m in claims.values()}
    stories = read_stories(store, (str(s) for s in story_ids if s))
    chosen = _choose(ctx, claims, stories)
    deliveries: dict[str, dict[str, Any]] = {}
    for key, (watch, _) in new.items():
        article, provenance = chosen[key]
        snippet = _snippet(article, ctx.patterns.get(watch.name))
        for notifier in watch.notify or [NO_NOTIFIER]:
            dkey = records.delivery_key(watch.name, story_key(article), notifier)
            deliveries[dkey] = delivery_record(
                dkey, watch, notifier, article, provenance, snippet, now
            )
    counts.deliveries += len(records.create_records(store, deliveries))
    matched = {key: _match(watch, chosen[key][0], now) for key, (watch, _) in new.items()}
    counts.alerts += len(records.create_records(store, matched))
    for key, (watch, _) in claims.items():
        if key in already:
            counts.replaced += _replace_unsent(store, ctx, watch, already[key], chosen[key], now)


def _claims(
    ctx: QueueContext, matches: list[Match], counts: MatchCounts
) -> dict[str, tuple[WatchConfig, Match]]:
    claims: dict[str, tuple[WatchConfig, Match]] = {}
    for match in matches:
        watch = ctx.watches.get(match.watch)
        if watch is None:  # a watch removed from the config but not yet synced
            continue
        if _timeline(match.article) < ctx.earliest(watch):
            counts.before_start += 1
            continue
        counts.matches += 1
        key = records.match_key(watch.name, story_key(match.article))
        current = claims.get(key)
        if current is None or rank(match.article.source) < rank(current[1].article.source):
            claims[key] = (watch, match)
    return claims


def _choose(
    ctx: QueueContext,
    claims: dict[str, tuple[WatchConfig, Match]],
    stories: dict[str, Story],
) -> dict[str, tuple[ArticleDoc, Provenance]]:
    """Per claim, the copy to alert and what to say about it; other copies' texts read at once."""
    wanted = {}
    for key, (_, match) in claims.items():
        story = stories.get(story_key(match.article))
        if (
            story is not None
            and story.best_id != match.article.id
            and rank(story.best) < rank(match.article.source)
        ):
            wanted[key] = story.best_id
    loaded = {doc.id: doc for doc in ctx.load(sorted(set(wanted.values())))} if wanted else {}
    chosen = {}
    for key, (_, match) in claims.items():
        article = loaded.get(wanted.get(key, ""), match.article)
        story = stories.get(story_key(match.article))
        provenance = story.provenance(article.id, article.source) if story else Provenance()
        chosen[key] = (article, provenance)
    return chosen


def _replace_unsent(
    store: SearchStore,
    ctx: QueueContext,
    watch: WatchConfig,
    match_record: dict[str, Any],
    chosen: tuple[ArticleDoc, Provenance],
    now: datetime,
) -> int:
    """Point the unsent deliveries of an alerted (watch, story) at a better copy; how many moved."""
    article, provenance = chosen
    if article.id == match_record.get("article_id") or not _ranked(match_record):
        return 0
    if not rank(article.source) < _alerted_rank(match_record):
        return 0
    keys = [records.delivery_key(watch.name, story_key(article), n) for n in watch.notify]
    current = records.get_records(store, keys)
    unsent = [key for key, record in current.items() if record.get("status") in UNSENT]
    if not unsent:
        return 0
    snippet = _snippet(article, ctx.patterns.get(watch.name))
    updates = {}
    for key in unsent:
        fresh = delivery_record(
            key, watch, str(current[key]["notifier"]), article, provenance, snippet, now
        )
        updates[key] = {name: fresh[name] for name in ("article_id", "title", "url", "item")}
    records.update_each(store, updates)
    match_key = records.match_key(watch.name, story_key(article))
    records.update_each(store, {match_key: _alerted(article)})
    return len(unsent)


def _ranked(record: dict[str, Any]) -> bool:
    return record.get("alerted_time") is not None  # match records made before ranks were kept


def _alerted_rank(record: dict[str, Any]) -> Rank:
    return bool(record.get("alerted_repost")), datetime.fromisoformat(str(record["alerted_time"]))


def _timeline(article: ArticleDoc) -> datetime:
    return datetime.fromisoformat(str(article.source["timeline_time"]))


def _snippet(article: ArticleDoc, pattern: re.Pattern[str] | None) -> Segments:
    source = article.source
    fallback = str(source.get("lead") or "")
    return cut_snippet(str(source.get("text") or ""), pattern, fallback)


def delivery_record(
    key: str,
    watch: WatchConfig,
    notifier: str,
    article: ArticleDoc,
    provenance: Provenance,
    snippet: Segments,
    now: datetime,
) -> dict[str, Any]:
    source = article.source
    published, first_seen = article_times(source)
    item = Item(
        title=str(source.get("title") or ""),
        url=str(source.get("canonical_url") or source.get("url") or ""),
        outlet=source.get("site_name"),
        published=published,
        first_seen=first_seen,
        snippet=snippet,
        is_copy=provenance.is_copy,
        original_outlet=provenance.original_outlet,
        original_url=provenance.original_url,
        copies=provenance.copies,
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
        "story_key": story_key(article),
        "article_id": article.id,
        "title": item.title,
        "url": item.url,
        "attempts": 0,
        "next_attempt": now.isoformat(),
        "created": now.isoformat(),
        "item": item.to_record(),
    }


def _match(watch: WatchConfig, article: ArticleDoc, now: datetime) -> dict[str, Any]:
    return {
        "record_type": "match",
        "watch": watch.name,
        "story_key": story_key(article),
        "created": now.isoformat(),
        **_alerted(article),
    }


def _alerted(article: ArticleDoc) -> dict[str, Any]:
    """Which copy the alert is about, and its rank, to tell whether a later copy is better."""
    repost, when = rank(article.source)
    return {"article_id": article.id, "alerted_repost": repost, "alerted_time": when.isoformat()}
