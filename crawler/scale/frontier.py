"""The shared crawl frontier of one source, in Redis: per-host queues, host leases, work leases.

Why not a plain list (scrapy-redis's own queues): a popped request would be
gone when its worker dies (lost), and nothing would stop two workers from
fetching one host at once (impolite). Here:

- each host has its own FIFO list, and `ready` (a sorted set) says when each
  host may be asked next;
- popping a request takes the host's lease, a key shared by all sources and
  workers (`<prefix>:host:<host>`): one request per host at a time, anywhere;
  when the download ends the lease becomes a pause of `host_delay`;
- a popped request is kept in `inflight` under a work lease
  (`<worker id>|<n>`) until its outcome is settled (indexed, spooled, dropped
  or failed for good); when a worker's heartbeat key expires, any other
  worker puts its leases back at the head of their host queues.

Every step is one Lua script, so it is atomic against the other workers.
Keys are built inside the scripts, which needs a single Redis (or Redis
Cluster with every key of a prefix in one hash slot, see docs/scale.md).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

# How long a busy host is skipped before it is looked at again (ms): short
# enough that a host released by another worker is picked up within a few
# polls, long enough that a busy host does not get scanned on every pop.
RECHECK_MS = 50
# Hosts looked at per pop: the first ready host usually wins; 32 lets a pop skip
# the hosts other workers hold without a second round trip.
HOSTS_PER_POP = 32

_POP = """
local hosts = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[7])
local now = tonumber(ARGV[1])
for _, h in ipairs(hosts) do
  local lock = ARGV[3] .. h
  local ttl = redis.call('PTTL', lock)
  if ttl > 0 then
    redis.call('ZADD', KEYS[1], now + math.min(ttl, tonumber(ARGV[6])), h)
  else
    local q = ARGV[2] .. h
    local data = redis.call('RPOP', q)
    if not data then
      redis.call('ZREM', KEYS[1], h)
    else
      redis.call('SET', lock, ARGV[4], 'PX', ARGV[5])
      if redis.call('LLEN', q) == 0 then
        redis.call('ZREM', KEYS[1], h)
      else
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[6]), h)
      end
      redis.call('HSET', KEYS[2], ARGV[4], data)
      redis.call('HSET', KEYS[3], ARGV[4], h)
      redis.call('DECR', KEYS[4])
      return {h, data}
    end
  end
end
return false
"""

# Release a host lease (if still ours) into a pause of ARGV[3] ms.
_RELEASE = """
local lock = ARGV[1] .. ARGV[4]
if redis.call('GET', lock) == ARGV[2] then
  if tonumber(ARGV[3]) > 0 then
    redis.call('SET', lock, 'pause', 'PX', ARGV[3])
  else
    redis.call('DEL', lock)
  end
end
redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[5]) + tonumber(ARGV[3]), ARGV[4])
"""

# Push a request; when it replaces a leased one (a retry or a redirect), settle
# that lease and release its host in the same step, so nothing is lost between.
_PUSH = """
redis.call('LPUSH', ARGV[1] .. ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[1], 'NX', ARGV[4], ARGV[2])
redis.call('INCR', KEYS[2])
local old = ARGV[5]
if old ~= '' then
  local h = redis.call('HGET', KEYS[4], old)
  redis.call('HDEL', KEYS[3], old)
  redis.call('HDEL', KEYS[4], old)
  if h then
    local lock = ARGV[6] .. h
    if redis.call('GET', lock) == old then
      if tonumber(ARGV[7]) > 0 then
        redis.call('SET', lock, 'pause', 'PX', ARGV[7])
      else
        redis.call('DEL', lock)
      end
    end
  end
