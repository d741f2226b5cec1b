"""Run history in SQLite: written first, before anything is sent to the engine.

Local first because `newswatch status` must work while the engine is down,
and because a run must be on record even if the service dies a moment later:
a row is inserted as `running` before the child starts, so a row still
`running` at the next start is a run the service lost (kill -9, power cut),
and is recorded as `interrupted`. Rows carry `shipped`: the shipper sends the
unshipped ones to the runs index, by run_id, so sending twice is harmless.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from crawler.engine.indices import RUNS_ALIAS
from crawler.state.sqlite import check_store

RunStatus = Literal["running", "ok", "partial", "failed", "timeout", "interrupted", "crashed"]
# Statuses that count towards a source's consecutive failures. `interrupted` does
# not: it says the service stopped, not that the source is broken.
FAILURES: frozenset[str] = frozenset({"failed", "timeout", "crashed"})
# A run that fetched something: `partial` had some fetches fail (crawler.runner.SourceOutcome).
WORKED: tuple[str, ...] = ("ok", "partial")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    source_type TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT,
    status TEXT NOT NULL,
    trigger TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER,
    exit_code INTEGER,
    counts TEXT NOT NULL DEFAULT '{}',
    errors_by_kind TEXT NOT NULL DEFAULT '{}',
    last_error TEXT,
    shipped INTEGER NOT NULL DEFAULT 0,
    failures TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs (source, started);
CREATE INDEX IF NOT EXISTS runs_unshipped ON runs (shipped) WHERE shipped = 0;
CREATE TABLE IF NOT EXISTS source_state (
    source TEXT PRIMARY KEY,
    interval_seconds REAL,
    flags TEXT NOT NULL DEFAULT '[]',
    updated TEXT NOT NULL
);
"""


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class RunRecord:
    run_id: str
    source: str
    source_type: str
    started: datetime
    trigger: str
    host: str
    status: RunStatus = "running"
    ended: datetime | None = None
    pid: int | None = None
    exit_code: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None
    # The first failed fetches ({url, reason, message}); counts["fetch_failed"] has them all.
    failures: list[dict[str, str]] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else (self.ended - self.started).total_seconds()

    def to_document(self) -> dict[str, Any]:
        """The runs-index document (index_mappings/runs.template.json)."""
        return {
            "run_id": self.run_id,
            "source": self.source,
            "source_type": self.source_type,
            "started": self.started.isoformat(),
            "ended": self.ended.isoformat() if self.ended else None,
            "duration_seconds": self.duration,
            "status": self.status,
            "trigger": self.trigger,
            "host": self.host,
            "exit_code": self.exit_code,
            "counts": self.counts,
            "errors_by_kind": self.errors_by_kind,
            "last_error": self.last_error,
            # Only when there are some: a runs index made before the field existed
            # (strict mapping) still takes ok runs until `newswatch setup` upgrades it.
            **({"failures": self.failures} if self.failures else {}),
        }


# What moving a damaged run history aside costs (said in the error that names it).
REBUILD = f"the service starts a new history; runs already shipped stay in {RUNS_ALIAS}"


