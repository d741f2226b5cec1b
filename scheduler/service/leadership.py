"""One scheduler at a time across machines: `newswatch run` leads or stands by.

With `scale.redis_url_env` set, each service tries to take the leader lease
(crawler.scale.lease) at start and every third of `scale.leader_ttl`. The
leader's timetable runs (crawls, alert sweeps, housekeeping); a standby's
timetable is paused. The leader renews its lease at the same pace; when a
renewal fails (Redis unreachable, or someone else holds the lease) it pauses
its timetable at once. A leader killed with -9 stops renewing, the lease
expires after `leader_ttl`, and a standby takes it within one more poll:
takeover within leader_ttl * 4/3 (20 s with the default 15 s).

Runs are fenced: the leader passes its token to each crawl child
(NEWSWATCH_FENCING_TOKEN) and a crawl started under a replaced leader's
token does not start its run; each source also has a run lease, so the
orphaned crawl of a dead leader and the new leader's crawl of the same
source never run at once. Alert sweeps check the lease before they send;
exactly-once per (watch, story) stays with the engine's alert records.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable

from crawler.config import Config
from crawler.scale.connection import connect
from crawler.scale.lease import FENCING_ENV, LeaderLease

log = logging.getLogger(__name__)

# Polls (acquire or renew) per leader_ttl: a renewal can fail twice (a Redis
# hiccup) before the lease runs out under a live leader.
POLLS_PER_TTL = 3


class Leadership:
    def __init__(
        self,
        lease: LeaderLease,
        ttl: float,
        on_lead: Callable[[], None],
        on_stand_by: Callable[[], None],
    ) -> None:
        self.lease = lease
        self.poll = ttl / POLLS_PER_TTL
        self._on_lead = on_lead
        self._on_stand_by = on_stand_by
        self.leading = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leadership", daemon=True)

    def start(self) -> None:
        self.step()
        self._thread.start()

    def step(self) -> None:
        try:
            if self.leading:
                if not self.lease.renew():
                    self._stand_by("the lease was lost")
            elif self.lease.acquire():
                self._lead()
        except Exception as exc:  # Redis unreachable: a leader must stop leading
            log.warning("leader lease: %s", exc)
            if self.leading:
                self._stand_by("Redis is unreachable")

    def may_act(self) -> bool:
        """For an action that must happen on the leader only (an alert sweep)."""
        try:
            return self.leading and self.lease.is_current()
        except Exception:
            return False

    def stop(self) -> None:
        self._stop.set()
        if self.leading:
            self.leading = False
            try:
                self.lease.release()  # a standby takes over at its next poll
            except Exception as exc:
                log.warning("leader lease not released (it expires by itself): %s", exc)

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            self.step()

    def _lead(self) -> None:
        self.leading = True
        # Crawl children inherit it: a run started under a replaced token does not start.
        os.environ[FENCING_ENV] = str(self.lease.token)
        log.warning("this service leads the schedule (fencing token %s)", self.lease.token)
        self._on_lead()

    def _stand_by(self, why: str) -> None:
        self.leading = False
        log.warning("this service stands by: %s", why)
        self._on_stand_by()


def open_leadership(
    config: Config, on_lead: Callable[[], None], on_stand_by: Callable[[], None]
) -> Leadership | None:
    """Leader election when the config names a Redis; None: this service is the only one."""
    if not config.scale.enabled:
        return None
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    ttl = config.scale.leader_ttl
    lease = LeaderLease(connect(config), config.scale.key_prefix, owner, ttl)
    log.info("leader election on Redis as %s (lease %g s)", owner, ttl)
    return Leadership(lease, ttl, on_lead, on_stand_by)
