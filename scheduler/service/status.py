"""`newswatch status` data: read from the local state only, so it works with the engine down."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.config import Config
from crawler.engine.spool import Spool
from crawler.state.sqlite import check_store
from scheduler.service.control import is_locked, read_info
from scheduler.service.runs import RunHistory, RunRecord
from scheduler.service.settings import ServicePaths, job_store_url


@dataclass
class SourceStatus:
    name: str
    enabled: bool
    schedule: str
    last_run: RunRecord | None
    last_error: str | None
    next_run: datetime | None
    interval_seconds: float | None
    flags: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        last = self.last_run
        return {
            "name": self.name,
            "enabled": self.enabled,
            "schedule": self.schedule,
            "last_run": last.to_document() if last else None,
            "last_error": self.last_error,
            "next_run": self.next_run.isoformat() if self.next_run else None,
            "interval_seconds": self.interval_seconds,
            "flags": self.flags,
        }


@dataclass
class StatusReport:
    running: bool
    pid: int | None
    spool_pending: int
    sources: list[SourceStatus]
    # Actions the engine refused for good, kept in spool/rejected/ (`newswatch spool retry`).
    spool_rejected: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "service": {"running": self.running, "pid": self.pid},
            "spool_pending": self.spool_pending,
            "spool_rejected": self.spool_rejected,
            "sources": [s.to_json() for s in self.sources],
        }


def collect_status(config: Config) -> StatusReport:
    paths = ServicePaths.of(config)
    running = is_locked(paths)
    info = read_info(paths.info) if running else None
    next_runs = _next_runs(config, paths)
    history = RunHistory(paths.runs_db, readonly=True) if paths.runs_db.exists() else None
    try:
        sources = [_source_status(s, history, next_runs) for s in config.sources]
    finally:
        if history is not None:
            history.close()
    spool = Spool(paths.spool) if paths.spool.exists() else None
    return StatusReport(
        running,
        info.get("pid") if info else None,
        spool.pending() if spool else 0,
        sources,
        spool_rejected=spool.rejected() if spool else 0,
    )


def _source_status(
    source: Any, history: RunHistory | None, next_runs: dict[str, datetime | None]
) -> SourceStatus:
    schedule = (
        source.schedule
        if isinstance(source.schedule, str)
        else (f"every {source.schedule.interval}")
    )
    last = history.latest(source.name) if history else None
    failed = (
        history.last_with_status(
            source.name, ("failed", "partial", "timeout", "crashed", "interrupted")
        )
        if history
        else None
    )
    interval, flags = history.state_of(source.name) if history else (None, [])
    return SourceStatus(
        name=source.name,
        enabled=source.enabled,
        schedule=schedule,
        last_run=last,
        last_error=failed.last_error if failed else None,
        next_run=next_runs.get(source.name),
        interval_seconds=interval,
        flags=flags,
    )


def _next_runs(config: Config, paths: ServicePaths) -> dict[str, datetime | None]:
    """Next run times straight from the job store's table (no unpickling, no scheduler)."""
    url = job_store_url(config)
    if url.startswith("sqlite:///"):
        if not paths.jobs_db.exists():
            return {}
        check_store(paths.jobs_db, paths.JOBS_REBUILD)
        with sqlite3.connect(f"file:{paths.jobs_db}?mode=ro", uri=True) as db:
            try:
                rows = db.execute("SELECT id, next_run_time FROM apscheduler_jobs").fetchall()
            except sqlite3.OperationalError:
                return {}
    else:
        rows = _next_runs_sqlalchemy(url)
    return {str(i): datetime.fromtimestamp(t, UTC) if t is not None else None for i, t in rows}


def _next_runs_sqlalchemy(url: str) -> list[tuple[Any, Any]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            result = connection.execute(text("SELECT id, next_run_time FROM apscheduler_jobs"))
            return [(row[0], row[1]) for row in result]
    finally:
        engine.dispose()
