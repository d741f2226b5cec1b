"""The seen-store in Redis, shared by every worker: seen pages, feed validators,
portal budgets and failed URLs (the same ledgers as crawler.state.seen's SQLite file).

With the frontier on Redis, a page one worker indexed must be skipped by all
the others, and a portal's daily quota is one quota whichever machine spends
it; so when `scale.redis_url_env` is set the crawl uses this store instead of
`state_dir/seen.sqlite`. Same methods, same rules (see crawler.state.seen).

Layout (prefix `<key_prefix>:seen`): one hash per article URL, keyed by the
SHA-1 of the URL (a fixed 40 bytes whatever the URL's length), with the doc
id, content hash, lastmod, first and last seen; `validators` and `failed`
are hashes keyed by URL; a budget is a counter per (key, day) that expires
two days later. Each write is one atomic command or script, so two workers
cannot both take a quota's last call or both record a URL as new.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from crawler.config import Config
from crawler.scale.connection import connect
from crawler.state.seen import (
    FAILED_RETRY_FIRST,
    FAILED_RETRY_MAX,
    MarkResult,
    SeenEntry,
    SeenStore,
)
from crawler.vocabulary import in_seoul

# Budget counters outlive their day by one more, for `status` and time zones.
BUDGET_TTL_S = 2 * 24 * 3600

_MARK = """
local before = redis.call('HGET', KEYS[1], 'content_hash')
redis.call('HSETNX', KEYS[1], 'first_seen', ARGV[4])
redis.call('HSET', KEYS[1], 'url', ARGV[6], 'doc_id', ARGV[1], 'content_hash', ARGV[2],
           'last_seen', ARGV[5])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'lastmod', ARGV[3]) end
if tonumber(ARGV[7]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[7]) end
if not before then return 'new' end
if before == ARGV[2] then return 'unchanged' end
return 'updated'
"""
_SPEND = """
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
if spent >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


class SeenLedger(Protocol):
    """What spiders and pipelines use of a seen-store (SQLite or Redis)."""

    path: Path

    def get(self, url: str) -> SeenEntry | None: ...
    def should_fetch(self, url: str, lastmod: datetime | None) -> bool: ...
    def mark(
        self,
        url: str,
        *,
        doc_id: str,
        content_hash: str,
        lastmod: datetime | None = None,
        first_seen: datetime | None = None,
    ) -> MarkResult: ...
    def validators(self, url: str) -> tuple[str | None, str | None]: ...
    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...
    def spend(self, budget_key: str, day: date, limit: int) -> bool: ...
    def spent(self, budget_key: str, day: date) -> int: ...
    def mark_failed(self, url: str, status: int) -> datetime: ...
    def failed_until(self, url: str) -> datetime | None: ...
    def close(self) -> None: ...


class RedisSeenStore:
    def __init__(self, server: Any, prefix: str, keep_days: int | None = None) -> None:
        self.server = server
        # A URL not marked again within this many days is forgotten (0: never).
        self.keep_s = keep_days * 86400 if keep_days else 0
        self.prefix = f"{prefix}:seen"
        # Named in messages about a write that failed, like the SQLite file's path.
        self.path = Path(f"redis:{self.prefix}")
        self._mark = server.register_script(_MARK)
        self._spend = server.register_script(_SPEND)

    def _key(self, url: str) -> str:
        return f"{self.prefix}:url:{hashlib.sha1(url.encode()).hexdigest()}"

    def get(self, url: str) -> SeenEntry | None:
        row = {k.decode(): v.decode() for k, v in self.server.hgetall(self._key(url)).items()}
        if not row:
            return None
        return SeenEntry(
            url=url,
            doc_id=row["doc_id"],
            content_hash=row["content_hash"],
            lastmod=_parse(row.get("lastmod")),
            first_seen=datetime.fromisoformat(row["first_seen"]),
            last_seen=datetime.fromisoformat(row["last_seen"]),
        )

    def should_fetch(self, url: str, lastmod: datetime | None) -> bool:
        entry = self.get(url)
        if entry is None:
            return True
        if lastmod is None:
            return False
        return in_seoul(lastmod) > (entry.lastmod or entry.last_seen)

    def mark(
        self,
        url: str,
        *,
        doc_id: str,
        content_hash: str,
        lastmod: datetime | None = None,
        first_seen: datetime | None = None,
    ) -> MarkResult:
        now = _format(datetime.now(UTC))
        first = _format(in_seoul(first_seen)) if first_seen is not None else now
        last = _format(in_seoul(lastmod)) if lastmod is not None else ""
        result = self._mark(
            keys=[self._key(url)], args=[doc_id, content_hash, last, first, now, url, self.keep_s]
        )
        text = result.decode() if isinstance(result, bytes) else str(result)
        assert text in ("new", "updated", "unchanged")
        return text  # type: ignore[return-value]

    def validators(self, url: str) -> tuple[str | None, str | None]:
        value = self.server.hget(f"{self.prefix}:validators", url)
        if value is None:
            return None, None
        etag, _, modified = value.decode().partition("\n")
        return etag or None, modified or None

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        value = f"{etag or ''}\n{last_modified or ''}"
        self.server.hset(f"{self.prefix}:validators", url, value)

    def spend(self, budget_key: str, day: date, limit: int) -> bool:
        if limit <= 0:
            return False
        return bool(self._spend(keys=[self._budget(budget_key, day)], args=[limit, BUDGET_TTL_S]))

    def spent(self, budget_key: str, day: date) -> int:
        return int(self.server.get(self._budget(budget_key, day)) or 0)

    def _budget(self, budget_key: str, day: date) -> str:
        return f"{self.prefix}:budget:{budget_key}:{day.isoformat()}"

    def mark_failed(self, url: str, status: int) -> datetime:
        key = f"{self.prefix}:failed"
        failures = int(self.server.hincrby(f"{key}:count", url, 1))
        wait = min(FAILED_RETRY_FIRST * (1 << min(failures - 1, 5)), FAILED_RETRY_MAX)
        retry_after = datetime.now(UTC) + wait
        self.server.hset(key, url, f"{status}|{_format(retry_after)}")
        return retry_after

    def failed_until(self, url: str) -> datetime | None:
        value = self.server.hget(f"{self.prefix}:failed", url)
        if value is None:
            return None
        until = datetime.fromisoformat(value.decode().split("|", 1)[1])
        return until if until > datetime.now(UTC) else None

    def close(self) -> None:
        return None  # the client is shared by the whole process


def open_seen_store(config: Config, path: Path) -> SeenLedger:
    """The shared store when the config names a Redis, else the SQLite file at `path`."""
    if config.scale.enabled:
        scale = config.scale
        return RedisSeenStore(connect(config), scale.key_prefix, scale.seen_days)
    return SeenStore(path)


def _format(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
