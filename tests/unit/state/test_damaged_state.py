"""A damaged SQLite file under state_dir: one line naming it and how to rebuild, exit 1.

`crawl` is covered end to end in tests/e2e/test_crawl_state_faults.py; here the
service's own stores, for `status` and `run`, which need no engine to fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]


def newswatch(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_SEARCH_URL="http://127.0.0.1:9")
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,  # the service refuses to start at once; a minute means it hangs
        check=False,
    )


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "newswatch.yaml"
    feed = {"name": "x", "type": "feed", "urls": ["http://127.0.0.1:9/rss.xml"]}
    settings = {"crawl": {"state_dir": str(tmp_path / "state")}, "sources": [feed]}
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


def damage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database, a stray write " * 200)


@pytest.mark.parametrize(
    ("name", "command", "rebuild"),
    [
        ("runs.sqlite", "status", "the service starts a new history"),
        ("jobs.sqlite", "status", "builds the timetable again from the config"),
        ("runs.sqlite", "run", "the service starts a new history"),
        ("jobs.sqlite", "run", "builds the timetable again from the config"),
    ],
)
def test_a_damaged_service_store_is_one_named_line(
    config: Path, name: str, command: str, rebuild: str
) -> None:
    store = config.parent / "state" / "service" / name
    damage(store)
    result = newswatch(config, command)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    [line] = [x for x in result.stderr.splitlines() if str(store) in x]
    assert f"{store} is damaged" in line and f"{name}-wal" in line and rebuild in line
