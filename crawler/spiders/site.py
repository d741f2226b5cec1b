"""A site crawled from start/list URLs, within allow/deny patterns, depth and page limits."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from crawler.config import SiteSource
from crawler.context import CrawlContext
from crawler.items import PageItem
from crawler.spiders.base import SourceSpider


class SiteSpider(SourceSpider):
    def __init__(self, source: SiteSource, context: CrawlContext, **kwargs: Any) -> None:
        super().__init__(source, context, **kwargs)
        self.site = source
        self.links = LinkExtractor(allow=source.allow, deny=source.deny, unique=True)
        self.article_re = re.compile(source.article_pattern) if source.article_pattern else None
        self.scheduled = 0

    async def start(self) -> AsyncIterator[Any]:
        for url in self.site.start_urls:
            self.scheduled += 1
            yield scrapy.Request(url, callback=self.parse_listing, cb_kwargs={"depth": 0})

    def is_article(self, url: str, depth: int) -> bool:
        if self.article_re is not None:
            return bool(self.article_re.search(url))
        return depth > 0

    def parse_listing(self, response: Response, depth: int) -> Iterator[PageItem | scrapy.Request]:
        if self.is_article(response.url, depth):
            yield from self.parse_page(response)
        if depth >= self.site.max_depth or not isinstance(response, TextResponse):
            return
        for link in self.links.extract_links(response):
            if self.scheduled >= self.site.max_pages:
                self.inc("skipped/max_pages")
                return
            if self.is_article(link.url, depth + 1):
                request = self.page_request(link.url)
                if request is None:
                    continue
                # An article may also list links; follow them within the depth limit.
                request = request.replace(
                    callback=self.parse_listing, cb_kwargs={"depth": depth + 1}
                )
            else:
                request = scrapy.Request(
                    link.url, callback=self.parse_listing, cb_kwargs={"depth": depth + 1}
                )
            self.scheduled += 1
            yield request
