"""One scheduled run of one source: wait for a slot, run the child, record everything.

Called from APScheduler's worker threads (one thread per running job). The
order matters for crash safety: the run is inserted as `running` before the
child starts and finished after it ends, both in the local history, before
anything is sent to the engine.
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler

from crawler.config import Config, Source
from scheduler.service import timetable
from scheduler.service.health import HealthMonitor
from scheduler.service.isolation import ChildOutcome, ChildSpec, CrawlChild
from scheduler.service.metrics import ServiceMetrics
from scheduler.service.runs import WORKED, RunHistory, RunRecord, now_utc
from scheduler.service.settings import ServicePaths, run_timeout, stale_after
from scheduler.service.shipping import RunShipper

log = logging.getLogger(__name__)

# How often a thread waiting for a slot rechecks for shutdown.
SLOT_RECHECK_SECONDS = 0.5


class Slots:
    """A semaphore for crawls at once: resizable at reload, abandoned at shutdown."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._used = 0
        self._cond = threading.Condition()

    @property
    def used(self) -> int:
        return self._used

    def resize(self, size: int) -> None:
        with self._cond:
            self._size = size
            self._cond.notify_all()

    @contextmanager
    def hold(self, stop: threading.Event) -> Iterator[bool]:
        """Yields True with a slot held, or False when the service stops first."""
        with self._cond:
            while self._used >= self._size and not stop.is_set():
                self._cond.wait(SLOT_RECHECK_SECONDS)
            got = not stop.is_set()
            if got:
                self._used += 1
        try:
            yield got
        finally:
            if got:
                with self._cond:
                    self._used -= 1
                    self._cond.notify_all()


@dataclass
class Snapshot:
    """The accepted config and the file children read it from (unchanged by later edits)."""

    config: Config
    config_file: Path


class RunExecutor:
    def __init__(
        self,
        *,
        snapshot: Callable[[], Snapshot],
        scheduler: BaseScheduler,
        history: RunHistory,
        metrics: ServiceMetrics,
        health: HealthMonitor,
        shipper: RunShipper,
        paths: ServicePaths,
        stop: threading.Event,
        slots: Slots,
        on_finished: Callable[[RunRecord], None] | None = None,
    ) -> None:
        self._snapshot = snapshot
        self._scheduler = scheduler
        self._history = history
        self._metrics = metrics
        self._health = health
        self._shipper = shipper
        self._paths = paths
        self._stop = stop
        self._slots = slots
        self._on_finished = on_finished
        self._host = socket.gethostname()
        self._active = 0
        self._idle = threading.Condition()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job thread is inside `run_source`; False at the timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def run_source(self, name: str) -> None:
        with self._idle:
            self._active += 1
        try:
            self._run_source(name)
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def _run_source(self, name: str) -> None:
        snap = self._snapshot()
        source = next((s for s in snap.config.sources if s.name == name and s.enabled), None)
        if source is None or self._stop.is_set():
            return
        if self._defer_outside_window(source, snap.config):
            return
        with self._slots.hold(self._stop) as got:
            if not got:
                return
            run = self._run_child(source, snap)
        self._after(run, source, snap.config)

    def _defer_outside_window(self, source: Source, config: Config) -> bool:
        jitter = timetable.jitter_of(config, source)
        opening = timetable.window_opening(source.active_hours, now_utc(), jitter)
        if opening is None:
            return False
        self._metrics.skipped.labels(source.name, "inactive_hours").inc()
        with suppress(JobLookupError):
            self._scheduler.modify_job(source.name, jobstore="default", next_run_time=opening)
        log.info(
            "source %s is outside its active hours %s; next run at %s",
            source.name,
            source.active_hours,
            opening.isoformat(timespec="seconds"),
        )
        return True

    def _run_child(self, source: Source, snap: Snapshot) -> RunRecord:
        run = RunRecord(
            run_id=uuid.uuid4().hex,
            source=source.name,
            source_type=source.type,
            started=now_utc(),
            trigger="schedule",
            host=self._host,
        )
        self._history.begin(run)
        spec = ChildSpec(
            config_file=snap.config_file,
            result_file=self._paths.results / f"{run.run_id}.json",
            source=source.name,
            log_format=snap.config.crawl.log_format,
            stop_timeout=snap.config.crawl.stop_timeout,
        )
        self._metrics.running.inc()
        try:
            outcome = self._spawn_and_wait(
                spec, run, run_timeout(snap.config, source), snap.config.crawl.stop_timeout
            )
        finally:
            self._metrics.running.dec()
        run.ended, run.status, run.exit_code = now_utc(), outcome.status, outcome.exit_code
        result = outcome.result or {}
        run.counts = {k: int(v) for k, v in (result.get("counts") or {}).items()}
        run.errors_by_kind = {k: int(v) for k, v in (result.get("errors_by_kind") or {}).items()}
        run.failures = list(result.get("failures") or [])
        run.last_error = outcome.error
        if outcome.kill_latency is not None:
            log.info(
                "run %s of %s stopped %.2f s after the first signal",
                run.run_id,
                source.name,
                outcome.kill_latency,
            )
        if isinstance(result.get("spool_pending"), int):
            self._metrics.spool.set(result["spool_pending"])
        self._history.finish(run)
        return run

    def _spawn_and_wait(
        self, spec: ChildSpec, run: RunRecord, timeout: float, stop_grace: float
    ) -> ChildOutcome:
        try:
            child = CrawlChild(spec)
        except OSError as exc:
            return ChildOutcome("crashed", None, None, f"cannot start the crawl process: {exc}")
        self._history.set_pid(run.run_id, child.pid)
        log.info("run %s of %s started (pid %d)", run.run_id, spec.source, child.pid)
        return child.wait(timeout, self._stop, stop_grace)

    def _after(self, run: RunRecord, source: Source, config: Config) -> None:
        log.info(
            "run %s of %s: %s in %.1f s, %s",
            run.run_id,
            run.source,
            run.status,
            run.duration or 0.0,
            run.counts or "no counts",
            extra={"run_id": run.run_id, "source": run.source, "status": run.status},
        )
        self._metrics.observe(run)
        flags = self._health.evaluate(source.name, stale_after(config, source), now_utc())
        interval = None
        if not self._stop.is_set():
            if run.status in WORKED:
                productive = run.counts.get("extracted", 0) > 0
                interval = timetable.adapt(self._scheduler, config, source, productive=productive)
            else:
                interval = timetable.current_interval(self._scheduler, source.name)
        if interval is not None:
            self._metrics.interval.labels(source.name).set(interval)
        self._history.save_state(source.name, interval, sorted(flags))
        if not self._stop.is_set():
            self._shipper.ship()
            if self._on_finished is not None:
                self._on_finished(run)
