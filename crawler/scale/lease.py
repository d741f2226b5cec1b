"""Leases in Redis: the scheduler leader's (with a fencing token) and a source run's.

A lease is a key set with NX and an expiry, renewed by its holder well before
it runs out; whoever finds it missing may take it. The leader lease adds a
fencing token: a counter incremented at every takeover. The leader hands its
token to the crawls it starts (environment NEWSWATCH_FENCING_TOKEN), and a
crawl refuses to start a run when the token is no longer the current one,
so a leader that lost its lease without noticing (paused, cut off) cannot
start runs beside the new leader.
"""

from __future__ import annotations

import os
import time
from typing import Any

FENCING_ENV = "NEWSWATCH_FENCING_TOKEN"

# Renew only if we still hold it; a holder that lost it must not take it back here.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
# Events kept per source in the run log (start/end, owner, time): the last 100 runs.
RUN_LOG_LENGTH = 200


class Lease:
    """One named lease held under `owner`."""

    def __init__(self, server: Any, key: str, owner: str, ttl: float) -> None:
        self.server = server
        self.key = key
        self.owner = owner
        self.ttl_ms = int(ttl * 1000)
        self._renew = server.register_script(_RENEW)
        self._release = server.register_script(_RELEASE)

    def acquire(self) -> bool:
        return bool(self.server.set(self.key, self.owner, nx=True, px=self.ttl_ms))

    def renew(self) -> bool:
        return bool(self._renew(keys=[self.key], args=[self.owner, self.ttl_ms]))

    def release(self) -> None:
        self._release(keys=[self.key], args=[self.owner])

    def holder(self) -> str | None:
        value = self.server.get(self.key)
        return value.decode() if isinstance(value, bytes) else value


class LeaderLease(Lease):
    """The one scheduler allowed to start runs and sweep alerts."""

    def __init__(self, server: Any, prefix: str, owner: str, ttl: float) -> None:
        super().__init__(server, f"{prefix}:leader", owner, ttl)
        self.epoch_key = f"{prefix}:leader:epoch"
        self.token: int | None = None

    def acquire(self) -> bool:
        if not super().acquire():
            return False
        self.token = int(self.server.incr(self.epoch_key))
        return True

    def is_current(self) -> bool:
        """Still the leader: the lease is ours and no one took over since."""
        return self.holder() == self.owner and current_token(self.server, self.epoch_key) == (
            self.token
        )


def current_token(server: Any, epoch_key: str) -> int | None:
    value = server.get(epoch_key)
    return int(value) if value is not None else None


def fencing_token_from_env() -> int | None:
    value = os.environ.get(FENCING_ENV, "").strip()
    return int(value) if value.isdigit() else None


class RunLease(Lease):
    """One run of a source at a time, across every machine."""

    def __init__(self, server: Any, prefix: str, source: str, owner: str, ttl: float) -> None:
        super().__init__(server, f"{prefix}:run:{source}", owner, ttl)
        self.log_key = f"{prefix}:runlog:{source}"
        self.epoch_key = f"{prefix}:leader:epoch"

    def start(self, token: int | None) -> str | None:
        """Take the run; None when taken, else why not (another run, a stale token)."""
        if token is not None and current_token(self.server, self.epoch_key) != token:
            return f"fencing token {token} is stale: another scheduler leads now"
        if not self.acquire():
            return f"already running ({self.holder()})"
        self._log("start")
        return None

    def finish(self) -> None:
        self._log("end")
        self.release()

    def _log(self, event: str) -> None:
        pipe = self.server.pipeline()
        pipe.lpush(self.log_key, f"{event}|{self.owner}|{time.time():.3f}")
        pipe.ltrim(self.log_key, 0, RUN_LOG_LENGTH - 1)
        pipe.execute()
