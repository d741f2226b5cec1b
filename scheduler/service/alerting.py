"""The service's side of alerting: sweeps on a short interval and right after
each crawl, and source-health flags sent through the configured channels.

A sweep or a notification that fails is logged and retried by the next tick;
it never stops the timetable. An unreachable engine is told once, when the
outage starts and ends (EngineOutage); a missing alias once until it exists.
Each sweep's deliveries (sent, failed, deferred, uncertain) and the queue left behind go
to the service's metrics.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import suppress

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler

from crawler.config import Config, SearchConfig
from crawler.engine.client import EngineError, EngineUnreachable, SearchStore
from scheduler.alerts import records
from scheduler.alerts.message import Item, Message, plain_snippet
from scheduler.alerts.notifiers import DeliveryError, build_notifier
from scheduler.alerts.sweep import AlertsNotReady, SweepReport, run_sweep
from scheduler.service.health import SourceFlag
from scheduler.service.metrics import ServiceMetrics
from scheduler.service.outage import EngineOutage
from scheduler.service.runs import now_utc

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "alert-sweep"
# Every 10 s: with a crawl-triggered sweep on top, a new match is delivered well
# within the 20 s the product promises (`make bench-alerts` measures p95 ~7 s).
SWEEP_SECONDS = 10.0


class AlertSweeper:
    def __init__(
        self,
        config: Callable[[], Config],
        metrics: ServiceMetrics | None = None,
        outage: EngineOutage | None = None,
    ) -> None:
        self._config = config
        self._metrics = metrics
        self._outage = outage or EngineOutage()
        self._store: SearchStore | None = None
        self._store_settings: SearchConfig | None = None
        self._lock = threading.Lock()
        self._said_not_ready = False

    def install(self, scheduler: BaseScheduler) -> None:
        scheduler.add_job(
            self.sweep,
            "interval",
            seconds=SWEEP_SECONDS,
            id=SWEEP_JOB_ID,
            jobstore="volatile",
            max_instances=1,
            coalesce=True,
        )

    def kick(self, scheduler: BaseScheduler) -> None:
        """Sweep now (after a crawl indexed something) rather than at the next tick."""
        with suppress(JobLookupError):  # the job is gone while shutting down
            scheduler.modify_job(SWEEP_JOB_ID, jobstore="volatile", next_run_time=now_utc())

    def sweep(self) -> None:
        config = self._config()
        if not config.watches:
            return
        try:
            store = self._connect(config)
            report = run_sweep(store, config, config.crawl.state_dir)
            queued = records.count_queued(store)
        except AlertsNotReady as exc:
            self._outage.reached()
            if not self._said_not_ready:
                log.warning("alert sweep: %s (said once until it is fixed)", exc)
            self._said_not_ready = True
        except EngineUnreachable as exc:
            self._outage.failed("alert sweep", exc)
            self._drop_store()
        except EngineError as exc:
            log.warning("alert sweep: %s; retrying at the next tick", exc)
            self._drop_store()
        else:
            self._outage.reached()
            self._said_not_ready = False
            self._observe(report, queued)

    def _observe(self, report: SweepReport, queued: int) -> None:
        if self._metrics is None or report.skipped:
            return
        d = report.delivery
        self._metrics.observe_deliveries(d.sent, d.failed, d.deferred, d.uncertain, queued)

    def notify_flag(self, flag: SourceFlag) -> None:
        """Tell the `crawl.health_notify` channels that a source went stale/failing or recovered."""
        config = self._config()
        state = f"is {flag.reason}" if flag.raised else f"is no longer {flag.reason}"
        message = Message(
            key=f"health-{flag.source}-{flag.reason}-{int(flag.at.timestamp())}",
            watch="source health",
            items=(
                Item(
                    title=f"source {flag.source} {state}",
                    url="",
                    outlet=None,
                    published=flag.at,
                    snippet=plain_snippet(flag.detail),
                ),
            ),
        )
        for name in config.crawl.health_notify:
            settings = config.notifiers.get(name)
            if settings is None:
                continue
            try:
                build_notifier(name, settings).send(message)
            except DeliveryError as exc:
                log.warning("health notification through %s failed: %s", name, exc)

    def close(self) -> None:
        self._drop_store()

    def _connect(self, config: Config) -> SearchStore:
        with self._lock:
            if self._store is None or self._store_settings != config.search:
                self._drop_store()
                self._store = SearchStore.connect(config.search)
                self._store_settings = config.search
            return self._store

    def _drop_store(self) -> None:
        if self._store is not None:
            self._store.close()
        self._store = None
