"""Why a URL was not fetched, in words a person can act on, kept in the crawl stats.

Each failed fetch becomes one `FetchFailure`: the URL, a reason slug (`http_404`,
`dns`, `refused`, `timeout`, `tls`, `connection`, `blocked:<why>`,
`bad_url:<why>`, `robots`, `too_large`, `download_error`) and a one-line
message that says what happened and what to do. Only a guard refusal
(`blocked:...`) mentions `crawl.allow_hosts`: it is the only one that setting
can fix.

They are kept in the crawler's stats, beside Scrapy's own slash-path keys, so
every middleware of one crawl can add to them and the runner reads them with
the rest (see crawler.runner.SourceOutcome):

    fetch/ok                      responses that reached the spider (robots.txt not counted)
    fetch/failed                  fetches that failed, after retries
    fetch/failed/<reason>         the same by reason
    fetch/failures                the first MAX_KEPT failures, as dicts (url, reason, message)
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit

from crawler.fetch.netguard import BadURL, BlockedURL, UnfetchableURL

__all__ = [
    "MAX_KEPT",
    "FetchFailure",
    "describe_exception",
    "describe_status",
    "record_failure",
    "record_success",
]

log = logging.getLogger(__name__)

# The failures kept with their URLs, per source and run: enough to see a pattern
# (one host, one path), small enough for a run record and a terminal; the rest
# are counted (fetch/failed) by reason.
MAX_KEPT = 20

OK_STAT = "fetch/ok"
FAILED_STAT = "fetch/failed"
FAILURES_STAT = "fetch/failures"
ROBOTS_REFUSAL = "Forbidden by robots.txt"  # scrapy's RobotsTxtMiddleware's IgnoreRequest


class StatsLike(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...
    def get_value(self, key: str, default: Any = None) -> Any: ...
    def set_value(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class FetchFailure:
    url: str
    reason: str
    message: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def record_success(stats: StatsLike) -> None:
    stats.inc_value(OK_STAT)


def record_failure(stats: StatsLike, failure: FetchFailure) -> None:
    """Count it, keep it if fewer than MAX_KEPT are kept, and log its one line."""
    stats.inc_value(FAILED_STAT)
    stats.inc_value(f"{FAILED_STAT}/{failure.reason}")
    kept: list[dict[str, str]] = stats.get_value(FAILURES_STAT) or []
    if len(kept) < MAX_KEPT:
        stats.set_value(FAILURES_STAT, [*kept, failure.to_json()])
    log.warning("%s", failure.message)


def describe_status(url: str, status: int) -> FetchFailure:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "(non-standard status)"
    what = f"HTTP {status} {phrase} from {url}"
    return FetchFailure(url, f"http_{status}", f"{what}; {_status_advice(status)}")


def _status_advice(status: int) -> str:
    if status in (404, 410):
        return "check the URL: the page or feed may have moved or been removed"
    if status in (401, 403, 451):
        return "the site refuses the crawler (login, user agent or region)"
    if status == 429:
        return "the site is rate-limiting the crawler: widen the source's schedule"
    if status >= 500:
        return "the site is failing; the next run tries again"
    return "check the URL"


def describe_exception(url: str, exc: BaseException, timeout: float | None) -> FetchFailure | None:
    """The failure an exception from the downloader means, or None when it is not a
    failure (an offsite link, a duplicate: Scrapy's deliberate IgnoreRequests)."""
    cause = exc.__cause__ if isinstance(exc.__cause__, UnfetchableURL) else exc
    if isinstance(cause, UnfetchableURL):
        return FetchFailure(url, _guard_reason(cause), str(cause))
    name = type(exc).__name__
    if name == "IgnoreRequest":
        if str(exc) == ROBOTS_REFUSAL:
            return FetchFailure(url, "robots", f"{url} is forbidden by the site's robots.txt")
        return None
    return _download_failure(url, exc, timeout)


def _guard_reason(exc: UnfetchableURL) -> str:
    if isinstance(exc, BlockedURL):
        return f"blocked:{exc.reason}"
    if isinstance(exc, BadURL):
        return f"bad_url:{exc.reason}"
    return exc.reason  # UnresolvableHost: "dns"


# Exception class names (Twisted's, and Scrapy 2.13+'s wrappers of them) by reason.
# Names, not classes: Scrapy's wrappers do not exist in older versions, and this
# module stays importable without Twisted's internals.
_KINDS_BY_NAME = {
    "DNSLookupError": "dns",
    "CannotResolveHostError": "dns",
    "ConnectionRefusedError": "refused",
    "DownloadConnectionRefusedError": "refused",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "UserTimeoutError": "timeout",
    "DownloadTimeoutError": "timeout",
    "UnsupportedURLSchemeError": "bad_url:scheme",
}
_CONNECTION_ERRORS = frozenset(
    {
        "ConnectionLost",
        "ConnectionDone",
        "ConnectionAborted",
        "ResponseFailed",
        "ResponseNeverReceived",
        "DownloadFailedError",
        "ResponseDataLossError",
    }
)


def _download_failure(url: str, exc: BaseException, timeout: float | None) -> FetchFailure:
    host, detail = _host_port(url), _detail(exc)
    kind = _kind(exc)
    if kind == "dns":
        what = f"could not resolve host {urlsplit(url).hostname} for {url}"
        advice = "check the host name, and that this machine can reach its DNS server"
    elif kind == "refused":
        what = f"connection refused by {host} for {url}"
        advice = "the site is down or the port is wrong"
    elif kind == "timeout":
        within = f" within {timeout:g} s (crawl.download_timeout)" if timeout else ""
        what = f"no answer from {host}{within} for {url}"
        advice = "the site is slow or unreachable; the next run tries again"
    elif kind == "tls":
        what = f"TLS error with {host} for {url} ({detail})"
        advice = (
            "the site's TLS setup is broken, or the URL says https:// for a port that"
            " speaks plain http"
        )
    elif kind == "bad_url:scheme":
        what = f"cannot fetch {url}: its scheme is not supported"
        advice = "only http:// and https:// URLs can be crawled"
    elif kind == "connection":
        what = f"the connection to {host} broke for {url} ({detail})"
        advice = "the next run tries again"
    else:
        return FetchFailure(url, kind, f"cannot fetch {url}: {type(exc).__name__}: {detail}")
    return FetchFailure(url, kind, f"{what}; {advice}")


def _kind(exc: BaseException) -> str:
    chain = _causes(exc)
    for link in chain:
        if type(link).__name__ in _KINDS_BY_NAME:
            return _KINDS_BY_NAME[type(link).__name__]
    if any(_is_tls(link) for link in chain):
        return "tls"
    if any(type(link).__name__ in _CONNECTION_ERRORS for link in chain):
        return "connection"
    return "download_error"


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps (__cause__), outermost first, bounded."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and len(chain) < 5:
        chain.append(link)
        link = link.__cause__
    return chain


def _is_tls(exc: BaseException) -> bool:
    """An OpenSSL error, itself or among the reasons Twisted wraps it in."""
    if type(exc).__module__.startswith("OpenSSL") or "SSL" in type(exc).__name__:
        return True
    reasons = getattr(exc, "reasons", None) or []  # ResponseNeverReceived, ResponseFailed
    return any(_is_tls(getattr(r, "value", r)) for r in reasons if r is not exc)


def _detail(exc: BaseException) -> str:
    """The innermost words: Twisted wraps the real error (an OpenSSL one, a lost
    connection) in reasons lists, and Scrapy wraps those again (__cause__)."""
    for link in _causes(exc):
        reasons = getattr(link, "reasons", None)
        if reasons:
            return "; ".join(_detail(getattr(r, "value", r)) for r in reasons)
    if _is_tls(exc) and exc.args and isinstance(exc.args[0], list):
        # OpenSSL's [(library, function, reason), ...]: the reasons say it
        text = "; ".join(str(e[-1]) for e in exc.args[0] if isinstance(e, tuple)) or str(exc)
    else:
        text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:200]  # one line, bounded: some errors dump whole objects


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or url
    return f"{host}:{port}" if port else host
