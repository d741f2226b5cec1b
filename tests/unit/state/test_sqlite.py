"""The SQLite stores that concurrent crawl processes share in `state_dir`."""

from __future__ import annotations

import errno
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from crawler.state.seen import SeenStore
from crawler.state.sqlite import StateError, check_store, is_disk_full, open_store

# Processes opening one fresh store at the same instant, and how many times. Without
# the lock in `open_store`, 22 of 4 x 200 processes failed with "database is locked"
# (in 20 of 200 rounds); 80 rounds all pass by luck about 1 time in 5,000.
PROCESSES, ROUNDS = 4, 80
_SCHEMA = "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT);"


def _open_at_once(path: str, start: multiprocessing.synchronize.Barrier) -> None:
    start.wait(timeout=30)
    db = open_store(Path(path), _SCHEMA, rebuild="test")
    db.execute("INSERT OR REPLACE INTO t VALUES ('k', 'v')")
    db.close()


def test_processes_opening_a_fresh_store_together_all_succeed(tmp_path: Path) -> None:
    forking = multiprocessing.get_context("fork")
    failures = []
    for round_no in range(ROUNDS):
        path = tmp_path / f"store-{round_no}.sqlite"
        start = forking.Barrier(PROCESSES)
        workers = [
            forking.Process(target=_open_at_once, args=(str(path), start)) for _ in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        failures += [(round_no, w.exitcode) for w in workers if w.exitcode != 0]
    assert not failures, f"(round, exit code) of processes that failed to open: {failures}"


def test_open_store_uses_wal_and_creates_the_schema(tmp_path: Path) -> None:
    db = open_store(tmp_path / "sub" / "s.sqlite", _SCHEMA, rebuild="test")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    db.close()


def damage(path: Path) -> None:
    """Overwrite the SQLite header and the first pages, as a bad disk or a stray write would."""
    with path.open("r+b") as handle:
        handle.write(b"\x00garbage" * 1000)


def test_a_damaged_store_is_named_with_what_rebuilding_costs(tmp_path: Path) -> None:
    path = tmp_path / "seen.sqlite"
    with SeenStore(path) as seen:
        seen.mark("https://news.example/1", doc_id="d", content_hash="h")
    damage(path)
    with pytest.raises(StateError) as info:
        SeenStore(path)
    message = str(info.value)
    assert "\n" not in message
    assert f"{path} is damaged" in message and "move" in message and "seen.sqlite-wal" in message
    assert "nothing is duplicated" in message
    with pytest.raises(StateError, match="is damaged"):
        check_store(path, "rebuilt")
    check_store(tmp_path / "absent.sqlite", "rebuilt")  # no file: nothing to check


def test_disk_full_is_told_from_other_failures() -> None:
    assert is_disk_full(sqlite3.OperationalError("database or disk is full"))
    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert not is_disk_full(sqlite3.OperationalError("database is locked"))
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
