"""What the crawler has already seen, persisted across runs in one SQLite file.

Three small ledgers share the file (under `crawl.state_dir`):
- `seen`: one row per article URL with its doc id, content hash and the
  sitemap/feed `lastmod`, so a known article is fetched again only when its
  source says it changed;
- `validators`: the ETag / Last-Modified a feed answered with, for the next
  conditional GET;
- `budget`: calls spent per (portal API key, day), so a daily quota is never
  exceeded even across restarts;
- `failed`: article URLs a site answered 4xx for (a sitemap's dead links),
  with when to ask again, so a sitemap's 404s are not fetched on every run.

Durability: WAL journal, and every write is its own committed transaction, so
a process killed with -9 mid-run loses at most the write in flight. WAL with
`synchronous=NORMAL` survives process crashes; only an OS crash or power loss
can drop the last commits, which costs one re-fetch, never a corrupt file.

Keys are URLs exactly as the caller passes them; callers use the URL they
fetch (the one a sitemap or feed lists) so lookups before the fetch match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

from crawler.state.sqlite import Closing, immediate_transaction, open_store
from crawler.vocabulary import in_seoul

MarkResult = Literal["new", "updated", "unchanged"]

# A URL answering 4xx is asked again after one day, then 2, 4, ... up to 30 days:
# a page that reappears (a fixed link, an unpublished draft made public) is found
# within a day, while a sitemap's permanently dead links cost one request a month.
FAILED_RETRY_FIRST = timedelta(days=1)
FAILED_RETRY_MAX = timedelta(days=30)

# What moving a damaged seen-store aside costs (said in the error that names it).
REBUILD = "known pages are fetched once more and keep their document ids, so nothing is duplicated"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    url TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    lastmod TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT
);
CREATE TABLE IF NOT EXISTS budget (
    budget_key TEXT NOT NULL,
    day TEXT NOT NULL,
    spent INTEGER NOT NULL,
    PRIMARY KEY (budget_key, day)
);
CREATE TABLE IF NOT EXISTS failed (
    url TEXT PRIMARY KEY,
    status INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    retry_after TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class SeenEntry:
    url: str
    doc_id: str
    content_hash: str
    lastmod: datetime | None
    first_seen: datetime
    last_seen: datetime


class SeenStore(Closing):
    """The seen-URL ledger, feed validators and API call budgets of one state directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Runs of different sources share the file; their writes take milliseconds.
        self._db = open_store(path, _SCHEMA, rebuild=REBUILD)

    def get(self, url: str) -> SeenEntry | None:
        row = self._db.execute(
            "SELECT url, doc_id, content_hash, lastmod, first_seen, last_seen"
            " FROM seen WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return None
        return SeenEntry(
            url=row[0],
            doc_id=row[1],
            content_hash=row[2],
            lastmod=_parse(row[3]),
            first_seen=_parse_required(row[4]),
            last_seen=_parse_required(row[5]),
        )

    def should_fetch(self, url: str, lastmod: datetime | None) -> bool:
        """True for an unknown URL, or when the source's lastmod is newer than what we recorded.

        When no lastmod was recorded, the time we last saw the article stands in for it:
        a lastmod after our last fetch means the page changed since.
        """
        entry = self.get(url)
        if entry is None:
            return True
        if lastmod is None:
            return False
        recorded = entry.lastmod or entry.last_seen
        return _aware(lastmod) > recorded

    def mark(
        self,
        url: str,
        *,
        doc_id: str,
        content_hash: str,
        lastmod: datetime | None = None,
        first_seen: datetime | None = None,
    ) -> MarkResult:
        """Record a fetched article; say whether it is new, changed or unchanged.

        `first_seen` (default: now) is stored for a new URL only: a later mark never moves it.
        """
        now = _format(datetime.now(UTC))
        new_lastmod = _format(_aware(lastmod)) if lastmod is not None else None
        first = _format(_aware(first_seen)) if first_seen is not None else now
        with immediate_transaction(self._db):
            row = self._db.execute("SELECT content_hash FROM seen WHERE url = ?", (url,)).fetchone()
            self._db.execute(
                "INSERT INTO seen (url, doc_id, content_hash, lastmod, first_seen, last_seen)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET doc_id = excluded.doc_id,"
                " content_hash = excluded.content_hash,"
                " lastmod = COALESCE(excluded.lastmod, seen.lastmod),"
                " last_seen = excluded.last_seen",
                (url, doc_id, content_hash, new_lastmod, first, now),
            )
        if row is None:
            return "new"
        return "unchanged" if row[0] == content_hash else "updated"

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) from the feed's last answer, for the next conditional GET."""
        row = self._db.execute(
            "SELECT etag, last_modified FROM validators WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._db.execute(
            "INSERT INTO validators (url, etag, last_modified) VALUES (?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET etag = excluded.etag,"
            " last_modified = excluded.last_modified",
            (url, etag, last_modified),
        )

    def spend(self, budget_key: str, day: date, limit: int) -> bool:
        """Take one call from today's budget; False (and nothing taken) when it is used up."""
        if limit <= 0:
            return False
        # One statement, so two processes cannot both take the last call.
        cursor = self._db.execute(
            "INSERT INTO budget (budget_key, day, spent) VALUES (?, ?, 1)"
            " ON CONFLICT(budget_key, day) DO UPDATE SET spent = spent + 1"
            " WHERE spent < ?",
            (budget_key, day.isoformat(), limit),
        )
        return cursor.rowcount == 1

    def spent(self, budget_key: str, day: date) -> int:
        row = self._db.execute(
            "SELECT spent FROM budget WHERE budget_key = ? AND day = ?",
            (budget_key, day.isoformat()),
        ).fetchone()
        return int(row[0]) if row else 0

    def mark_failed(self, url: str, status: int) -> datetime:
        """Record a 4xx answer for `url`; return when it should be asked again."""
        row = self._db.execute("SELECT failures FROM failed WHERE url = ?", (url,)).fetchone()
        failures = int(row[0] if row else 0) + 1
        wait = min(FAILED_RETRY_FIRST * (1 << min(failures - 1, 5)), FAILED_RETRY_MAX)
        retry_after = datetime.now(UTC) + wait
        self._db.execute(
            "INSERT INTO failed (url, status, failures, retry_after) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET status = excluded.status,"
            " failures = excluded.failures, retry_after = excluded.retry_after",
            (url, status, failures, _format(retry_after)),
        )
        return retry_after

    def failed_until(self, url: str) -> datetime | None:
        """When a URL that failed may be asked again, or None when it may be now."""
        row = self._db.execute("SELECT retry_after FROM failed WHERE url = ?", (url,)).fetchone()
        until = _parse(row[0]) if row else None
        return until if until is not None and until > datetime.now(UTC) else None

    def close(self) -> None:
        self._db.close()


def _aware(value: datetime) -> datetime:
    """Naive times are Korean local time, the product's rule for every source."""
    return in_seoul(value)


def _format(value: datetime) -> str:
    # Stored in UTC so stored values compare correctly whatever offset a source used.
    return value.astimezone(UTC).isoformat()


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _parse_required(value: str) -> datetime:
    return datetime.fromisoformat(value)
