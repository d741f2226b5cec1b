"""Where each watch starts: a new watch (and a fresh install) alerts from now on, not on old news.

The first time a sweep (or `newswatch setup`) sees a watch, it records the
moment as the watch's start (`watch_start` record in newswatch-alerts, keyed
by the watch's name, written with `create` so the first writer wins and a
restart keeps it). An article alerts a watch only when its timeline time
(published, else first seen) is at or after that start, less the watch's
`backfill` from the config, or less a one-off `alerts sweep --backfill`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crawler.config import Config, WatchConfig, parse_interval
from crawler.engine.client import EngineError, SearchStore
from scheduler.alerts import records

RECORD_TYPE = "watch_start"


def start_key(watch: str) -> str:
    return "ws-" + hashlib.sha256(f"watch_start\x00{watch}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class WatchStarts:
    """Each watch's recorded start, and the watches whose config backfill is still to be swept."""

    started: dict[str, datetime] = field(default_factory=dict)
    to_backfill: frozenset[str] = frozenset()

    def earliest(self, watch: WatchConfig, backfill_since: datetime | None = None) -> datetime:
        """The oldest timeline time that may alert this watch (`backfill_since`: a one-off
        command-line backfill, which reaches back from now and never moves a start forward)."""
        start = self.started[watch.name] - backfill_of(watch)
        return start if backfill_since is None else min(start, backfill_since)


def backfill_of(watch: WatchConfig) -> timedelta:
    return timedelta(seconds=parse_interval(watch.backfill)) if watch.backfill else timedelta(0)


def ensure_starts(store: SearchStore, watches: list[WatchConfig], now: datetime) -> WatchStarts:
    """Read every watch's start, recording `now` for the watches that have none yet."""
    names = [w.name for w in watches]
    keys = {start_key(name): name for name in names}
    found = records.get_records(store, keys)
    missing = {key: _record(name, now) for key, name in keys.items() if key not in found}
    if missing:
        records.create_records(store, missing)
        # Another process may have won the create: read back what is actually stored.
        found.update(records.get_records(store, missing))
    started = {
        keys[key]: datetime.fromisoformat(str(record["started"])) for key, record in found.items()
    }
    backfills = {w.name for w in watches if w.backfill}
    to_backfill = frozenset(
        keys[key]
        for key, record in found.items()
        if keys[key] in backfills and not record.get("backfilled")
    )
    return WatchStarts(started, to_backfill)


def earliest_alerted(store: SearchStore, watch: WatchConfig, now: datetime) -> datetime:
    """Read-only: the oldest timeline time this watch alerts on (`alerts test` marks the
    rest). A watch no sweep has seen yet would start at the next one: about `now`."""
    key = start_key(watch.name)
    try:
        record = records.get_records(store, [key]).get(key)
    except EngineError:  # no alerts index yet (setup not run): nothing has started
        record = None
    started = datetime.fromisoformat(str(record["started"])) if record else now
    return started - backfill_of(watch)


def mark_backfilled(store: SearchStore, watches: Iterable[str], now: datetime) -> None:
    """The config backfill of these watches has been swept: it is not repeated."""
    records.update_records(
        store, [start_key(name) for name in watches], {"backfilled": now.isoformat()}
    )


def record_starts(store: SearchStore, config: Config, now: datetime) -> WatchStarts:
    """`newswatch setup`: the configured watches start now unless they already started."""
    return ensure_starts(store, config.watches, now)


def _record(watch: str, now: datetime) -> dict[str, Any]:
    return {"record_type": RECORD_TYPE, "watch": watch, "started": now.isoformat()}
