"""Keyword searches on portals: Google News RSS, Naver and Kakao (Daum) search APIs.

Portal APIs have quotas (Naver: 25,000 calls a day), so every call is counted
in the seen-store against the source's daily budget, released evenly over the
Korean day (`portals.calls_allowed_now`). Results come newest first; paging
stops at the first result already seen.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.config import SearchSource
from crawler.extraction.urls import canonicalize_url
from crawler.items import EntryHints
from crawler.spiders.base import SourceSpider
from crawler.spiders.portals import (
    PortalHit,
    PortalRequest,
    build_request,
    calls_allowed_now,
    engines_available,
    iterate_until_seen,
    next_request,
    parse_response,
)
from crawler.vocabulary import SEOUL

log = logging.getLogger(__name__)


class SearchSpider(SourceSpider):
    @property
    def search(self) -> SearchSource:
        assert isinstance(self.source, SearchSource)
        return self.source

    async def start(self) -> AsyncIterator[Any]:
        usable, skipped = engines_available(self.search.engines, os.environ)
        for _engine, _reason in skipped:
            self.inc("skipped/engine_without_keys")
        for engine in usable:
            for query in self.search.queries:
                if not self.may_call(engine):
                    break
                yield self.portal_request(build_request(engine, query, os.environ))

    def may_call(self, engine: str) -> bool:
        """Spend one call of the daily budget, if this hour's share allows it."""
        if engine == "google_news":
            return True  # public RSS: no quota, polite crawling applies as for any site
        key = f"{self.source.name}/{engine}"
        today = datetime.now(SEOUL).date()
        used = self.context.seen.spent(key, today)
        budget = self.search.daily_call_budget
        if calls_allowed_now(budget, used, datetime.now(UTC)) <= 0:
            self.inc("skipped/portal_budget")
            return False
        return self.context.seen.spend(key, today, budget)

    def portal_request(self, portal: PortalRequest) -> scrapy.Request:
        return scrapy.Request(
            portal.url,
            headers=dict(portal.headers),
            callback=self.parse_portal,
            cb_kwargs={"portal": portal},
            dont_filter=True,
            # An API endpoint under contract, not a page we crawl: robots.txt
            # (which often disallows /v1/) does not speak to it.
            meta={"dont_obey_robotstxt": portal.engine != "google_news"},
        )

    def parse_portal(self, response: Response, portal: PortalRequest) -> Iterator[scrapy.Request]:
        hits = parse_response(portal.engine, response.body)
        self.inc(f"portals/{portal.engine}/hits", len(hits))
        fresh = list(iterate_until_seen(hits, self.already_seen))
        for hit in fresh:
            request = self.page_request(hit.url, hints_of(hit))
            if request is not None:
                yield request
        if len(fresh) < len(hits):
            return  # reached what an earlier run collected
        following = next_request(portal, response.body, os.environ)
        if following is not None and self.may_call(portal.engine):
            yield self.portal_request(following)

    def already_seen(self, url: str) -> bool:
        return self.context.seen.get(canonicalize_url(url)) is not None


def hints_of(hit: PortalHit) -> EntryHints:
    return EntryHints(title=hit.title or None, published=hit.published, snippet=hit.snippet or None)
