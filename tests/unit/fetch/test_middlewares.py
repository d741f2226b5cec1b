"""crawler.fetch.middlewares: NetGuardMiddleware and RetryAfterMiddleware.

Unit tests drive the middlewares with Scrapy Request/Response objects; one
test runs a real crawl (in a subprocess, since a Twisted reactor cannot be
restarted in-process) against an HTTP server on 127.0.0.1, port 0.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.fetch.middlewares import NetGuardMiddleware, RetryAfterMiddleware, parse_retry_after
from crawler.fetch.netguard import UnresolvableHost
from tests.quiet_http import QuietHandler

REPO = Path(__file__).resolve().parents[3]


class Stats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] += count


# --- NetGuardMiddleware -------------------------------------------------------


def test_netguard_lets_an_allowed_loopback_host_through() -> None:
    stats = Stats()
    guard = NetGuardMiddleware(["127.0.0.1"], stats)
    assert asyncio.run(guard.process_request(Request("http://127.0.0.1:8000/a"))) is None
    assert not stats.values


def test_netguard_refuses_an_unlisted_loopback_host_and_counts_the_reason() -> None:
    stats = Stats()
    guard = NetGuardMiddleware(["127.0.0.1"], stats)
    with pytest.raises(IgnoreRequest, match=r"127\.0\.0\.2.*loopback"):
        asyncio.run(guard.process_request(Request("http://127.0.0.2:8000/a")))
    assert stats.values == Counter({"netguard/blocked": 1, "netguard/blocked/loopback": 1})


def test_netguard_refuses_non_http_schemes() -> None:
    stats = Stats()
    guard = NetGuardMiddleware(["127.0.0.1"], stats)
    with pytest.raises(IgnoreRequest):
        asyncio.run(guard.process_request(Request("file:///etc/passwd")))
    assert stats.values == Counter({"netguard/bad_url/scheme": 1})  # not a guard refusal


def test_netguard_reports_an_unresolvable_host_through_its_resolver_hook() -> None:
    async def no_dns(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    stats = Stats()
    guard = NetGuardMiddleware([], stats, resolve=no_dns)
    with pytest.raises(IgnoreRequest, match=r"could not resolve host nowhere\.example") as caught:
        asyncio.run(guard.process_request(Request("http://nowhere.example/feed")))
    assert "allow_hosts" not in str(caught.value)
    assert isinstance(caught.value.__cause__, UnresolvableHost)
    assert stats.values == Counter({"netguard/unresolvable": 1})


# --- RetryAfterMiddleware -----------------------------------------------------

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("Wed, 01 May 2024 12:00:30 GMT", 30.0),
        ("Wed, 01 May 2024 11:59:00 GMT", 0.0),  # already past
        ("soon", None),
        ("-5", None),
        ("", None),
    ],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


class FakeTime:
    """A monotonic clock that only moves when the middleware sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def make_retry_after(
    max_wait: float = 120.0, max_times: int = 3
) -> tuple[RetryAfterMiddleware, Stats, FakeTime]:
    stats, fake = Stats(), FakeTime()
    middleware = RetryAfterMiddleware(
        stats, max_wait=max_wait, max_times=max_times, clock=fake.clock, sleep=fake.sleep
    )
    return middleware, stats, fake


def busy(request: Request, status: int = 429, retry_after: str | None = "5") -> Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Response(request.url, status=status, headers=headers, request=request)


def test_a_429_with_retry_after_is_retried_after_the_wait() -> None:
    middleware, stats, fake = make_retry_after()
    request = Request("http://127.0.0.1:8000/busy")
    retry = middleware.process_response(request, busy(request))
    assert isinstance(retry, Request)
    assert retry.url == request.url and retry.dont_filter
    assert retry.meta["retry_after_times"] == 1
    assert stats.values["retry_after/honoured"] == 1
    # the retry, and any other request to the same host, waits; other hosts do not
    asyncio.run(middleware.process_request(retry))
    assert fake.slept == [5.0]
    asyncio.run(middleware.process_request(Request("http://127.0.0.1:8000/other")))
    assert fake.slept == [5.0]  # the wait is over
    asyncio.run(middleware.process_request(Request("http://localhost:8000/x")))
    assert fake.slept == [5.0]


