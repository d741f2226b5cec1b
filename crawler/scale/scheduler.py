"""scrapy-redis's Scheduler and Redis duplicate filter over the per-host frontier (frontier.py).

scrapy-redis supplies the scheduler (dupefilter check, enqueue, dequeue,
pending count), the Redis set duplicate filter shared by all workers and the
request serialization; its queue classes are replaced by `HostQueue`, which
adds host leases and work leases (see crawler.scale.frontier for why).
Its connection is not taken from settings: the Redis URL may carry a
password, and Scrapy logs its settings; the client comes from the crawl
context instead.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

from crawler.scale.book import HOST_META, LEASE_META, FrontierBook
from crawler.scale.frontier import Frontier

DOWNLOAD_SLOT_META = "download_slot"


def book_of(spider: Spider) -> FrontierBook:
    book = getattr(getattr(spider, "context", None), "frontier", None)
    if not isinstance(book, FrontierBook):
        raise RuntimeError(f"spider {spider.name} has no frontier: scale.redis_url_env is unset")
    return book


def request_host(request: Request) -> str:
    # host:port, so sites on one address but different ports are different hosts.
    return urlparse_cached(request).netloc.lower()


class HostQueue(Base):  # type: ignore[misc]  # scrapy-redis is untyped
    """scrapy-redis queue interface over one source's Frontier."""

    def __init__(self, frontier: Frontier, spider: Spider) -> None:
        super().__init__(frontier.server, spider, "%(spider)s", serializer=picklecompat)
        self.frontier = frontier

    def __len__(self) -> int:
        return max(self.frontier.pending(), 0)

    def push(self, request: Request) -> None:
        # A retry or redirect of a leased request replaces it in the same step.
        replaces = request.meta.pop(LEASE_META, None)
        request.meta.pop(HOST_META, None)
        request.meta.pop(DOWNLOAD_SLOT_META, None)
        self.frontier.push(request_host(request), self._encode_request(request), replaces)

    def pop(self, timeout: int = 0) -> Request | None:
        popped = self.frontier.pop()
        if popped is None:
            return None
        request: Request = self._decode_request(popped.data)
        request.meta[LEASE_META] = popped.lease
        request.meta[HOST_META] = popped.host
        # Scrapy's own per-host slot (delays, AutoThrottle) keyed like the lease.
        request.meta[DOWNLOAD_SLOT_META] = popped.host
        return request

    def clear(self) -> None:
        self.frontier.clear()


class FrontierScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis is untyped
    """The Redis scheduler of one source; persistent, since other workers share its keys."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        # No stats object: scrapy-redis 0.9 passes `spider=` to inc_value, which
        # Scrapy 2.13+ deprecates (a warning per request); Scrapy counts responses anyway.
        return cls(server=None, persist=True, idle_before_close=0)

    def open(self, spider: Spider) -> None:
        book = book_of(spider)
        frontier = book.frontier(spider.name)
        self.spider = spider
        self.server = book.server
        if book.seeding and frontier.is_drained():
            # A new run of this source: forget the last run's fingerprints, so its
            # listing pages are fetched again (articles are skipped by the seen-store).
            frontier.clear()
        self.queue = HostQueue(frontier, spider)
        self.df = RFPDupeFilter(book.server, key=frontier.dupefilter_key)

    def close(self, reason: str) -> Any:
        return None  # the keys belong to every worker of this source
