"""The worker's loops around one source's spider: heartbeat, dead-worker recovery, wake-up, idling.

- Heartbeat every `worker_ttl / 5`, and each beat puts the leases of dead
  workers (expired heartbeat) back into the frontier.
- Wake-up every WAKE_INTERVAL: a pop finds nothing while every host with
  work is leased by someone else, and Scrapy would only ask the scheduler
  again after its next download or its 5 s heartbeat.
- Idle: the crawl that owns the run ends when the frontier is drained
  (nothing queued, nothing leased by any worker: another worker may still
  add requests); `newswatch worker` waits for work, and with `--idle-exit`
  stops after that long without any.
- Items dropped or failed in the pipelines settle their page's lease.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.http import Request, Response
from twisted.internet import task

from crawler.scale.book import HOST_META, LEASE_META, FrontierBook
from crawler.scale.scheduler import book_of

log = logging.getLogger(__name__)

# 50 ms: a released host is picked up within a twentieth of a second, at the cost
# of one local call (no Redis round trip unless the engine has room) per tick.
WAKE_INTERVAL = 0.05
# The finish reason of a run that did not start (its source was running elsewhere,
# or the scheduler that started it is no longer the leader).
REFUSED_REASON = "running_elsewhere"
# Heartbeats per worker_ttl: a worker is declared dead after missing five.
BEATS_PER_TTL = 5


class FrontierExtension:
    def __init__(self, crawler: Crawler, book: FrontierBook, source: str) -> None:
        self.crawler = crawler
        self.book = book
        self.source = source
        self.frontier = book.frontier(source)
        self.idle_since: float | None = None
        self.loops: list[task.LoopingCall] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierExtension:
        assert crawler.spider is not None
        ext = cls(crawler, book_of(crawler.spider), crawler.spider.name)
        for receiver, signal in (
            (ext.opened, signals.spider_opened),
            (ext.closed, signals.spider_closed),
            (ext.idle, signals.spider_idle),
            (ext.left_downloader, signals.request_left_downloader),
            (ext.item_done, signals.item_dropped),
            (ext.item_done, signals.item_error),
        ):
            crawler.signals.connect(receiver, signal)
        return ext

    def opened(self, spider: Spider) -> None:
        self.beat()
        for call, interval in (
            (self.beat, self.book.scale.worker_ttl / BEATS_PER_TTL),
            (self.wake, WAKE_INTERVAL),
        ):
            loop = task.LoopingCall(call)
            loop.start(interval, now=False)
            self.loops.append(loop)

    def closed(self, spider: Spider) -> None:
        for loop in self.loops:
            if loop.running:
                loop.stop()
        self.book.finish_run(self.source)

    def beat(self) -> None:
        try:
            self.book.beat()
            moved = self.frontier.requeue_dead(self.book.worker_prefix)
        except Exception as exc:  # a Redis hiccup must not stop the loop; the next beat retries
            log.warning("%s: frontier heartbeat failed: %s", self.source, exc)
            return
        if moved:
            log.warning(
                "%s: %d requests of a dead worker put back in the frontier", self.source, moved
            )

    def wake(self) -> None:
        engine = self.crawler.engine
        # Scrapy has no public "ask the scheduler again"; its own heartbeat does this.
        slot = getattr(engine, "_slot", None)
        if slot is not None and not engine.needs_backout():
            slot.nextcall.schedule()

    def idle(self, spider: Spider) -> None:
        if self.source in self.book.refused:
            raise CloseSpider(REFUSED_REASON)
        if not self.frontier.is_drained():
            self.idle_since = None
            raise DontCloseSpider
        if self.book.seeding:
            return  # the run is over: every worker is done with this source
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        if self.book.idle_exit is None or now - self.idle_since < self.book.idle_exit:
            raise DontCloseSpider

    def left_downloader(self, request: Request, spider: Spider) -> None:
        lease, host = request.meta.get(LEASE_META), request.meta.get(HOST_META)
        if lease and host:
            self.frontier.release_host(host, lease)
            self.book.downloaded(self.source, lease)

    def item_done(self, item: Any, response: Response, spider: Spider, **_: Any) -> None:
        self.book.settle_request(self.source, response.meta, getattr(item, "url", None))