class RunHistory:
    """One connection shared by the job threads, serialized by a lock (runs are few)."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        check_store(path, REBUILD)
        if readonly:
            uri = f"file:{path}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            # WAL: `newswatch status` reads while the service writes, without blocking it.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            _add_failures_column(self._db)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- writing -----------------------------------------------------------------
    def begin(self, record: RunRecord) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO runs (run_id, source, source_type, started, status, trigger, host)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.run_id,
                    record.source,
                    record.source_type,
                    record.started.isoformat(),
                    record.status,
                    record.trigger,
                    record.host,
                ),
            )

    def set_pid(self, run_id: str, pid: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE runs SET pid = ? WHERE run_id = ?", (pid, run_id))

    def finish(self, record: RunRecord) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET ended = ?, status = ?, exit_code = ?, counts = ?,"
                " errors_by_kind = ?, last_error = ?, failures = ?, shipped = 0 WHERE run_id = ?",
                (
                    _iso(record.ended),
                    record.status,
                    record.exit_code,
                    json.dumps(record.counts),
                    json.dumps(record.errors_by_kind),
                    record.last_error,
                    json.dumps(record.failures, ensure_ascii=False),
                    record.run_id,
                ),
            )

    def unfinished(self) -> list[RunRecord]:
        return self._select("SELECT * FROM runs WHERE status = 'running'", ())

    def mark_shipped(self, run_ids: list[str]) -> None:
        with self._tx() as db:
            db.executemany("UPDATE runs SET shipped = 1 WHERE run_id = ?", [(i,) for i in run_ids])

    def save_state(self, source: str, interval: float | None, flags: list[str]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO source_state (source, interval_seconds, flags, updated)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(source) DO UPDATE SET"
                " interval_seconds = excluded.interval_seconds, flags = excluded.flags,"
                " updated = excluded.updated",
                (source, interval, json.dumps(flags), now_utc().isoformat()),
            )

    # -- reading -----------------------------------------------------------------
    def unshipped(self, limit: int) -> list[RunRecord]:
        return self._select(
            "SELECT * FROM runs WHERE shipped = 0 AND status != 'running' ORDER BY started LIMIT ?",
            (limit,),
        )

    def runs_of(self, source: str, limit: int = 1000) -> list[RunRecord]:
        """Newest first."""
        return self._select(
            "SELECT * FROM runs WHERE source = ? ORDER BY started DESC LIMIT ?", (source, limit)
        )

    def latest(self, source: str) -> RunRecord | None:
        runs = self.runs_of(source, 1)
        return runs[0] if runs else None

    def last_with_status(self, source: str, statuses: tuple[str, ...]) -> RunRecord | None:
        marks = ",".join("?" * len(statuses))
        rows = self._select(
            f"SELECT * FROM runs WHERE source = ? AND status IN ({marks})"
            " ORDER BY started DESC LIMIT 1",
            (source, *statuses),
        )
        return rows[0] if rows else None

    def consecutive_failures(self, source: str, window: int) -> int:
        """Failed runs since the last success, among the newest `window` finished runs."""
        count = 0
        for run in self.runs_of(source, window + 1):
            if run.status in FAILURES:
                count += 1
            elif run.status in WORKED:
                break
        return count

    def last_productive(self, source: str) -> datetime | None:
        """Start of the newest run that extracted at least one new page."""
        row = self._one(
            "SELECT started FROM runs WHERE source = ? AND status IN ('ok', 'partial')"
            " AND json_extract(counts, '$.extracted') > 0 ORDER BY started DESC LIMIT 1",
            (source,),
        )
        return None if row is None else datetime.fromisoformat(row[0])

    def first_started(self, source: str) -> datetime | None:
        row = self._one("SELECT MIN(started) FROM runs WHERE source = ?", (source,))
        return None if row is None or row[0] is None else datetime.fromisoformat(row[0])

    def state_of(self, source: str) -> tuple[float | None, list[str]]:
        row = self._one(
            "SELECT interval_seconds, flags FROM source_state WHERE source = ?", (source,)
        )
        return (None, []) if row is None else (row[0], list(json.loads(row[1])))

    def _one(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()
        return row

    def _select(self, sql: str, params: tuple[Any, ...]) -> list[RunRecord]:
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [_from_row(row) for row in rows]


def _add_failures_column(db: sqlite3.Connection) -> None:
    """Histories written before runs kept their failed URLs lack the column."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    if "failures" not in columns:
        db.execute("ALTER TABLE runs ADD COLUMN failures TEXT NOT NULL DEFAULT '[]'")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_row(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        run_id=row["run_id"],
        source=row["source"],
        source_type=row["source_type"],
        started=datetime.fromisoformat(row["started"]),
        trigger=row["trigger"],
        host=row["host"],
        status=row["status"],
        ended=datetime.fromisoformat(row["ended"]) if row["ended"] else None,
        pid=row["pid"],
        exit_code=row["exit_code"],
        counts=json.loads(row["counts"]),
        errors_by_kind=json.loads(row["errors_by_kind"]),
        last_error=row["last_error"],
        # A read-only history from before the column existed has none. `in row` would
        # search the row's values, not its column names, hence keys().
        failures=json.loads(row["failures"]) if "failures" in row.keys() else [],  # noqa: SIM118
    )
