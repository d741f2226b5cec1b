"""Scrapy downloader middlewares: the SSRF guard, Retry-After handling, fetch outcomes.

Both are built by `from_crawler` from settings; `__init__` takes plain values
so tests can build them without a crawler.

Order (see MIDDLEWARE_ORDERS; crawler/settings.py registers them):

- NetGuardMiddleware at 60: process_request runs in increasing order, so 60
  comes right after Scrapy's OffsiteMiddleware (50, a cheap rejection that
  saves a DNS lookup) and before RobotsTxtMiddleware (100), which would
  otherwise fetch robots.txt from a host we are about to refuse. Redirects
  are covered whatever the order: RedirectMiddleware (600) and
  MetaRefreshMiddleware (580) return a NEW Request from process_response,
  the engine schedules it like any other, and it re-enters the chain from the
  top, through this process_request. Requests the engine downloads directly
  (robots.txt, `engine.download_async`) pass through the same chain.
  Limit: the guard resolves the host and the download handler resolves it
  again; a rebinding DNS server could answer differently the second time.
- FetchOutcomeMiddleware at 55: process_response and process_exception run
  in DECREASING order, so 55 sees what is left after RedirectMiddleware (600),
  RetryAfterMiddleware (560) and RetryMiddleware (550): the final response
  or the final exception of each request, once, after its retries. It
  records each failure with its URL and reason (crawler.reporting.failures) and logs
  one line for it; Scrapy's own "Error downloading" record, with its Twisted
  traceback, is at DEBUG (crawler.logformatter), so it shows only with -v.
- RetryAfterMiddleware at 560: process_response runs in DECREASING order, so
  560 sees a 429/503 before Scrapy's RetryMiddleware (550), which would retry
  at once, ignoring Retry-After. Its process_request (also at 560) is where
  the wait happens.

Why a wait in process_request rather than a slot delay: Scrapy has no
per-request delay (scrapy/scrapy#802, #6660), and a slot's `delay` is the
steady-state gap AutoThrottle also writes to, so raising it would slow the
whole host for the rest of the crawl. Instead the middleware remembers, per
download slot (host), the moment the server allowed us back, and an
`async def process_request` sleeps (asyncio, the reactor Scrapy 2.13+ runs by
default) until then for every request to that host, including the retry.
The request has not reached the download slot yet, so the sleep holds no
connection; it does count against CONCURRENT_REQUESTS while it waits, which
is why the wait is capped (MAX_WAIT_SECONDS, setting
NEWSWATCH_RETRY_AFTER_MAX_WAIT): a longer Retry-After is not waited for at
all; the response goes on as final (no immediate RetryMiddleware retry) and
the next scheduled run asks again.

- CountingDecompressionMiddleware at 590 replaces Scrapy's
  HttpCompressionMiddleware (same order): it is the same middleware, but it
  counts the responses it refuses for inflating past DOWNLOAD_MAXSIZE (gzip,
  deflate, brotli or zstd bombs). Scrapy's raises IgnoreRequest from
  process_response, which no other middleware, stat or errback sees, so
  without the count a refused bomb was missing from the crawl summary.

Stats: netguard/blocked, netguard/blocked/<reason>, netguard/bad_url/<reason>,
netguard/unresolvable, retry_after/honoured, retry_after/too_long,
retry_after/gave_up, newswatch/errors/decompressed_too_large, and
fetch/ok, fetch/failed[/<reason>], fetch/failures (crawler.reporting.failures).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached

from crawler.fetch.netguard import (
    BadURL,
    BlockedURL,
    Resolver,
    UnfetchableURL,
    UnresolvableHost,
    check_url_async,
)
from crawler.reporting.failures import (
    FetchFailure,
    describe_exception,
    describe_status,
    record_failure,
    record_success,
)
from crawler.reporting.failures import StatsLike as FailureStats

__all__ = [
    "MIDDLEWARE_ORDERS",
    "CountingDecompressionMiddleware",
    "FetchOutcomeMiddleware",
    "NetGuardMiddleware",
    "RetryAfterMiddleware",
    "parse_retry_after",
]

logger = logging.getLogger(__name__)

MIDDLEWARE_ORDERS = {
    "crawler.fetch.middlewares.FetchOutcomeMiddleware": 55,
    "crawler.fetch.middlewares.NetGuardMiddleware": 60,
    # RFC 9309's reading of a failed robots.txt (crawler.fetch.robots), at Scrapy's place.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.fetch.robots.StrictRobotsTxtMiddleware": 100,
    "crawler.fetch.middlewares.RetryAfterMiddleware": 560,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.fetch.middlewares.CountingDecompressionMiddleware": 590,
}
DECOMPRESSED_TOO_LARGE_STAT = "newswatch/errors/decompressed_too_large"

ALLOW_HOSTS_SETTING = "NEWSWATCH_ALLOW_HOSTS"
MAX_WAIT_SETTING = "NEWSWATCH_RETRY_AFTER_MAX_WAIT"
MAX_TIMES_SETTING = "NEWSWATCH_RETRY_AFTER_MAX_TIMES"

# 120 s: Korean portals and CDNs that rate-limit us ask for 1-60 s; a longer
# request usually means "come back much later", which the next scheduled run
# (every 15-60 min) does better than a request parked in the downloader.
MAX_WAIT_SECONDS = 120.0
# Three honoured waits per request; a server still refusing after that is
# overloaded or down, and the request is left to the next scheduled run.
MAX_TIMES = 3
RETRY_AFTER_STATUSES = frozenset({429, 503})
_TIMES_META = "retry_after_times"


class StatsLike(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


class NetGuardMiddleware:
    """Refuse requests to non-http(s) URLs and to non-public addresses (crawler.fetch.netguard).

    The refusal is an IgnoreRequest (Scrapy neither retries nor logs it) whose
    __cause__ is the netguard exception; FetchOutcomeMiddleware reports it.
    `resolve` is the resolver hook (default: the system's getaddrinfo)."""

    def __init__(
        self, allow_hosts: Collection[str], stats: StatsLike, resolve: Resolver | None = None
    ) -> None:
        self.allow_hosts = frozenset(allow_hosts)
        self.stats = stats
        self.resolve = resolve

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetGuardMiddleware:
        assert crawler.stats is not None  # always set once a Crawler is built
        return cls(crawler.settings.getlist(ALLOW_HOSTS_SETTING), crawler.stats)

    async def process_request(self, request: Request) -> None:
        try:
            await check_url_async(request.url, self.allow_hosts, self.resolve)
        except UnfetchableURL as exc:
            self.stats.inc_value(_guard_stat(exc))
            if isinstance(exc, BlockedURL):
                self.stats.inc_value("netguard/blocked")
            raise IgnoreRequest(str(exc)) from exc


def _guard_stat(exc: UnfetchableURL) -> str:
    if isinstance(exc, UnresolvableHost):
        return "netguard/unresolvable"
    if isinstance(exc, BadURL):
        return f"netguard/bad_url/{exc.reason}"
    return f"netguard/blocked/{exc.reason}"


class FetchOutcomeMiddleware:
    """Count each request's final outcome; record every failure with its URL and reason."""

    def __init__(self, stats: FailureStats, allowed_statuses: Collection[int] = ()) -> None:
        self.stats = stats
        self.allowed_statuses = frozenset(allowed_statuses)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchOutcomeMiddleware:
        assert crawler.stats is not None
        settings = crawler.settings
        allowed = range(100, 600) if settings.getbool("HTTPERROR_ALLOW_ALL") else ()
        return cls(crawler.stats, [*allowed, *settings.getlist("HTTPERROR_ALLOWED_CODES")])

    def process_response(self, request: Request, response: Response) -> Response:
        if request.callback is NO_CALLBACK:
            return response  # robots.txt, fetched for the middleware: not the source's page
        if response.status >= 400 and not self._handled(request, response.status):
            record_failure(self.stats, describe_status(request.url, response.status))
        else:
            record_success(self.stats)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if request.callback is NO_CALLBACK:
            return  # a robots.txt failure; the page's own request fails or succeeds next
        timeout = request.meta.get("download_timeout")
        failure = describe_exception(request.url, exception, timeout)
        if failure is not None:
            record_failure(self.stats, failure)

    def _handled(self, request: Request, status: int) -> bool:
        """What HttpErrorMiddleware lets through to the spider (so not an error)."""
        meta = request.meta
        if meta.get("handle_httpstatus_all"):
            return True
        return status in meta.get("handle_httpstatus_list", ()) or status in self.allowed_statuses


class RetryAfterMiddleware:
    """Honour Retry-After on 429/503: hold the host until then, then retry."""

    def __init__(
        self,
        stats: StatsLike,
        max_wait: float = MAX_WAIT_SECONDS,
        max_times: int = MAX_TIMES,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.stats = stats
        self.max_wait = max_wait
        self.max_times = max_times
        self._clock = clock
        self._sleep = sleep
        # slot key → monotonic time before which the host must not be asked again
        self._not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        assert crawler.stats is not None
        settings = crawler.settings
        return cls(
            crawler.stats,
            max_wait=settings.getfloat(MAX_WAIT_SETTING, MAX_WAIT_SECONDS),
            max_times=settings.getint(MAX_TIMES_SETTING, MAX_TIMES),
        )

    async def process_request(self, request: Request) -> None:
        key = _slot_key(request)
        remaining = self._not_before.get(key, 0.0) - self._clock()
        if remaining > 0:
            await self._sleep(remaining)
        elif key in self._not_before:
            del self._not_before[key]

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in RETRY_AFTER_STATUSES or request.meta.get("dont_retry"):
            return response
        header = response.headers.get(b"Retry-After")
        wait = parse_retry_after(header.decode("latin-1"), datetime.now(UTC)) if header else None
        if wait is None:
            return response  # RetryMiddleware's plain retry applies
        if wait > self.max_wait:
            self.stats.inc_value("retry_after/too_long")
            logger.warning(
                "%s asked to wait %.0f s (cap %.0f s); leaving it to the next run",
                request.url, wait, self.max_wait,
            )  # fmt: skip
            return _final(request, response)
        times = int(request.meta.get(_TIMES_META, 0))
        if times >= self.max_times:
            self.stats.inc_value("retry_after/gave_up")
            return _final(request, response)
        key = _slot_key(request)
        self._not_before[key] = max(self._not_before.get(key, 0.0), self._clock() + wait)
        self.stats.inc_value("retry_after/honoured")
        logger.info("HTTP %d from %s: retrying in %.1f s", response.status, request.url, wait)
        retry = request.replace(dont_filter=True)
        retry.meta[_TIMES_META] = times + 1
        return retry


class CountingDecompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's HttpCompressionMiddleware, counting the bodies it refuses to inflate."""

    # Without the deprecated `spider` argument, like the other middlewares here
    # (Scrapy 2.13+ calls process_response without it when the signature lacks it).
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            # Raised only when the body inflates past DOWNLOAD_MAXSIZE.
            if self.stats is not None:
                self.stats.inc_value(DECOMPRESSED_TOO_LARGE_STAT)
                message = (
                    f"{request.url} inflates past crawl.max_page_bytes when decompressed;"
                    " not read (raise the limit if the page is genuine)"
                )
                record_failure(self.stats, FetchFailure(request.url, "too_large", message))
            raise


def _final(request: Request, response: Response) -> Response:
    """Pass the refusal on, and keep RetryMiddleware from re-asking at once a
    server that told us to wait: the next scheduled run will try again."""
    request.meta["dont_retry"] = True
    return response


def parse_retry_after(value: str, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date), or None."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a zone-less one is read as such
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _slot_key(request: Request) -> str:
    """The downloader's slot key: the `download_slot` meta, else the host name."""
    slot = request.meta.get("download_slot")
    return str(slot) if slot else (urlparse_cached(request).hostname or "")
