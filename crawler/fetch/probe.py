"""One look at a source before the first crawl: its first URL, fetched once, through the guard.

`newswatch doctor` uses this to say which sources will fail (a 404 feed, a
host that refuses connections, a name that does not resolve, an address
`crawl.allow_hosts` does not list) without starting a crawl. Each URL is
checked by the same guard the crawl uses (crawler/fetch/netguard.py), fetched with
a short deadline, only its status line and headers read; redirects are
followed, each hop checked again. Probes run side by side in daemon threads
and the whole batch returns within its deadline, whatever the network does.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urljoin

import urllib3

from crawler.config import BlogSource, FeedSource, SearchSource, SitemapSource, SiteSource, Source
from crawler.fetch.netguard import Resolver, UnfetchableURL, check_url_async

# Seconds per source: a healthy feed answers in well under 1 s; 5 s tells a slow
# or dead host from a live one without making `doctor` slow (probes run in parallel).
PROBE_TIMEOUT_SECONDS = 5.0
# Scrapy follows up to 20; real feeds and boards redirect once or twice (http → https, www).
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Probe:
    source: str
    url: str | None
    ok: bool
    detail: str


def first_url(source: Source) -> str | None:
    """The URL a crawl of this source fetches first; None for portal searches."""
    if isinstance(source, FeedSource | SitemapSource):
        return source.urls[0]
    if isinstance(source, SiteSource):
        return source.start_urls[0]
    if isinstance(source, BlogSource):
        return source.effective_feed_url()
    return None


def probe_sources(
    sources: Sequence[Source],
    allow_hosts: Collection[str],
    user_agent: str,
    *,
    resolve: Resolver | None = None,
    timeout: float = PROBE_TIMEOUT_SECONDS,
) -> list[Probe]:
    """One Probe per source, in order, within about `timeout` seconds in all."""
    results: dict[int, Probe] = {}
    threads = []
    for i, source in enumerate(sources):
        url = first_url(source)
        if url is None or not source.enabled:
            results[i] = _not_fetched(source)
            continue

        def work(i: int = i, name: str = source.name, url: str = url) -> None:
            results[i] = probe_url(name, url, allow_hosts, user_agent, resolve, timeout)

        thread = threading.Thread(target=work, name=f"probe-{source.name}", daemon=True)
        thread.start()
        threads.append(thread)
    # A DNS lookup (getaddrinfo) ignores our timeouts; the wait does not.
    deadline = time.monotonic() + timeout + 1.0
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [
        results.get(i) or Probe(s.name, first_url(s), False, f"no answer within {timeout:.0f} s")
        for i, s in enumerate(sources)
    ]


def _not_fetched(source: Source) -> Probe:
    if not source.enabled:
        return Probe(source.name, first_url(source), True, "disabled, not checked")
    assert isinstance(source, SearchSource)
    engines = ", ".join(source.engines)
    return Probe(source.name, None, True, f"portal search ({engines}): no URL of its own")


def probe_url(
    name: str,
    url: str,
    allow_hosts: Collection[str],
    user_agent: str,
    resolve: Resolver | None = None,
    timeout: float = PROBE_TIMEOUT_SECONDS,
) -> Probe:
    """GET `url` (headers only), following redirects, each hop through the guard."""
    began = time.monotonic()
    pool = urllib3.PoolManager(headers={"User-Agent": user_agent})
    try:
        for _ in range(MAX_REDIRECTS + 1):
            left = max(0.1, timeout - (time.monotonic() - began))
            asyncio.run(asyncio.wait_for(check_url_async(url, allow_hosts, resolve), left))
            response = pool.request(
                "GET", url, redirect=False, retries=False, preload_content=False,
                timeout=urllib3.Timeout(connect=left, read=left),
            )  # fmt: skip
            response.release_conn()
            location = response.headers.get("Location")
            if response.status in _REDIRECTS and location:
                url = urljoin(url, location)
                continue
            return _answer(name, url, response.status, time.monotonic() - began)
        return Probe(name, url, False, f"more than {MAX_REDIRECTS} redirects")
    except UnfetchableURL as exc:
        return Probe(name, url, False, str(exc))
    except TimeoutError:  # the guard's lookup
        return Probe(name, url, False, f"no answer within {timeout:.0f} s from {url}")
    except urllib3.exceptions.HTTPError as exc:
        return Probe(name, url, False, describe_fetch_error(url, exc, timeout))
    finally:
        pool.clear()


def _answer(name: str, url: str, status: int, seconds: float) -> Probe:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    said = f"{url}: HTTP {status} {phrase}".rstrip() + f" in {seconds:.1f} s"
    return Probe(name, url, 200 <= status < 300, said)


def describe_fetch_error(url: str, exc: urllib3.exceptions.HTTPError, timeout: float) -> str:
    """What went wrong with a connection, in words that say what to check."""
    cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    # Before the timeout test: urllib3 2 makes NewConnectionError a ConnectTimeoutError.
    if isinstance(cause, urllib3.exceptions.NewConnectionError):
        if isinstance(cause.__context__, ConnectionRefusedError):
            return f"connection refused by {url}: nothing listens there; check the host and port"
        return f"cannot connect to {url}: {cause.__context__ or cause}"
    if isinstance(cause, urllib3.exceptions.TimeoutError):
        return f"no answer within {timeout:.0f} s from {url}"
    if isinstance(cause, urllib3.exceptions.SSLError) or isinstance(
        getattr(cause, "__context__", None), ssl.SSLError
    ):
        return f"TLS error talking to {url}: {cause}; check the certificate or the URL's scheme"
    if isinstance(cause, urllib3.exceptions.ProtocolError):
        return f"{url} closed the connection: {cause}"
    return f"cannot fetch {url}: {cause}"
