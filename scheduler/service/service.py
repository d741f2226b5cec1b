"""The service's lifecycle: start, serve, reload on SIGHUP, stop on SIGTERM/SIGINT."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import threading
import time
from pathlib import Path
from types import FrameType

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from crawler.config import Config, ConfigError, config_path, load_config
from crawler.engine.doctor import describe_listen_error
from crawler.engine.spool import Spool
from crawler.state.sqlite import check_store
from crawler.vocabulary import SEOUL
from scheduler.service import jobs, timetable
from scheduler.service.alerting import AlertSweeper
from scheduler.service.control import ServiceError, ServiceLock, record_reload, write_json
from scheduler.service.execute import RunExecutor, Slots, Snapshot
from scheduler.service.health import FlagListener, HealthMonitor
from scheduler.service.metrics import MetricsServer, ServiceMetrics
from scheduler.service.outage import EngineOutage
from scheduler.service.recovery import recover_interrupted
from scheduler.service.runs import RunHistory, now_utc
from scheduler.service.settings import ServicePaths, job_store_url, stale_after
from scheduler.service.shipping import RunShipper

log = logging.getLogger(__name__)

# Worker threads for jobs. Each running job is one thread waiting on a child (or
# on a crawl slot), so this bounds sources *due* at once, not crawls at once
# (crawl.max_concurrent_crawls does that); 64 is more sources than any config has.
JOB_THREADS = 64
# Stale checks, spool depth and run shipping between runs: every 30 s.
HOUSEKEEPING_SECONDS = 30.0
# Main loop tick: how soon a signal's request is acted on.
TICK_SECONDS = 0.2
# Beyond crawl.stop_timeout, time for job threads to record their runs after their
# children are gone (a few SQLite writes).
STOP_MARGIN = 5.0
# Settings read once at start; changing them needs a restart.
RESTART_ONLY = ("state_dir", "job_store_url", "metrics_host", "metrics_port", "log_format")


class ServiceScheduler(BackgroundScheduler):  # type: ignore[misc]  # apscheduler is untyped
    """APScheduler 3.11's loop looks for due jobs once more after `shutdown()` (it checks
    the state only after that look) and logs an error submitting them to the executor
    it just shut down; a stopped scheduler here just stops."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait: float | None = super()._process_jobs()
        return wait


