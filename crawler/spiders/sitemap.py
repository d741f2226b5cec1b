"""Sitemaps: indexes, news sitemaps, robots.txt discovery, lastmod to skip unchanged pages.

Scrapy's SitemapSpider does the parsing (gzip with size limits, indexes,
robots.txt `Sitemap:` lines); this subclass decides which pages are worth
fetching, carries each entry's lastmod to the pipeline, and bounds what one
run of a source can cost. Each cut is counted (`newswatch/skipped/<reason>`):

- `sitemap_depth`: a child sitemap below `max_index_depth` nested indexes
  (an index that links a new index on every fetch would never end);
- `url_cap`: an article URL past `max_urls` this run (the next run takes the
  next ones: the requested ones are then known), and `sitemap_after_cap`: a
  child sitemap not fetched because the cap was already reached;
- `failed_recently`: a URL that answered 4xx, not asked again before the
  seen-store's retry time (crawler.state.seen: 1 day, doubling to 30);
- `decompression`: a .gz sitemap inflating past `crawl.max_page_bytes`;
- `xml_entities`: a sitemap declaring XML entities (billion laughs); no real
  sitemap needs them, and lxml would silently cut its URLs at each entity.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from dateutil import parser as dateparser
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider
from scrapy.utils.gz import gzip_magic_number
from twisted.python.failure import Failure

from crawler.config import SitemapSource
from crawler.context import CrawlContext
from crawler.extraction.urls import canonicalize_url
from crawler.items import EntryHints, PageItem
from crawler.spiders.base import SourceSpider
from crawler.vocabulary import in_seoul

log = logging.getLogger(__name__)

DEPTH_META = "sitemap_depth"


class NewsSitemapSpider(SourceSpider, SitemapSpider):
    sitemap_rules = (("", "parse_sitemap_page"),)

    def __init__(self, source: SitemapSource, context: CrawlContext, **kwargs: Any) -> None:
        super().__init__(source, context, **kwargs)
        self.sitemap_urls = list(source.urls)
        self.max_index_depth = source.max_index_depth
        self.max_urls = source.max_urls
        self._hints: dict[str, EntryHints] = {}
        self._requested = 0  # article URLs requested this run (max_urls)

    def _parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        """Scrapy's parsing, with depth and URL bounds and an errback on article pages."""
        depth = int(response.meta.get(DEPTH_META, 0))
        for request in super()._parse_sitemap(response):
            if request.callback != self._parse_sitemap:
                yield request.replace(errback=self.page_failed)
            elif depth >= self.max_index_depth:
                self.inc("skipped/sitemap_depth")
            elif self._requested >= self.max_urls:
                self.inc("skipped/sitemap_after_cap")
            else:
                yield request.replace(meta={**request.meta, DEPTH_META: depth + 1})

    def _get_sitemap_body(self, response: Response) -> bytes | None:
        body = super()._get_sitemap_body(response)
        if body is None and gzip_magic_number(response):
            self.inc("skipped/decompression")
            log.warning("%s inflates past crawl.max_page_bytes; not read", response.url)
        elif body is not None and b"<!ENTITY" in body:
            self.inc("skipped/xml_entities")
            log.warning("%s declares XML entities (no sitemap needs them); not read", response.url)
            return None
        return body

    def sitemap_filter(self, entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        if getattr(entries, "type", None) != "urlset":
            yield from entries  # a sitemap index: _parse_sitemap bounds its children
            return
        for entry in entries:
            loc = entry.get("loc", "")
            self.inc("sitemaps/entries")
            if self._requested >= self.max_urls:
                self.inc("skipped/url_cap")
                continue
            lastmod = _parse_lastmod(entry.get("lastmod"))
            canonical = canonicalize_url(loc)
            if not self.context.seen.should_fetch(canonical, lastmod):
                self.inc("skipped/seen")
                continue
            if self.context.seen.failed_until(canonical) is not None:
                self.inc("skipped/failed_recently")
                continue
            self._hints[loc] = EntryHints(lastmod=lastmod, published=None)
            self._requested += 1
            yield entry

    def page_failed(self, failure: Failure) -> None:
        """Remember a page the site answered 4xx for (not 408/429: those say "later"),
        so it is not asked again before its retry time; other failures are transient
        and the next run asks again. (crawler.reporting.failures has already recorded it.)"""
        if not isinstance(failure.value, HttpError):
            return
        response = failure.value.response
        # An errback takes the HttpError before HttpErrorMiddleware counts it; count as it does.
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("httperror/response_ignored_count")
        self.crawler.stats.inc_value(f"httperror/response_ignored_status_count/{response.status}")
        if 400 <= response.status < 500 and response.status not in (408, 429):
            first_url = (response.meta.get("redirect_urls") or [response.url])[0]
            until = self.context.seen.mark_failed(canonicalize_url(first_url), response.status)
            log.info("%s answered %d; not asked again before %s", first_url, response.status, until)

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
    return in_seoul(parsed)
