"""robots.txt as RFC 9309 reads it: a site whose robots.txt fails is not crawled.

Scrapy's RobotsTxtMiddleware parses whatever robots.txt answered, so a 500
page (HTML, no rules) meant "allow everything", and a robots.txt that could
not be fetched at all meant the same. RFC 9309 §2.3.1.3-4: a 5xx answer, or
a robots.txt unreachable because of server or network errors, means
"complete disallow" until it answers again. Here that holds for the rest of
the run (the next scheduled run asks again); each page it stops is counted
(`newswatch/skipped/robots_unavailable`) and recorded as a failure with the
page's URL and why (crawler.reporting.failures), so the run is not silently empty.

A 4xx robots.txt (none published) still allows everything, as the RFC says,
and a host the SSRF guard refused stays the guard's refusal.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.reporting.failures import FetchFailure, describe_exception, record_failure

__all__ = ["ROBOTS_UNAVAILABLE_STAT", "StrictRobotsTxtMiddleware"]

log = logging.getLogger(__name__)

ROBOTS_UNAVAILABLE_STAT = "newswatch/skipped/robots_unavailable"


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, disallowing every page of a host whose
    robots.txt answered 5xx or could not be fetched (this run)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # netloc → why its robots.txt is unavailable (the exception or the status)
        self._unavailable: dict[str, BaseException | int] = {}

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._unavailable[netloc] = response.status
            log.warning(
                "%s answered HTTP %d: nothing on %s is fetched this run (RFC 9309)",
                response.url, response.status, netloc,
            )  # fmt: skip
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        # An IgnoreRequest is the guard refusing the host: the page meets the same refusal.
        if not isinstance(exc, IgnoreRequest):
            self._unavailable[netloc] = exc
        super()._robots_error(exc, netloc)

    def process_request_2(self, rp: Any, request: Request) -> None:
        why = self._unavailable.get(urlparse_cached(request).netloc)
        if why is None:
            super().process_request_2(rp, request)
            return
        self._stats.inc_value(ROBOTS_UNAVAILABLE_STAT)
        record_failure(self._stats, _unavailable_failure(request.url, why))
        raise IgnoreRequest("robots.txt unavailable")


def _unavailable_failure(url: str, why: BaseException | int) -> FetchFailure:
    if isinstance(why, int):
        message = (
            f"{url} not fetched: the site's robots.txt answered HTTP {why}, which means"
            " 'disallow all' until it recovers (RFC 9309); the next run asks again"
        )
        return FetchFailure(url, "robots_unavailable", message)
    failure = describe_exception(url, why, None)
    if failure is None:
        return FetchFailure(url, "robots_unavailable", f"{url} not fetched: robots.txt failed")
    suffix = " (its robots.txt failed the same way: nothing on the host is fetched this run)"
    return FetchFailure(url, failure.reason, failure.message + suffix)