def test_a_503_with_an_http_date_is_honoured() -> None:
    middleware, stats, _ = make_retry_after()
    request = Request("http://127.0.0.1:8000/down")
    later = datetime.now(UTC).timestamp() + 30
    header = datetime.fromtimestamp(later, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert isinstance(middleware.process_response(request, busy(request, 503, header)), Request)
    assert stats.values["retry_after/honoured"] == 1


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(200, "5"), (429, None), (503, None), (500, "5"), (429, "soon")],
)
def test_other_responses_pass_through(status: int, retry_after: str | None) -> None:
    middleware, stats, _ = make_retry_after()
    request = Request("http://127.0.0.1:8000/x")
    response = busy(request, status, retry_after)
    assert middleware.process_response(request, response) is response
    assert not stats.values


def test_a_wait_beyond_the_cap_is_left_to_the_next_run() -> None:
    middleware, stats, fake = make_retry_after(max_wait=120)
    request = Request("http://127.0.0.1:8000/x")
    response = busy(request, 429, "3600")
    assert middleware.process_response(request, response) is response
    assert stats.values == Counter({"retry_after/too_long": 1})
    assert request.meta["dont_retry"]  # RetryMiddleware must not re-ask at once
    asyncio.run(middleware.process_request(request))
    assert fake.slept == []


def test_retries_stop_after_max_times() -> None:
    middleware, stats, _ = make_retry_after(max_times=2)
    request = Request("http://127.0.0.1:8000/x")
    for _ in range(2):
        request = middleware.process_response(request, busy(request))  # type: ignore[assignment]
        assert isinstance(request, Request)
    response = busy(request)
    assert middleware.process_response(request, response) is response
    assert stats.values["retry_after/gave_up"] == 1
    assert request.meta["dont_retry"]


def test_dont_retry_is_respected() -> None:
    middleware, _, _ = make_retry_after()
    request = Request("http://127.0.0.1:8000/x", meta={"dont_retry": True})
    response = busy(request)
    assert middleware.process_response(request, response) is response


# --- a real crawl on loopback -------------------------------------------------


class FixtureHandler(QuietHandler):
    hits: ClassVar[Counter[str]] = Counter()

    def do_GET(self) -> None:
        self.hits[self.path] += 1
        if self.path == "/redirect":
            port = self.server.server_port  # type: ignore[attr-defined]
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.2:{port}/forbidden")
            self.end_headers()
        elif self.path == "/busy" and self.hits[self.path] == 1:
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.end_headers()
        else:
            body = b"ok"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


@pytest.fixture()
def loopback_site() -> Iterator[tuple[int, Counter[str]]]:
    FixtureHandler.hits = Counter()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FixtureHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], FixtureHandler.hits
    finally:
        server.shutdown()
        server.server_close()


CRAWL_SCRIPT = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from crawler.fetch.middlewares import MIDDLEWARE_ORDERS

port = int(sys.argv[1])

class Probe(scrapy.Spider):
    name = "probe"
    async def start(self):
        for path in ("/ok", "/redirect", "/busy"):
            yield scrapy.Request(f"http://127.0.0.1:{port}{path}")
        yield scrapy.Request(f"http://127.0.0.2:{port}/direct")
    def parse(self, response):
        yield {"url": response.url, "status": response.status}

process = CrawlerProcess({
    "DOWNLOADER_MIDDLEWARES": MIDDLEWARE_ORDERS,
    "NEWSWATCH_ALLOW_HOSTS": ["127.0.0.1"],
    "ROBOTSTXT_OBEY": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "ERROR",
    "CLOSESPIDER_TIMEOUT": 20,
})
crawler = process.create_crawler(Probe)
process.crawl(crawler)
process.start()
print(json.dumps({k: v for k, v in crawler.stats.get_stats().items() if "/" in k}, default=str))
"""


def test_a_real_crawl_refuses_127_0_0_2_and_honours_retry_after(
    loopback_site: tuple[int, Counter[str]],
) -> None:
    port, hits = loopback_site
    done = subprocess.run(
        [sys.executable, "-c", CRAWL_SCRIPT, str(port)],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    # the direct request and the redirect target, both to 127.0.0.2
    assert stats["netguard/blocked"] == 2
    assert stats["netguard/blocked/loopback"] == 2
    assert stats["retry_after/honoured"] == 1
    assert stats["downloader/response_status_count/200"] == 2  # /ok and the retried /busy
    assert hits == Counter({"/ok": 1, "/redirect": 1, "/busy": 2})
