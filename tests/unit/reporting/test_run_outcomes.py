"""Run outcomes in the run history: failed URLs kept, `partial` counted as working,
old histories upgraded, manual crawls recorded (scheduler.service.runs and .manual)."""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from crawler.config import Config
from crawler.reporting.summary import CrawlSummary, SourceOutcome
from scheduler.service.manual import ManualRuns
from scheduler.service.runs import RunHistory, RunRecord, RunStatus, now_utc

FAILURE = {"url": "http://127.0.0.1:1/rss.xml", "reason": "refused", "message": "refused"}


def finished_run(source: str, status: RunStatus, minutes_ago: int) -> RunRecord:
    started = now_utc() - timedelta(minutes=minutes_ago)
    return RunRecord(
        uuid.uuid4().hex, source, "feed", started, "schedule", "test", status=status,
        ended=started + timedelta(seconds=2), counts={"extracted": 1},
        failures=[FAILURE] if status != "ok" else [],
    )  # fmt: skip


def test_failures_are_kept_and_a_partial_run_ends_a_failure_streak(tmp_path: Path) -> None:
    history = RunHistory(tmp_path / "runs.sqlite")
    for status, minutes in (("failed", 30), ("partial", 20), ("failed", 10), ("failed", 5)):
        run = finished_run("a", status, minutes)  # type: ignore[arg-type]
        history.begin(run)
        history.finish(run)
    latest = history.latest("a")
    assert latest is not None and latest.failures == [FAILURE]
    assert latest.to_document()["failures"] == [FAILURE]
    assert history.consecutive_failures("a", window=10) == 2  # the partial run worked
    assert history.last_productive("a") is not None  # ... and extracted a page


def test_an_old_history_gains_the_failures_column(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    with sqlite3.connect(path) as db:  # the schema before runs kept their failed URLs
        db.execute(
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, source TEXT NOT NULL,"
            " source_type TEXT NOT NULL, started TEXT NOT NULL, ended TEXT, status TEXT NOT NULL,"
            " trigger TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER, exit_code INTEGER,"
            " counts TEXT NOT NULL DEFAULT '{}', errors_by_kind TEXT NOT NULL DEFAULT '{}',"
            " last_error TEXT, shipped INTEGER NOT NULL DEFAULT 0)"
        )
        db.execute(
            "INSERT INTO runs (run_id, source, source_type, started, status, trigger, host)"
            " VALUES ('old', 'a', 'feed', ?, 'ok', 'schedule', 'test')",
            (now_utc().isoformat(),),
        )
    reader = RunHistory(path, readonly=True)
    old = reader.latest("a")
    reader.close()
    assert old is not None and old.failures == [] and "failures" not in old.to_document()
    writer = RunHistory(path)
    run = finished_run("a", "failed", 0)
    writer.begin(run)
    writer.finish(run)
    assert writer.latest("a") == run


def test_a_manual_crawl_is_recorded_per_source(tmp_path: Path) -> None:
    config = Config.model_validate(
        {
            "crawl": {"state_dir": str(tmp_path)},
            "sources": [
                {"name": n, "type": "feed", "urls": [f"https://{n}.example/rss.xml"]}
                for n in ("good", "bad")
            ],
        }
    )
    runs = ManualRuns(config, config.sources)
    history = RunHistory(tmp_path / "service" / "runs.sqlite", readonly=True)
    assert {r.source: r.status for r in history.unfinished()} == {
        "good": "running",
        "bad": "running",
    }
    summary = CrawlSummary(sources=["good", "bad"], counts=Counter())
    summary.outcomes["good"] = SourceOutcome("good", "finished", fetched=3)
    summary.outcomes["bad"] = SourceOutcome("bad", "finished", failed=1, failures=[FAILURE])
    runs.finish(summary)
    good, bad = history.latest("good"), history.latest("bad")
    assert good is not None and (good.status, good.trigger, good.exit_code) == ("ok", "manual", 0)
    assert bad is not None and (bad.status, bad.exit_code) == ("failed", 1)
    assert bad.failures == [FAILURE] and bad.last_error == "1 of 1 fetches failed: refused"
    history.close()
