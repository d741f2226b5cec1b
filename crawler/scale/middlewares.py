"""Where frontier leases end: the download (host lease) and the page's outcome (work lease).

- `FrontierDownloaderMiddleware` at 54, outside FetchOutcomeMiddleware (55):
  its process_exception sees a request's final failure, after retries (a
  retry is a new request pushed to the frontier, which settles the old lease
  itself). Host leases are released on the `request_left_downloader`
  signal, which fires for every download, whatever its outcome.
- `FrontierSpiderMiddleware` at 10, the last to see a callback's output
  (spider middleware output runs in decreasing order, so after
  HttpErrorMiddleware at 50 turns a 4xx into empty output): a page that gave
  no article is settled once its new requests are in the frontier; a page
  that gave one is held until the article is indexed or spooled
  (crawler.pipelines.IndexPipeline) or dropped (crawler.scale.extension).
  Its `process_start` lets only the crawl that owns the run seed the
  frontier, once it holds the source's run lease (crawler.scale.lease):
  `newswatch worker` takes requests, it never starts a source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.items import PageItem
from crawler.scale.book import LEASE_META, FrontierBook
from crawler.scale.scheduler import book_of

DOWNLOADER_ORDER = 54
SPIDER_ORDER = 10


class FrontierDownloaderMiddleware:
    def __init__(self, book: FrontierBook, source: str) -> None:
        self.book = book
        self.source = source

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierDownloaderMiddleware:
        assert crawler.spider is not None
        return cls(book_of(crawler.spider), crawler.spider.name)

    def process_exception(self, request: Request, exception: Exception) -> None:
        # The request's last attempt failed: counted by FetchOutcomeMiddleware, done here.
        self.book.settle_request(self.source, request.meta)


class FrontierSpiderMiddleware:
    def __init__(self, book: FrontierBook, source: str) -> None:
        self.book = book
        self.source = source

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierSpiderMiddleware:
        assert crawler.spider is not None
        return cls(book_of(crawler.spider), crawler.spider.name)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if not self.book.seeding or not self.book.start_run(self.source):
            return
        async for request in start:
            yield request

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        lease = response.meta.get(LEASE_META)
        held = False
        async for output in result:
            if lease and isinstance(output, PageItem):
                self.book.hold(output.url, self.source, lease)
                held = True
            yield output
        if lease and not held:
            self.book.settle(self.source, lease)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self.book.settle_request(self.source, response.meta)
