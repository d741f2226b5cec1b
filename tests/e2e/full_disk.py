"""`newswatch` with a state directory whose disk fills up, for tests/e2e/test_crawl_state_faults.py.

A tmpfs cannot be mounted here (no privileges in CI either), so the disk fills at
SQLite's file layer instead: every connection to a crawl store (seen.sqlite,
stories.sqlite) gets `PRAGMA max_page_count` set to the pages the file already
has plus ROOM_PAGES, and SQLite answers a write that needs a page more exactly as
it does on a full disk: SQLITE_FULL, "database or disk is full". `fill_up` first
fills the free room of the stores' pages with filler rows, as a disk that filled
up before the crawl. The stores still open (their schema exists); every article
write of the crawl fails.

Run as: python -m tests.e2e.full_disk NEWSWATCH-ARGS...
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

FULL_STORES = ("seen.sqlite", "stories.sqlite")
# Pages a crawl may still add. One is no room: splitting a full B-tree page takes
# two. (With two, all six articles of the fixture site fit: nothing failed.)
ROOM_PAGES = 1
# Filler rows for the tables a crawl writes, one statement per row; keys sort
# after every http URL, so the crawl's rows land in pages already full.
FILLERS = {
    "seen.sqlite": "INSERT INTO seen VALUES ('~filler-' || ?, 'x', 'x', NULL, 'x', 'x')",
    "stories.sqlite": "INSERT INTO members (doc_id, story_id, sort_key, added, signature)"
    " VALUES ('~filler-' || ?, '~filler', 'x', '2000-01-01T00:00:00+00:00', zeroblob(512))",
}


def fill_up(path: Path) -> None:
    """Fill the free room of an existing store's pages with filler rows."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        for n in range(100_000):
            try:
                db.execute(FILLERS[path.name], (n,))
            except sqlite3.OperationalError:
                return
    finally:
        db.close()


def install() -> None:
    real_connect = sqlite3.connect

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        db = real_connect(database, *args, **kwargs)
        if str(database).endswith(FULL_STORES):
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages + ROOM_PAGES}")
        return db

    sqlite3.connect = connect


if __name__ == "__main__":
    install()
    from scheduler.cli import main

    sys.exit(main(sys.argv[1:]))