end
"""

# Put the leases of workers whose heartbeat expired back at the head of their queues,
# ready at once (ZADD LT, Redis >= 6.2: lowers a host's time, adds a missing host).
_REQUEUE_DEAD = """
local moved = 0
for _, lease in ipairs(redis.call('HKEYS', KEYS[2])) do
  local worker = string.match(lease, '^(.*)|')
  if worker and redis.call('EXISTS', ARGV[2] .. worker) == 0 then
    local data = redis.call('HGET', KEYS[2], lease)
    local h = redis.call('HGET', KEYS[3], lease)
    redis.call('RPUSH', ARGV[1] .. h, data)
    redis.call('ZADD', KEYS[1], 'LT', ARGV[3], h)
    redis.call('INCR', KEYS[4])
    redis.call('HDEL', KEYS[2], lease)
    redis.call('HDEL', KEYS[3], lease)
    if redis.call('GET', ARGV[4] .. h) == lease then
      redis.call('DEL', ARGV[4] .. h)
    end
    moved = moved + 1
  end
end
return moved
"""


@dataclass(frozen=True, slots=True)
class Popped:
    lease: str
    host: str
    data: bytes


class Frontier:
    """The frontier of one source as seen by one worker."""

    def __init__(
        self,
        server: Any,
        *,
        prefix: str,
        source: str,
        worker_id: str,
        host_lease_ms: int,
        host_delay_ms: int,
    ) -> None:
        self.server = server
        self.prefix = prefix
        self.key = f"{prefix}:frontier:{source}"
        self.worker_id = worker_id
        self.host_lease_ms = host_lease_ms
        self.host_delay_ms = host_delay_ms
        self._ready = f"{self.key}:ready"
        self._count = f"{self.key}:count"
        self._inflight = f"{self.key}:inflight"
        self._inflight_host = f"{self.key}:inflight-host"
        self._queue_prefix = f"{self.key}:q:"
        self._host_prefix = f"{prefix}:host:"
        self._serial = itertools.count(1)
        self._pop = server.register_script(_POP)
        self._release = server.register_script(_RELEASE)
        self._push = server.register_script(_PUSH)
        self._requeue = server.register_script(_REQUEUE_DEAD)

    @property
    def dupefilter_key(self) -> str:
        return f"{self.key}:dupefilter"

    def push(self, host: str, data: bytes, replaces: str | None = None) -> None:
        self._push(
            keys=[self._ready, self._count, self._inflight, self._inflight_host],
            args=[
                self._queue_prefix,
                host,
                data,
                _now_ms(),
                replaces or "",
                self._host_prefix,
                self.host_delay_ms,
            ],
        )

    def pop(self) -> Popped | None:
        lease = f"{self.worker_id}|{next(self._serial)}"
        found = self._pop(
            keys=[self._ready, self._inflight, self._inflight_host, self._count],
            args=[
                _now_ms(),
                self._queue_prefix,
                self._host_prefix,
                lease,
                self.host_lease_ms,
                RECHECK_MS,
                HOSTS_PER_POP,
            ],
        )
        if not found:
            return None
        return Popped(lease=lease, host=_text(found[0]), data=found[1])

    def release_host(self, host: str, lease: str) -> None:
        """The download under `lease` ended: the host pauses, then is free again."""
        self._release(
            keys=[self._ready],
            args=[self._host_prefix, lease, self.host_delay_ms, host, _now_ms()],
        )

    def settle(self, lease: str) -> None:
        """The request under `lease` is done with (indexed, spooled, dropped or failed)."""
        pipe = self.server.pipeline()
        pipe.hdel(self._inflight, lease)
        pipe.hdel(self._inflight_host, lease)
        pipe.execute()

    def requeue_dead(self, worker_prefix: str) -> int:
        return int(
            self._requeue(
                keys=[self._ready, self._inflight, self._inflight_host, self._count],
                args=[self._queue_prefix, worker_prefix, _now_ms(), self._host_prefix],
            )
        )

    def pending(self) -> int:
        return int(self.server.get(self._count) or 0)

    def inflight(self) -> int:
        return int(self.server.hlen(self._inflight))

    def is_drained(self) -> bool:
        return self.pending() <= 0 and self.inflight() == 0

    def clear(self) -> None:
        """Forget this source's queues, leases and fingerprints (between runs only)."""
        keys = list(self.server.scan_iter(match=f"{self.key}:*", count=1000))
        if keys:
            self.server.delete(*keys)


def _now_ms() -> int:
    # Wall-clock ms: the scores are compared across machines, whose clocks NTP keeps
    # within milliseconds; a skew only shifts a host's pause by that much.
    return int(time.time() * 1000)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
