"""Digest watches: at each cron fire time, gather the pending matches into one queued delivery.

Matches of a digest watch wait as `digest_pending` deliveries. When the
watch's cron (Asia/Seoul) has fired since the last digest, a digest delivery
keyed by (watch, notifier, fire time) is created holding every pending match
up to that time, the matches are marked `digested`, and the digest then goes
through the same queue, retries and dedup as any other message. Missed fire
times (the service was down) collapse into one digest.

Crash safety: creating the digest is idempotent (its key is deterministic);
when it already exists, its recorded `item_keys` are re-marked, so no match
ends up in two digests.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from crawler.config import Config, WatchConfig
from crawler.engine.client import SearchStore
from crawler.vocabulary import SEOUL
from scheduler.alerts import records

log = logging.getLogger(__name__)

# A digest of 500 articles is already more than anyone reads; the rest go in the next one.
MAX_DIGEST_ITEMS = 500
_TICK = timedelta(microseconds=1)


def next_fire(schedule: str, after: datetime) -> datetime | None:
    """The first fire time of the cron strictly after `after`."""
    trigger = CronTrigger.from_crontab(schedule, timezone=SEOUL)
    fire: datetime | None = trigger.get_next_fire_time(after, after + _TICK)
    return fire


def fire_digests(store: SearchStore, config: Config, now: datetime) -> int:
    """Create the digests that are due; returns how many were created."""
    created = 0
    for watch in config.watches:
        if watch.mode == "digest" and watch.digest_schedule:
            created += _fire_watch(store, watch, watch.digest_schedule, now)
    return created


def _fire_watch(store: SearchStore, watch: WatchConfig, schedule: str, now: datetime) -> int:
    state_key = records.digest_state_key(watch.name)
    state = records.get_records(store, [state_key]).get(state_key)
    if state is None:  # first sight of this watch: its first digest is at the next fire time
        _save_state(store, state_key, watch, now)
        return 0
    fire = _latest_due(schedule, datetime.fromisoformat(state["fire_time"]), now)
    if fire is None:
        return 0
    created = sum(_digest_for(store, watch, notifier, fire, now) for notifier in watch.notify)
    _save_state(store, state_key, watch, fire)
    return created


def _latest_due(schedule: str, last: datetime, now: datetime) -> datetime | None:
    fire = next_fire(schedule, last)
    if fire is None or fire > now:
        return None
    while (following := next_fire(schedule, fire)) is not None and following <= now:
        fire = following
    return fire


def _save_state(store: SearchStore, key: str, watch: WatchConfig, fire: datetime) -> None:
    record = {"record_type": "digest_state", "watch": watch.name, "fire_time": fire.isoformat()}
    records.put_records(store, {key: record})


def _digest_for(
    store: SearchStore, watch: WatchConfig, notifier: str, fire: datetime, now: datetime
) -> int:
    key = records.digest_key(watch.name, notifier, fire)
    existing = records.get_records(store, [key]).get(key)
    if existing is not None:
        records.update_records(store, existing["item_keys"], _digested(key))
        return 0
    pending = _pending(store, watch.name, notifier, fire)
    if not pending:
        return 0
    item_keys = [hit["_id"] for hit in pending]
    records.create_records(store, {key: _digest_record(key, watch, notifier, fire, now, pending)})
    records.update_records(store, item_keys, _digested(key))
    log.info("digest %s for watch %r: %d articles", key, watch.name, len(item_keys))
    return 1


def _pending(store: SearchStore, watch: str, notifier: str, fire: datetime) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = [
        {"term": {"record_type": "delivery"}},
        {"term": {"watch": watch}},
        {"term": {"notifier": notifier}},
        {"term": {"status": "digest_pending"}},
        {"range": {"created": {"lte": fire.isoformat()}}},
    ]
    return records.search_records(
        store,
        {
            "size": MAX_DIGEST_ITEMS,
            "query": {"bool": {"filter": filters}},
            "sort": [{"created": "asc"}, {"key": "asc"}],
        },
    )


def _digest_record(
    key: str,
    watch: WatchConfig,
    notifier: str,
    fire: datetime,
    now: datetime,
    pending: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "record_type": "delivery",
        "key": key,
        "watch": watch.name,
        "notifier": notifier,
        "mode": "digest",
        "status": "queued",
        "title": f"digest of {len(pending)} articles",
        "attempts": 0,
        "next_attempt": now.isoformat(),
        "created": now.isoformat(),
        "fire_time": fire.isoformat(),
        "item_keys": [hit["_id"] for hit in pending],
        "items": [hit["_source"]["item"] for hit in pending],
    }


def _digested(key: str) -> dict[str, Any]:
    return {"status": "digested", "digest_key": key}
