"""RSS/Atom feeds (feedparser), with conditional GET, and blogs reached through their feeds."""

from __future__ import annotations

import calendar
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from time import struct_time
from typing import Any

import feedparser
import scrapy
from scrapy.http import Response

from crawler.config import BlogSource, FeedSource
from crawler.items import EntryHints
from crawler.pipelines import STATE_ERRORS, articles_not_recorded
from crawler.spiders.base import SourceSpider

log = logging.getLogger(__name__)


class FeedSpider(SourceSpider):
    """Fetch each feed (304 when unchanged), then every entry not already seen."""

    def feed_urls(self) -> list[str]:
        assert isinstance(self.source, FeedSource)
        return list(self.source.urls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, not in start(): a worker on the shared frontier parses feeds
        # another process seeded, without running start().
        self._validators: dict[str, tuple[str | None, str | None]] = {}

    async def start(self) -> AsyncIterator[Any]:
        for url in self.feed_urls():
            yield self.feed_request(url)

    def feed_request(self, url: str) -> scrapy.Request:
        etag, last_modified = self.context.seen.validators(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return scrapy.Request(
            url,
            callback=self.parse_feed,
            headers=headers,
            dont_filter=True,
            meta={"handle_httpstatus_list": [304]},
            cb_kwargs={"feed_url": url},
        )

    def parse_feed(self, response: Response, feed_url: str) -> Iterator[scrapy.Request]:
        if response.status == 304:
            self.inc("feeds/not_modified")
            return
        parsed = feedparser.parse(response.body)
        if not parsed.entries:
            reason = getattr(parsed, "bozo_exception", None) or "no entries"
            self.inc("errors/feed_parse" if parsed.bozo else "feeds/empty")
            log.warning("%s: feed %s gave no entries (%s)", self.name, response.url, reason)
            return
        self.inc("feeds/parsed")
        self.inc("feeds/entries", len(parsed.entries))
        # Remember the validators; they are saved only when the crawl finishes,
        # so an interrupted run does not get a 304 for entries it never fetched.
        self._validators[feed_url] = (
            _header(response, b"ETag"),
            _header(response, b"Last-Modified"),
        )
        for entry in parsed.entries:
            link = entry.get("link") or entry.get("id")
            if not link:
                self.inc("skipped/entry_without_link")
                continue
            request = self.page_request(response.urljoin(link), entry_hints(entry))
            if request is not None:
                yield request

    def closed(self, reason: str) -> None:
        if reason != "finished" or self.context.dry_run:
            return
        assert self.crawler.stats is not None
        lost = articles_not_recorded(self.crawler.stats)
        if lost:
            # A 304 next time would hide the entries whose articles were not recorded.
            log.warning(
                "%s: feed validators not saved: %d articles were not recorded; "
                "the next crawl reads the feeds in full",
                self.name,
                lost,
            )
            return
        try:
            for url, (etag, last_modified) in getattr(self, "_validators", {}).items():
                self.context.seen.set_validators(url, etag, last_modified)
        except STATE_ERRORS as exc:
            log.warning(
                "%s: cannot save feed validators in %s (%s); the next crawl reads the feeds "
                "in full",
                self.name,
                self.context.seen.path,
                exc,
            )


class BlogSpider(FeedSpider):
    """A Tistory or Naver blog, through its RSS feed."""

    def feed_urls(self) -> list[str]:
        assert isinstance(self.source, BlogSource)
        return [self.source.effective_feed_url()]


def entry_hints(entry: Any) -> EntryHints:
    published = _struct_to_datetime(entry.get("published_parsed") or entry.get("updated_parsed"))
    updated = _struct_to_datetime(entry.get("updated_parsed"))
    return EntryHints(
        title=entry.get("title") or None,
        published=published,
        lastmod=updated or published,
        snippet=entry.get("summary") or None,
    )


def _struct_to_datetime(value: struct_time | None) -> datetime | None:
    # feedparser normalizes every date it understands to a UTC struct_time.
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