class Service:
    def __init__(self, config_file: str | Path | None = None) -> None:
        self._config_file = config_file
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._listeners: list[FlagListener] = []

    def add_flag_listener(self, listener: FlagListener) -> None:
        """Called when a source is flagged stale/failing or cleared (for scheduler/alerts/)."""
        self._listeners.append(listener)

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT; 0 after a clean stop. ConfigError for a bad config."""
        self._install_signals()
        config, raw = self._load()
        paths = ServicePaths.of(config)
        paths.ensure()
        lock = ServiceLock(paths)
        lock.acquire()
        try:
            self._serve(config, raw, paths)
        finally:
            lock.release()
        return 0

    # -- start -------------------------------------------------------------------
    def _load(self) -> tuple[Config, bytes]:
        path, _ = config_path(self._config_file)
        config = load_config(self._config_file)
        try:
            raw = path.read_bytes()
        except OSError:
            raw = b""  # no file: all defaults, which load_config accepted
        return config, raw

    def _snapshot_file(self, paths: ServicePaths, raw: bytes) -> Path:
        """The accepted config, frozen: children read this, not the file being edited."""
        target = paths.configs / f"config-{hashlib.sha1(raw).hexdigest()[:12]}.yaml"
        if not target.exists():
            temporary = target.with_name(f".{target.name}.tmp")
            temporary.write_bytes(raw)
            os.replace(temporary, target)
        return target

    def _serve(self, config: Config, raw: bytes, paths: ServicePaths) -> None:
        history = RunHistory(paths.runs_db)
        check_store(paths.jobs_db, paths.JOBS_REBUILD)  # APScheduler would fail with a traceback
        recover_interrupted(history, config.crawl.stop_timeout)
        metrics = ServiceMetrics()
        # Bound before anything runs: a taken port stops the start with a clear error.
        server = self._open_metrics(config, metrics)
        health = HealthMonitor(history, metrics, config.crawl.failures_before_flag)
        outage = EngineOutage()
        sweeper = AlertSweeper(lambda: self._snap.config, metrics, outage)
        health.add_listener(sweeper.notify_flag)
        for listener in self._listeners:
            health.add_listener(listener)
        self._seed_metrics(config, history, metrics, paths)
        shipper = RunShipper(history, config.search, outage)
        self._snap = Snapshot(config, self._snapshot_file(paths, raw))
        self._slots = Slots(config.crawl.max_concurrent_crawls)
        scheduler = self._scheduler = self._build_scheduler(config, metrics)
        executor = RunExecutor(
            snapshot=lambda: self._snap,
            scheduler=scheduler,
            history=history,
            metrics=metrics,
            health=health,
            shipper=shipper,
            paths=paths,
            stop=self._stop,
            slots=self._slots,
            # A crawl that indexed something is swept at once, not at the next tick.
            on_finished=lambda run: sweeper.kick(scheduler) if run.counts.get("new") else None,
        )
        self._executor = executor
        jobs.bind(executor)
        scheduler.start(paused=True)
        log.info("timetable: %s", timetable.reconcile(scheduler, config).describe())
        scheduler.add_job(
            self._housekeeping,
            "interval",
            seconds=HOUSEKEEPING_SECONDS,
            args=(history, health, metrics, shipper, paths),
            id="housekeeping",
            jobstore="volatile",
            max_instances=1,
            coalesce=True,
        )
        sweeper.install(scheduler)
        scheduler.resume()
        if server is not None:
            server.start()
        write_json(
            paths.info,
            {
                "pid": os.getpid(),
                "started": now_utc().isoformat(),
                "config": str(config_path(self._config_file)[0]),
                "metrics_port": server.port if server else None,
            },
        )
        log.info(
            "newswatch service started (pid %d): %d sources, metrics %s",
            os.getpid(),
            len(scheduler.get_jobs(jobstore="default")),
            f"on {config.crawl.metrics_host}:{server.port}" if server else "off",
        )
        try:
            self._loop(paths)
        finally:
            self._shutdown(shipper, server, history, paths)
            sweeper.close()

    def _build_scheduler(self, config: Config, metrics: ServiceMetrics) -> BackgroundScheduler:
        scheduler = ServiceScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(url=job_store_url(config)),
                "volatile": MemoryJobStore(),
            },
            executors={"default": ThreadPoolExecutor(JOB_THREADS)},
            timezone=SEOUL,
        )

        def skipped(event: JobEvent) -> None:
            reason = "still_running" if event.code == EVENT_JOB_MAX_INSTANCES else "missed"
            metrics.skipped.labels(event.job_id, reason).inc()

        scheduler.add_listener(skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        return scheduler

    def _seed_metrics(
        self, config: Config, history: RunHistory, metrics: ServiceMetrics, paths: ServicePaths
    ) -> None:
        for source in config.sources:
            last = history.last_with_status(source.name, ("ok",))
            if last is not None and last.ended is not None:
                metrics.last_success.labels(source.name).set(last.ended.timestamp())
        metrics.spool.set(Spool(paths.spool).pending())

    def _open_metrics(self, config: Config, metrics: ServiceMetrics) -> MetricsServer | None:
        host, port = config.crawl.metrics_host, config.crawl.metrics_port
        if port is None:
            return None
        try:
            return MetricsServer(metrics, self._healthy, host, port)
        except OSError as exc:
            raise ServiceError(
                f"crawl.metrics_port {port} on {host}: {describe_listen_error(exc)}"
            ) from None

    def _healthy(self) -> tuple[bool, str]:
        if self._stop.is_set():
            return False, "stopping"
        if not self._scheduler.running:
            return False, "scheduler not running"
        return True, f"ok: {len(self._scheduler.get_jobs())} jobs, {self._slots.used} running"

    # -- serve -------------------------------------------------------------------
    def _install_signals(self) -> None:
        signal.signal(signal.SIGTERM, self._on_stop_signal)
        signal.signal(signal.SIGINT, self._on_stop_signal)
        signal.signal(signal.SIGHUP, lambda *_: self._reload.set())

    def _on_stop_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop.set()

    def _loop(self, paths: ServicePaths) -> None:
        while not self._stop.wait(TICK_SECONDS):
            if self._reload.is_set():
                self._reload.clear()
                self.reload(paths)

    def reload(self, paths: ServicePaths) -> None:
        """Apply a changed config, or keep the running timetable and say why not."""
        try:
            config, raw = self._load()
        except ConfigError as exc:
            log.error("reload rejected, the running timetable is kept: %s", exc)
            record_reload(paths, False, f"rejected, the running timetable is kept: {exc}")
            return
        old = self._snap.config
        stays = [
            f"crawl.{name}"
            for name in RESTART_ONLY
            if getattr(old.crawl, name) != getattr(config.crawl, name)
        ]
        self._snap = Snapshot(config, self._snapshot_file(paths, raw))
        self._slots.resize(config.crawl.max_concurrent_crawls)
        report = timetable.reconcile(self._scheduler, config)
        message = report.describe()
        if stays:
            message += f"; {', '.join(stays)} changed but only take effect at the next start"
        log.info("config reloaded: %s", message)
        record_reload(paths, True, message)

    def _housekeeping(
        self,
        history: RunHistory,
        health: HealthMonitor,
        metrics: ServiceMetrics,
        shipper: RunShipper,
        paths: ServicePaths,
    ) -> None:
        config = self._snap.config
        for source in config.sources:
            if source.enabled:
                flags = health.evaluate(source.name, stale_after(config, source), now_utc())
                interval, _ = history.state_of(source.name)
                history.save_state(source.name, interval, sorted(flags))
        metrics.spool.set(Spool(paths.spool).pending())
        shipper.ship()

    # -- stop --------------------------------------------------------------------
    def _shutdown(
        self,
        shipper: RunShipper,
        server: MetricsServer | None,
        history: RunHistory,
        paths: ServicePaths,
    ) -> None:
        started = time.monotonic()
        self._stop.set()
        log.info(
            "stopping: no new runs; %d running crawls get up to %g s",
            self._slots.used,
            self._snap.config.crawl.stop_timeout,
        )
        self._scheduler.pause()
        # Job threads stop their children themselves (SIGTERM, SIGKILL at the deadline)
        # and record the runs; waiting for them is bounded by crawl.stop_timeout.
        if not self._executor.wait_idle(self._snap.config.crawl.stop_timeout + STOP_MARGIN):
            log.error(
                "some runs did not finish recording in time; they will be marked "
                "interrupted at the next start"
            )
        self._scheduler.shutdown(wait=False)
        jobs.bind(None)
        shipper.ship(quick=True)
        if server is not None:
            server.stop()
        history.close()
        paths.info.unlink(missing_ok=True)
        log.info("stopped in %.1f s", time.monotonic() - started)
