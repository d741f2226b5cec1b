"""Sitemaps: indexes, news sitemaps, robots.txt discovery, lastmod to skip unchanged pages.

Scrapy's SitemapSpider does the parsing (gzip with size limits, indexes,
robots.txt `Sitemap:` lines); this subclass only decides which pages are
worth fetching and carries each entry's lastmod to the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from dateutil import parser as dateparser
from scrapy.http import Response
from scrapy.spiders import SitemapSpider

from crawler.config import SitemapSource
from crawler.context import CrawlContext
from crawler.items import EntryHints, PageItem
from crawler.models import SEOUL
from crawler.spiders.base import SourceSpider
from crawler.urls import canonicalize_url


class NewsSitemapSpider(SourceSpider, SitemapSpider):
    sitemap_rules = (("", "parse_sitemap_page"),)

    def __init__(self, source: SitemapSource, context: CrawlContext, **kwargs: Any) -> None:
        super().__init__(source, context, **kwargs)
        self.sitemap_urls = list(source.urls)
        self._hints: dict[str, EntryHints] = {}

    def sitemap_filter(self, entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        if getattr(entries, "type", None) != "urlset":
            yield from entries  # a sitemap index: always follow its child sitemaps
            return
        for entry in entries:
            loc = entry.get("loc", "")
            self.inc("sitemaps/entries")
            lastmod = _parse_lastmod(entry.get("lastmod"))
            if not self.context.seen.should_fetch(canonicalize_url(loc), lastmod):
                self.inc("skipped/seen")
                continue
            self._hints[loc] = EntryHints(lastmod=lastmod, published=None)
            yield entry

    def parse_sitemap_page(self, response: Response) -> Iterator[PageItem | scrapy.Request]:
        first_url = (response.meta.get("redirect_urls") or [response.url])[0]
        yield from self.parse_page(response, self._hints.pop(first_url, EntryHints()))


def _parse_lastmod(value: str | None) -> Any:
    if not value:
        return None
    try:
        parsed = dateparser.isoparse(value)
    except (ValueError, OverflowError):
        return None
    # A date-only lastmod is a Korean calendar day for Korean sites.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SEOUL)
