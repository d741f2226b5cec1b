"""crawler.reporting.failures and FetchOutcomeMiddleware: each failed fetch, reason and advice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from OpenSSL import SSL
from scrapy import Request
from scrapy.exceptions import DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from twisted.internet import error as tx_error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from crawler.fetch.middlewares import FetchOutcomeMiddleware, NetGuardMiddleware
from crawler.reporting.failures import MAX_KEPT, FetchFailure, describe_exception, describe_status
from crawler.reporting.summary import SourceOutcome

URL = "http://news.example:8080/rss.xml"


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value


def wrapped(outer: Exception, inner: Exception) -> Exception:
    outer.__cause__ = inner  # what Scrapy 2.13+'s wrap_twisted_exceptions does
    return outer


def tls_failure() -> Exception:
    try:
        raise SSL.Error([("SSL routines", "", "certificate verify failed")])
    except SSL.Error:
        return ResponseNeverReceived([Failure()])


@pytest.mark.parametrize(
    ("exc", "reason", "words"),
    [
        (tx_error.DNSLookupError("nope"), "dns", "could not resolve host news.example"),
        (
            wrapped(DownloadConnectionRefusedError("111"), tx_error.ConnectionRefusedError()),
            "refused",
            "connection refused by news.example:8080",
        ),
        (tx_error.TimeoutError(), "timeout", "no answer from news.example:8080 within 10 s"),
        (tls_failure(), "tls", "rss.xml (certificate verify failed); the site's TLS setup"),
        (tx_error.ConnectionLost(), "connection", "the connection to news.example:8080 broke"),
        (ValueError("odd"), "download_error", "cannot fetch " + URL + ": ValueError: odd"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots", "forbidden by the site's robots"),
    ],
)
def test_each_download_error_has_its_own_reason_and_message(
    exc: Exception, reason: str, words: str
) -> None:
    failure = describe_exception(URL, exc, timeout=10.0)
    assert failure is not None
    assert failure.reason == reason
    assert words in failure.message and URL in failure.message
    assert "allow_hosts" not in failure.message  # only a guard refusal names it
    assert "\n" not in failure.message


def test_a_deliberate_ignore_is_not_a_failure() -> None:
    offsite = IgnoreRequest("Filtered offsite request to 'elsewhere.example'")
    assert describe_exception(URL, offsite, None) is None


def test_http_errors_name_the_status_and_what_to_do() -> None:
    assert describe_status(URL, 404) == FetchFailure(
        URL,
        "http_404",
        f"HTTP 404 Not Found from {URL}; check the URL: the page or feed may have moved"
        " or been removed",
    )
    assert "next run tries again" in describe_status(URL, 503).message


def guard_refusal(url: str, allow: list[str]) -> IgnoreRequest:
    guard = NetGuardMiddleware(allow, Stats())
    with pytest.raises(IgnoreRequest) as caught:
        asyncio.run(guard.process_request(Request(url)))
    return caught.value


def test_guard_refusals_keep_their_own_words() -> None:
    blocked = describe_exception(
        "http://127.0.0.2/x", guard_refusal("http://127.0.0.2/x", ["127.0.0.1"]), None
    )
    assert blocked is not None and blocked.reason == "blocked:loopback"
    assert "crawl.allow_hosts" in blocked.message
    bad = describe_exception("ftp://a.example/x", guard_refusal("ftp://a.example/x", []), None)
    assert bad is not None and bad.reason == "bad_url:scheme"
    assert "allow_hosts" not in bad.message


def test_the_middleware_records_final_outcomes_only_for_the_sources_pages() -> None:
    stats = Stats()
    outcome = FetchOutcomeMiddleware(stats)
    page = Request(URL)
    outcome.process_response(page, Response(URL, status=200))
    outcome.process_response(page, Response(URL, status=404))
    feed = Request(URL, meta={"handle_httpstatus_list": [304]})
    outcome.process_response(feed, Response(URL, status=304))
    robots = Request("http://news.example:8080/robots.txt", callback=NO_CALLBACK)
    outcome.process_response(robots, Response(robots.url, status=404))
    outcome.process_exception(robots, tx_error.ConnectionRefusedError())
    outcome.process_exception(page, tx_error.ConnectionRefusedError())
    assert stats.values["fetch/ok"] == 2
    assert stats.values["fetch/failed"] == 2
    assert stats.values["fetch/failed/http_404"] == 1
    assert [f["reason"] for f in stats.values["fetch/failures"]] == ["http_404", "refused"]


def test_the_list_of_failures_is_bounded_and_the_rest_counted() -> None:
    stats = Stats()
    outcome = FetchOutcomeMiddleware(stats)
    for n in range(MAX_KEPT + 5):
        url = f"http://news.example/{n}"
        outcome.process_response(Request(url), Response(url, status=500))
    assert len(stats.values["fetch/failures"]) == MAX_KEPT
    assert stats.values["fetch/failed"] == MAX_KEPT + 5


@pytest.mark.parametrize(
    ("fetched", "failed", "robots", "finish", "status"),
    [
        (0, 0, 0, "finished", "ok"),  # nothing new is not an error
        (3, 0, 0, "finished", "ok"),
        (3, 1, 0, "finished", "partial"),
        (3, 1, 1, "finished", "ok"),  # a link robots.txt forbids, on a healthy site
        (3, 2, 1, "finished", "partial"),
        (0, 2, 0, "finished", "failed"),
        (0, 1, 1, "finished", "failed"),  # the source's own URL is forbidden
        (3, 0, 0, "shutdown", "failed"),
    ],
)
def test_a_source_fails_when_it_fetched_nothing_because_of_errors(
    fetched: int, failed: int, robots: int, finish: str, status: str
) -> None:
    outcome = SourceOutcome("s", finish, fetched=fetched, failed=failed, refused_by_robots=robots)
    assert outcome.status == status
    assert (outcome.describe() is None) == (status == "ok")
