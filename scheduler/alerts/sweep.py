"""One alert sweep: sync watches, percolate new articles, fire digests, send what is due.

Called by the scheduler after every crawl and on a short interval, and by
`newswatch alerts sweep`. Sweeps on one machine never overlap: a lock file in
the state directory makes a second concurrent sweep return at once (skipped),
which is safe because the next sweep picks up everything the skipped one
would have. All durable state is in the engine (the alerts alias), so the
lock is the only thing kept on disk.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crawler.config import Config
from crawler.engine.client import SearchStore
from crawler.engine.indices import ALERTS_ALIAS, ARTICLES_ALIAS, WATCHES_ALIAS
from crawler.state.sqlite import try_exclusive_lock
from scheduler.alerts import records
from scheduler.alerts.deliver import DeliveryCounts, RetrySettings, deliver_due
from scheduler.alerts.digest import fire_digests
from scheduler.alerts.matching import MatchCounts, MatchSettings, find_and_queue
from scheduler.alerts.watches import SyncReport, sync_watches

log = logging.getLogger(__name__)

LOCK_FILE = "alerts-sweep.lock"


class AlertsNotReady(Exception):
    """The alert indices are missing: `newswatch setup` has not been run."""


@dataclass(frozen=True)
class SweepSettings:
    matching: MatchSettings = field(default_factory=MatchSettings)
    retry: RetrySettings = field(default_factory=RetrySettings)
    # Sync the percolator with the config at the start of each sweep; cheap when
    # nothing changed (one search), and it makes a config reload take effect at once.
    sync: bool = True


@dataclass
class SweepReport:
    skipped: bool = False  # another sweep held the lock
    watches: SyncReport | None = None
    matching: MatchCounts = field(default_factory=MatchCounts)
    digests: int = 0
    delivery: DeliveryCounts = field(default_factory=DeliveryCounts)

    def did_something(self) -> bool:
        """Whether the sweep changed anything a person would want a log line about."""
        m, d = self.matching, self.delivery
        counts = (m.articles_percolated, m.alerts, self.digests, d.sent, d.failed, d.deferred)
        return any(counts) or d.uncertain > 0 or (self.watches is not None and self.watches.changed)

    def summary(self) -> str:
        if self.skipped:
            return "alert sweep skipped: another sweep is running"
        m, d = self.matching, self.delivery
        return (
            f"alert sweep: {m.articles_percolated} articles percolated "
            f"({m.articles_in_window} in window), {m.matches} matches, {m.alerts} new alerts, "
            f"{m.repeats} repeats of alerted stories, {self.digests} digests; "
            f"sent {d.sent}, failed {d.failed} (queued for retry), deferred {d.deferred}"
            + (f", uncertain {d.uncertain} (not re-sent)" if d.uncertain else "")
        )


def run_sweep(
    store: SearchStore,
    config: Config,
    state_dir: Path,
    now: datetime | None = None,
    *,
    settings: SweepSettings | None = None,
    env: Mapping[str, str] | None = None,
) -> SweepReport:
    """One sweep. `now` (timezone-aware) is for tests; `env` supplies notifier secrets."""
    now = now or datetime.now(UTC)
    settings = settings or SweepSettings()
    with _sweep_lock(state_dir) as acquired:
        if not acquired:
            log.info("alert sweep skipped: another sweep holds %s", state_dir / LOCK_FILE)
            return SweepReport(skipped=True)
        _require_indices(store)
        report = SweepReport()
        if settings.sync:
            report.watches = sync_watches(store, config)
        find_and_queue(store, config, now, settings.matching, report.matching)
        # New deliveries and digest members must be searchable by the steps below.
        records.refresh(store)
        report.digests = fire_digests(store, config, now)
        if report.digests:
            records.refresh(store)
        report.delivery = deliver_due(store, config, now, settings.retry, env)
        records.refresh(store)  # so `alerts history` shows this sweep's results at once
    # An idle sweep every 10 s is not news: INFO only when it did something.
    log.log(logging.INFO if report.did_something() else logging.DEBUG, "%s", report.summary())
    return report


def _sweep_lock(state_dir: Path) -> AbstractContextManager[bool]:
    return try_exclusive_lock(state_dir / LOCK_FILE)


def _require_indices(store: SearchStore) -> None:
    for alias in (ALERTS_ALIAS, WATCHES_ALIAS, ARTICLES_ALIAS):
        if not alias_exists(store, alias):
            raise AlertsNotReady(f"{alias} does not exist; run `newswatch setup` first")


def alias_exists(store: SearchStore, alias: str) -> bool:
    # GET, not HEAD: opensearch-py answers a HEAD with True/False where the
    # Elasticsearch client raises, so only GET reads the same on both.
    return bool(store.request("GET", f"/_alias/{alias}", ignore=(404,)))
