"""Requests Scrapy drops without a count in the summary, counted with their reason.

- RedirectLoopMiddleware (downloader, at 610: its process_response runs just
  before RedirectMiddleware's at 600) stops a redirect back to a URL already in
  the chain (`skipped/redirect_loop`; Scrapy would schedule it and its
  duplicate filter would drop it silently) and a chain past REDIRECT_MAX_TIMES
  (`skipped/redirect_limit`; Scrapy's IgnoreRequest is seen by no stat). Both
  are also recorded as the URL's failure (crawler.reporting.failures), so the source's
  outcome lists them.
- CountingUrlLengthMiddleware (spider, Scrapy's UrlLengthMiddleware's place)
  counts each link longer than URLLENGTH_LIMIT (2,083, what browsers accept)
  as `skipped/long_url`; Scrapy only logs it at INFO.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware
from w3lib.url import safe_url_string

from crawler.reporting.failures import FetchFailure, record_failure
from crawler.reporting.failures import StatsLike as FailureStats

__all__ = ["CountingUrlLengthMiddleware", "RedirectLoopMiddleware"]

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class RedirectLoopMiddleware:
    """Count and stop redirect loops and over-long redirect chains."""

    def __init__(self, stats: FailureStats, max_redirects: int) -> None:
        self.stats = stats
        self.max_redirects = max_redirects

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.getint("REDIRECT_MAX_TIMES"))

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        if request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, safe_url_string(location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if target in chain:
            self._drop(request, "redirect_loop", f"redirects back to {target}, a loop")
        ttl = request.meta.get("redirect_ttl", self.max_redirects)
        if not ttl or len(chain) > self.max_redirects:
            self._drop(request, "redirect_limit", f"redirects more than {self.max_redirects} times")
        return response

    def _drop(self, request: Request, reason: str, what: str) -> None:
        first = request.meta.get("redirect_urls", [request.url])[0]
        self.stats.inc_value(f"newswatch/skipped/{reason}")
        message = f"{first} {what}; not followed (the site's redirects are broken)"
        record_failure(self.stats, FetchFailure(first, reason, message))
        raise IgnoreRequest(message)


class CountingUrlLengthMiddleware(UrlLengthMiddleware):
    """Scrapy's UrlLengthMiddleware, counting what it drops as skipped/long_url."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        kept = super().get_processed_request(request, response)
        if kept is None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newswatch/skipped/long_url")
        return kept
