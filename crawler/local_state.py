"""Small building blocks shared by the files the crawler keeps in `state_dir`:
SQLite stores (seen-store, story index), lock files (spool replay, alert sweeps)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Self


class Closing(ABC):
    """Mixin: `with X(...) as x:` returns the object and calls its `close()` at the end."""

    @abstractmethod
    def close(self) -> None:
        """Release the files or connections the object holds."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def immediate_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT: a read-then-write sees no other process's writes."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# How long a statement waits for another process's write lock before failing.
BUSY_TIMEOUT_SECONDS = 30.0


def open_store(path: Path, schema: str) -> sqlite3.Connection:
    """Open (creating if needed) a SQLite store shared by concurrent crawl processes.

    Autocommit (transactions are explicit, see `immediate_transaction`), WAL so
    readers never block the writer. The switch to WAL and the schema run under
    an exclusive flock: SQLite answers a concurrent `PRAGMA journal_mode=WAL` on
    a fresh file with "database is locked" at once, without waiting out the busy
    timeout (three processes opening one fresh store together: 10 failures in 150 tries).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        with _exclusive_lock(path.with_name(f"{path.name}.init-lock"), wait=True):
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(schema)
        # Per connection: safe with WAL (a power cut may lose the last commits, never
        # corrupt the file), and it saves an fsync per transaction.
        db.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        db.close()
        raise
    return db


@contextmanager
def try_exclusive_lock(path: Path) -> Iterator[bool]:
    """Hold an exclusive lock on `path` (created if missing); yields False when taken.

    flock locks are released by the kernel when the process dies, so a crash
    never leaves a stale lock behind.
    """
    with _exclusive_lock(path, wait=False) as held:
        yield held


@contextmanager
def _exclusive_lock(path: Path, *, wait: bool) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
