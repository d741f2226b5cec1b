"""What a crawl's Scrapy stats mean: each source's outcome and the crawl's summary.

`SourceOutcome` says how one source went (ok, partial, failed) and which URLs
failed and why (crawler.reporting.failures keeps them in the stats); `CrawlSummary` adds
up every source's figures for the printed summary and the run records. The
stats keys read here are the observability contract: `newswatch/...` counts,
`newswatch/skipped/...`, `newswatch/errors/...`, `netguard/...`, `fetch/...`,
and Scrapy's own `httperror/...`, `robotstxt/forbidden`, `spider_exceptions/...`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from crawler.models import Article
from crawler.reporting.failures import FAILED_STAT, FAILURES_STAT, OK_STAT

SourceStatus = Literal["ok", "partial", "failed"]


@dataclass
class SourceOutcome:
    """How one source's crawl went: `failed` when it fetched nothing because of
    errors (or its spider ended abnormally), `partial` when some fetches failed
    but others worked, `ok` otherwise (fetching nothing new is not an error).

    A link the site's robots.txt forbids is listed with the failures but does not
    make a run that fetched other pages `partial`: a site crawl meets such links on
    every run, and a status that is always yellow stops being read."""

    name: str
    finish_reason: str
    fetched: int = 0  # responses that reached the spider
    failed: int = 0  # fetches that failed after their retries (robots refusals included)
    refused_by_robots: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)  # the first MAX_KEPT
    # This source's own figures, as in the summary (newswatch/... stats, errors by kind).
    counts: dict[str, int] = field(default_factory=dict)
    errors_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def status(self) -> SourceStatus:
        if self.finish_reason != "finished":
            return "failed"
        if self.failed == 0:
            return "ok"
        if self.fetched == 0:
            return "failed"
        return "partial" if self.failed > self.refused_by_robots else "ok"

    def describe(self) -> str | None:
        """One line for a run record's last_error: why it failed, or None when ok."""
        if self.finish_reason != "finished":
            return f"the crawl ended with {self.finish_reason}"
        if self.status == "ok":
            return None
        first = "; ".join(f["message"] for f in self.failures[:2])
        more = f" (and {self.failed - 2} more)" if self.failed > 2 else ""
        return f"{self.failed} of {self.failed + self.fetched} fetches failed: {first}{more}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "finish_reason": self.finish_reason,
            "fetched": self.fetched,
            "failed": self.failed,
            "refused_by_robots": self.refused_by_robots,
            "failures": self.failures,
            "counts": self.counts,
            "errors_by_kind": self.errors_by_kind,
        }

    @classmethod
    def from_stats(cls, name: str, stats: dict[str, Any]) -> SourceOutcome:
        own = CrawlSummary(sources=[name])
        accumulate_stats(own, stats)
        failed = int(stats.get(FAILED_STAT, 0))
        return cls(
            name=name,
            finish_reason=str(stats.get("finish_reason", "not started")),
            fetched=int(stats.get(OK_STAT, 0)),
            failed=failed,
            refused_by_robots=int(stats.get(f"{FAILED_STAT}/robots", 0)),
            failures=list(stats.get(FAILURES_STAT) or []),
            counts={**own.counts, "fetch_failed": failed},
            errors_by_kind=dict(own.errors_by_kind),
        )


@dataclass
class CrawlSummary:
    sources: list[str]
    counts: Counter[str] = field(default_factory=Counter)
    errors_by_kind: Counter[str] = field(default_factory=Counter)
    skipped_by_reason: Counter[str] = field(default_factory=Counter)
    per_source: dict[str, dict[str, Any]] = field(default_factory=dict)
    engine: str | None = None
    spool_pending: int = 0
    finish_reasons: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, SourceOutcome] = field(default_factory=dict)
    # A dry run's articles that would have been indexed, in the order they passed.
    would_index: list[Article] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No source failed (a partial source is not a failure of the crawl), and no
        article failed to be indexed or kept (`articles_failed`)."""
        return all(o.status != "failed" for o in self.outcomes.values()) and not (
            self.articles_failed
        )

    @property
    def articles_failed(self) -> int:
        """Articles (bulk actions) refused by the engine, or lost to a local state write."""
        return sum(n for k, n in self.errors_by_kind.items() if k.startswith(ARTICLE_ERRORS))


# Error kinds (`newswatch/errors/<kind>` and the indexer's) that cost an article in
# this run; each is kept (spool) or fetched again by the next crawl, never dropped.
ARTICLE_ERRORS = ("index:", "spool:", "disk_full", "local_state", "index_send", "item:")


# Scrapy's own stats that mean "an error of this kind" in the summary.
_SCRAPY_ERROR_PREFIXES = {
    "spider_exceptions/": "spider",
    "netguard/blocked/": "blocked",
    "netguard/bad_url/": "bad_url",
}
# Download failures, one per request after its retries (crawler.reporting.failures'
# `fetch/failed/<reason>`), as `download:<reason>`. Not Scrapy's
# `downloader/exception_type_count/`, which counts every attempt: a refused
# connection with two retries is one failure, not three, and a timeout that a
# retry got past is none.
_DOWNLOAD_FAILURES = frozenset({"refused", "timeout", "tls", "connection", "download_error"})
# Final HTTP errors, one per page: what HttpErrorMiddleware refused to pass to the
# spider. Not `downloader/response_status_count/`, which also counts every retried
# 500/429 (a page that failed three times, or was rate-limited once and then
# fetched, is not three errors or one) and robots.txt answers (a site without
# robots.txt is not an error).
_HTTP_ERROR_PREFIX = "httperror/response_ignored_status_count/"


def accumulate_stats(summary: CrawlSummary, stats: dict[str, Any]) -> None:
    for key, value in stats.items():
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if key.startswith("newswatch/skipped/"):
            summary.skipped_by_reason[key.removeprefix("newswatch/skipped/")] += value
        elif key.startswith("newswatch/errors/"):
            summary.errors_by_kind[key.removeprefix("newswatch/errors/")] += value
        elif key.startswith("newswatch/"):
            summary.counts[key.removeprefix("newswatch/")] += value
        elif key.startswith(_HTTP_ERROR_PREFIX):
            summary.errors_by_kind[f"http_{key.removeprefix(_HTTP_ERROR_PREFIX)}"] += value
        elif key == "robotstxt/forbidden":
            summary.skipped_by_reason["robots_txt"] += value
        elif key == f"{FAILED_STAT}/dns":  # the guard's lookup or the downloader's
            summary.errors_by_kind["dns"] += value
        elif key.removeprefix(f"{FAILED_STAT}/") in _DOWNLOAD_FAILURES:
            summary.errors_by_kind[f"download:{key.removeprefix(f'{FAILED_STAT}/')}"] += value
        else:
            for prefix, kind in _SCRAPY_ERROR_PREFIXES.items():
                if key.startswith(prefix):
                    summary.errors_by_kind[f"{kind}:{key.removeprefix(prefix)}"] += value
