"""The service's parts on real SQLite files and real processes, without the engine."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.config import Config, parse_config
from scheduler.service import timetable
from scheduler.service.health import HealthMonitor, SourceFlag
from scheduler.service.isolation import ChildSpec, CrawlChild
from scheduler.service.metrics import ServiceMetrics
from scheduler.service.recovery import recover_interrupted
from scheduler.service.runs import RunHistory, RunRecord, now_utc
from scheduler.service.service import ServiceScheduler

SEOUL = timetable.SEOUL


def config_with(*sources: dict[str, Any]) -> Config:
    return parse_config({"crawl": {"jitter": 0}, "sources": list(sources)})


def feed(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "feed", "urls": ["http://127.0.0.1:1/rss.xml"], **extra}


@pytest.fixture()
def make_scheduler(tmp_path: Path) -> Iterator[Any]:
    started: list[BackgroundScheduler] = []

    def make() -> BackgroundScheduler:
        store = SQLAlchemyJobStore(url=f"sqlite:///{tmp_path / 'jobs.sqlite'}")
        # The service's scheduler class: a plain BackgroundScheduler would run due
        # jobs once more while shutting down and move their next-run times.
        scheduler = ServiceScheduler(jobstores={"default": store}, timezone=SEOUL)
        scheduler.start(paused=True)  # paused: nothing fires during the test
        started.append(scheduler)
        return scheduler

    yield make
    for scheduler in started:
        if scheduler.running:
            scheduler.shutdown(wait=False)


def test_restart_keeps_next_run_times_and_reload_updates_jobs(make_scheduler: Any) -> None:
    config = config_with(feed("a", schedule={"interval": "1h"}), feed("b", schedule="0 9 * * *"))
    first = make_scheduler()
    assert timetable.reconcile(first, config).added == ["a", "b"]
    planned = {job.id: job.next_run_time for job in first.get_jobs()}
    first.shutdown(wait=False)
    time.sleep(0.05)

    second = make_scheduler()
    report = timetable.reconcile(second, config)
    assert report.kept == ["a", "b"] and not (report.added or report.changed)
    assert {job.id: job.next_run_time for job in second.get_jobs()} == planned
    job = second.get_job("b")
    assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time is None

    changed = config_with(feed("a", schedule={"interval": "2h"}), feed("c"))
    report = timetable.reconcile(second, changed)
    assert (report.changed, report.added, report.removed) == (["a"], ["c"], ["b"])
    assert report.describe() == "added c; changed a; removed b"


def test_adaptive_interval_halves_when_productive_and_grows_when_quiet(
    make_scheduler: Any,
) -> None:
    config = config_with(
        feed(
            "a",
            schedule={"interval": "60s"},
            adaptive=True,
            min_interval="20s",
            max_interval="100s",
        )
    )
    scheduler = make_scheduler()
    timetable.reconcile(scheduler, config)
    source = config.sources[0]
    steps = [
        timetable.adapt(scheduler, config, source, productive=p)
        for p in (True, True, False, False, False, False)
    ]
    assert steps == [30.0, 20.0, 30.0, 45.0, 67.5, 100.0]
    # The adapted interval lives in the persisted trigger: a restart keeps it.
    assert timetable.reconcile(scheduler, config).kept == ["a"]
    assert timetable.current_interval(scheduler, "a") == 100.0


def test_default_jitter_is_capped_at_a_tenth_of_the_period(make_scheduler: Any) -> None:
    config = parse_config(  # crawl.jitter left at its default, 30 s
        {
            "sources": [
                feed("quick", schedule={"interval": "5s"}),
                feed("hourly", schedule={"interval": "1h"}),
                feed("minutely", schedule="* * * * *"),
                feed("twice-a-day", schedule="0 9,18 * * *"),
            ]
        }
    )
    assert config.crawl.jitter == 30
    jitters = {s.name: timetable.jitter_of(config, s) for s in config.sources}
    assert jitters == {"quick": 0.5, "hourly": 30.0, "minutely": 6.0, "twice-a-day": 30.0}
    scheduler = make_scheduler()
    timetable.reconcile(scheduler, config)
    job = scheduler.get_job("quick")
    assert job.trigger.jitter == 0.5
    # The fires APScheduler plans for the next 45 s: each period counts from the
    # jittered fire before it, as in the running service.
    start = datetime.now(SEOUL)
    fire, fires = job.next_run_time, 0
    while fire < start + timedelta(seconds=45):
        fires += 1
        fire = job.trigger.get_next_fire_time(fire, fire)
    assert 7 <= fires <= 10
    assert job.next_run_time - start <= timedelta(seconds=0.5)  # a new source runs at once


def test_active_hours_window() -> None:
    at = datetime(2024, 6, 1, 12, 0, tzinfo=SEOUL)
    assert timetable.window_opening("07:00-23:00", at, 0) is None
    night = datetime(2024, 6, 1, 23, 30, tzinfo=SEOUL)
    assert timetable.window_opening("07:00-23:00", night, 0) == datetime(
        2024, 6, 2, 7, 0, tzinfo=SEOUL
    )
    # A window across midnight.
    assert timetable.window_opening("22:00-06:00", night, 0) is None
    noon = timetable.window_opening("22:00-06:00", at, 0)
    assert noon == datetime(2024, 6, 1, 22, 0, tzinfo=SEOUL)
    assert timetable.window_opening(None, at, 0) is None


def run_record(source: str, status: str, minutes_ago: float, **counts: int) -> RunRecord:
    started = now_utc() - timedelta(minutes=minutes_ago)
    return RunRecord(
        run_id=uuid.uuid4().hex,
        source=source,
        source_type="feed",
        started=started,
        trigger="schedule",
        host="test",
        status=status,  # type: ignore[arg-type]
        ended=started + timedelta(seconds=3),
        counts=dict(counts),
        last_error=None if status == "ok" else f"{status} on purpose",
    )


def record(history: RunHistory, run: RunRecord) -> None:
    status, run.status = run.status, "running"
    history.begin(run)
    run.status = status
    history.finish(run)


def test_failing_and_stale_flags_fire_listeners_on_transitions(tmp_path: Path) -> None:
    history = RunHistory(tmp_path / "runs.sqlite")
    health = HealthMonitor(history, ServiceMetrics(), failures_before_flag=3)
    seen: list[SourceFlag] = []
    health.add_listener(seen.append)
    health.add_listener(lambda flag: 1 / 0)  # a broken listener harms nobody
    record(history, run_record("a", "ok", 100, extracted=2))
    for minutes in (30, 20, 10):
        record(history, run_record("a", "timeout", minutes))
    flags = health.evaluate("a", stale_after=3 * 3600, now=now_utc())
    assert set(flags) == {"failing"} and "3 failed runs in a row" in flags["failing"]
    assert health.evaluate("a", stale_after=3 * 3600, now=now_utc()) == flags  # no repeat
    assert [(f.reason, f.raised) for f in seen] == [("failing", True)]
    record(history, run_record("a", "ok", 1))  # succeeds, but finds nothing new
    flags = health.evaluate("a", stale_after=3600, now=now_utc())
    assert set(flags) == {"stale"}  # last new page 100 minutes ago, limit 60
    assert [(f.reason, f.raised) for f in seen][1:] == [("stale", True), ("failing", False)]


def test_runs_left_running_are_recorded_interrupted(tmp_path: Path) -> None:
    history = RunHistory(tmp_path / "runs.sqlite")
    lost = run_record("a", "running", 1)
    history.begin(lost)
    history.set_pid(lost.run_id, 999_999_999)  # no such process: nothing to stop
    (recovered,) = recover_interrupted(history, grace=1)
    assert recovered.run_id == lost.run_id
    (stored,) = history.runs_of("a")
    assert stored.status == "interrupted" and "in progress" in (stored.last_error or "")
    assert [r.run_id for r in history.unshipped(10)] == [lost.run_id]


def test_a_crawl_process_that_crashes_is_recorded_as_crashed(tmp_path: Path) -> None:
    spec = ChildSpec(
        config_file=tmp_path / "missing.yaml",
        result_file=tmp_path / "r.json",
        source="a",
        log_format="json",
        stop_timeout=2,
    )
    outcome = CrawlChild(spec).wait(60, threading.Event(), 2)
    assert outcome.status == "crashed" and outcome.exit_code == 3
    assert "missing.yaml: config file not found" in (outcome.error or "")


def test_a_crawl_process_killed_by_a_signal_is_recorded_as_crashed(tmp_path: Path) -> None:
    spec = ChildSpec(
        config_file=tmp_path / "c.yaml",
        result_file=tmp_path / "r.json",
        source="a",
        log_format="text",
        stop_timeout=2,
    )
    child = CrawlChild(spec)
    os.kill(child.pid, signal.SIGKILL)
    outcome = child.wait(60, threading.Event(), 2)
    assert outcome.status == "crashed" and "killed by signal 9" in (outcome.error or "")
