"""Tables a person reads fit 80 columns without "…" and give their times in KST, labelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from crawler.config import parse_config
from scheduler.cli import main
from scheduler.cli.commands.common import kst, narrow_table
from scheduler.service.runs import RunHistory, RunRecord
from scheduler.service.settings import ServicePaths

LONG_ERROR = (
    "the service stopped (killed or crashed) while this run was in progress at "
    "https://www.example-outlet.co.kr/rss/allArticle.xml?section=smart-city"
)


def test_kst_is_short_and_names_the_year_only_when_it_differs() -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    assert kst(datetime(2026, 12, 2, 15, 4, tzinfo=UTC), now=now) == "12-03 00:04"
    assert kst(datetime(2025, 6, 1, 3, 0, tzinfo=UTC), now=now) == "2025-06-01 12:00"
    assert kst(None) == ""


def test_narrow_table_labels_time_columns_and_keeps_times_whole() -> None:
    table = narrow_table("source", "last run (KST)", whole=("source",))
    assert [c.header for c in table.columns] == ["source", "last run\n(KST)"]
    assert [c.no_wrap for c in table.columns] == [True, True]


def test_status_fits_80_columns_with_kst_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    raw = {
        "crawl": {"state_dir": str(tmp_path / "state")},
        "sources": [
            {
                "name": "seoul-metropolitan-press-releases",
                "type": "feed",
                "urls": ["https://www.example-outlet.co.kr/rss/allArticle.xml"],
                "schedule": "5 9-19 * * mon-fri",
            }
        ],
    }
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    paths = ServicePaths.of(parse_config(raw))
    paths.ensure()
    started = datetime(2026, 12, 2, 14, 55, tzinfo=UTC)
    run = RunRecord(
        run_id="r1",
        source="seoul-metropolitan-press-releases",
        source_type="feed",
        started=started,
        trigger="schedule",
        host="test",
    )
    history = RunHistory(paths.runs_db)
    history.begin(run)
    run.status, run.ended = "interrupted", started + timedelta(seconds=42)
    run.counts, run.last_error = {"new": 3, "fetched": 120}, LONG_ERROR
    history.finish(run)
    history.close()

    assert main(["--config", str(path), "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # The table fits; the error line under it is one line for the terminal to wrap.
    table = [line for line in lines if not line.startswith("seoul-metropolitan-press-releases:")]
    assert len(table) > 2 and all(len(line) <= 80 for line in table), lines
    text = "\n".join(lines)
    assert "…" not in text and "(KST)" in text
    assert kst(started) in text  # 23:55 KST on 12-02, not the UTC 14:55
    assert "seoul-metropolitan-press-releases" in text  # whole, not folded
    assert "interrupted" in text and "in 42 s" in text and "3 new, 120" in text
    assert f"seoul-metropolitan-press-releases: {LONG_ERROR}" in lines
