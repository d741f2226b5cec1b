"""What every source spider shares: page requests, page items, Naver frames, stats."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.config import Source
from crawler.context import CrawlContext
from crawler.extraction import naver_blog_frame_url
from crawler.extraction.urls import canonicalize_url
from crawler.items import EntryHints, PageItem

log = logging.getLogger(__name__)

STAT = "newswatch"


class SourceSpider(scrapy.Spider):
    """A spider for one configured source. `name` is the source's name."""

    name = "source"

    def __init__(self, source: Source, context: CrawlContext, **kwargs: Any) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.context = context

    def inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{STAT}/{key}", count)

    def page_request(self, url: str, hints: EntryHints | None = None) -> scrapy.Request | None:
        """A request for an article page, or None when the seen-store says it is unchanged."""
        if not url.startswith(("http://", "https://")):
            self.inc("skipped/bad_url")
            log.info("%s: skipped link that is not http(s): %r", self.name, url)
            return None
        canonical = canonicalize_url(url)
        hints = hints or EntryHints()
        if not self.context.seen.should_fetch(canonical, hints.lastmod):
            self.inc("skipped/seen")
            return None
        return scrapy.Request(url, callback=self.parse_page, cb_kwargs={"hints": hints})

    def parse_page(
        self, response: Response, hints: EntryHints | None = None
    ) -> Iterator[PageItem | scrapy.Request]:
        self.inc("fetched")
        frame = naver_blog_frame_url(response.body, response.url)
        if frame and frame != response.url:
            # Naver Blog's outer page holds only an iframe; the post is at PostView.
            self.inc("followed/naver_frame")
            yield scrapy.Request(frame, callback=self.parse_page, cb_kwargs={"hints": hints})
            return
        yield PageItem(
            url=response.url,
            body=response.body,
            headers=_headers(response),
            fetched=datetime.now(UTC),
            source=self.source.name,
            content_mode=self.source.content_mode,
            kind=self.source.kind,
            hints=hints or EntryHints(),
        )


def _headers(response: Response) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, values in response.headers.items():
        name = key.decode("latin-1").lower()
        out[name] = values[-1].decode("latin-1") if values else ""
    return out
