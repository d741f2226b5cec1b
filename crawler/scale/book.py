"""This process's part in the shared frontier: its worker id, heartbeat and open leases.

One `FrontierBook` per crawl process, on the CrawlContext. A request popped
from the frontier carries its work lease in `request.meta`; the lease is
settled when the request's outcome is final. For a page that became an
article that is only once the article is indexed or spooled (the same rule
as the seen mark), so the book remembers which article URL holds which lease.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterable
from typing import Any

from crawler.config.scale import ScaleConfig
from crawler.scale.frontier import Frontier
from crawler.scale.lease import RunLease, fencing_token_from_env

log = logging.getLogger(__name__)

LEASE_META = "frontier_lease"
HOST_META = "frontier_host"
# A lease whose download ended this long ago, held by no article, is settled by
# the sweep: its page met an end no hook sees (an exception raised in a
# downloader middleware's process_response, e.g. a decompression bomb), and an
# unsettled lease would keep its run open forever. A page's callback and
# pipelines take milliseconds; a minute is far past any of them.
ORPHAN_AFTER_S = 60.0
# Slack on top of the download timeout before a host lease expires by itself:
# covers robots.txt fetched under the same lease and a slow DNS answer.
HOST_LEASE_SLACK_S = 10.0


def new_worker_id() -> str:
    # host:pid:random; never contains '|', which separates the id from the lease serial.
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class FrontierBook:
    def __init__(
        self,
        server: Any,
        scale: ScaleConfig,
        *,
        download_timeout: float,
        seeding: bool,
        idle_exit: float | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.server = server
        self.scale = scale
        self.seeding = seeding
        self.idle_exit = idle_exit
        self.worker_id = worker_id or new_worker_id()
        self.worker_prefix = f"{scale.key_prefix}:worker:"
        self.host_lease_ms = int((download_timeout + HOST_LEASE_SLACK_S) * 1000)
        self._frontiers: dict[str, Frontier] = {}
        self._held: dict[str, tuple[str, str]] = {}  # article URL -> (source, lease)
        self._runs: dict[str, RunLease] = {}
        self._downloaded: dict[str, tuple[str, float]] = {}  # lease -> (source, when)
        # Sources this crawl was to start but may not (another run, a stale leader).
        self.refused: dict[str, str] = {}

    def frontier(self, source: str) -> Frontier:
        if source not in self._frontiers:
            self._frontiers[source] = Frontier(
                self.server,
                prefix=self.scale.key_prefix,
                source=source,
                worker_id=self.worker_id,
                host_lease_ms=self.host_lease_ms,
                host_delay_ms=int(self.scale.host_delay * 1000),
            )
        return self._frontiers[source]

    def beat(self) -> None:
        """Say this worker is alive for another `worker_ttl`, and keep its runs."""
        ttl_ms = int(self.scale.worker_ttl * 1000)
        self.server.set(self.worker_prefix + self.worker_id, "1", px=ttl_ms)
        for run in self._runs.values():
            run.renew()

    def start_run(self, source: str) -> bool:
        """Take the source's run lease before seeding it; False (and why, in
        `refused`) when another run of it is going on or our leader was replaced."""
        run = RunLease(
            self.server, self.scale.key_prefix, source, self.worker_id, self.scale.worker_ttl
        )
        refusal = run.start(fencing_token_from_env())
        if refusal is not None:
            self.refused[source] = refusal
            log.warning("%s: this run does not start: %s", source, refusal)
            return False
        self._runs[source] = run
        return True

    def finish_run(self, source: str) -> None:
        run = self._runs.pop(source, None)
        if run is not None:
            run.finish()

    def retire(self) -> None:
        self.server.delete(self.worker_prefix + self.worker_id)

    def downloaded(self, source: str, lease: str) -> None:
        self._downloaded[lease] = (source, time.monotonic())

    def settle_orphans(self) -> int:
        """Settle leases past ORPHAN_AFTER_S since their download that no article holds."""
        held = {lease for _, lease in self._held.values()}
        cutoff = time.monotonic() - ORPHAN_AFTER_S
        orphans = [
            (source, lease)
            for lease, (source, when) in self._downloaded.items()
            if when < cutoff and lease not in held
        ]
        for source, lease in orphans:
            self.settle(source, lease)
        return len(orphans)

    def hold(self, url: str, source: str, lease: str) -> None:
        """The article of `url` holds `lease` until it is indexed, spooled or dropped."""
        self._held[url] = (source, lease)

    def settle(self, source: str, lease: str) -> None:
        self._downloaded.pop(lease, None)
        self.frontier(source).settle(lease)

    def settle_urls(self, urls: Iterable[str]) -> None:
        for url in urls:
            held = self._held.pop(url, None)
            if held is not None:
                self.settle(*held)

    def settle_request(self, source: str, meta: dict[str, Any], url: str | None = None) -> None:
        """Settle the lease a request or response carries (and any article hold on `url`)."""
        if url is not None:
            self._held.pop(url, None)
        lease = meta.get(LEASE_META)
        if lease:
            self.settle(source, lease)
