"""How Scrapy's stats become the crawl summary's errors and skips (crawler.reporting.summary)."""

from __future__ import annotations

from crawler.reporting.summary import CrawlSummary, accumulate_stats


def test_http_errors_are_counted_once_per_page_and_refusals_once() -> None:
    stats = {
        # every response, retries and robots.txt included: not the summary's figures
        "downloader/response_status_count/200": 9,
        "downloader/response_status_count/404": 2,  # a page and robots.txt
        "downloader/response_status_count/429": 5,  # 1 + 3 waits, and one throttled once
        "downloader/response_status_count/500": 3,  # 1 + 2 retries
        # what reached the spider as an error: one per page
        "httperror/response_ignored_status_count/404": 1,
        "httperror/response_ignored_status_count/429": 1,
        "httperror/response_ignored_status_count/500": 1,
        # the SSRF guard's refusals, which Scrapy also counts as download exceptions
        "netguard/blocked": 2,
        "netguard/blocked/loopback": 2,
        "robotstxt/forbidden": 1,
        "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 3,
        # every attempt: a refused connection tried 3 times, a timeout a retry got past
        "downloader/exception_type_count/scrapy.exceptions.DownloadConnectionRefusedError": 3,
        "downloader/exception_type_count/twisted.internet.error.TimeoutError": 1,
        # what failed in the end, one per request (crawler.reporting.failures)
        "fetch/failed": 6,
        "fetch/failed/refused": 1,
        "fetch/failed/dns": 1,
        "fetch/failed/http_404": 1,
        "fetch/failed/blocked:loopback": 2,
        "fetch/failed/robots": 1,
        "newswatch/errors/decompressed_too_large": 1,
        "newswatch/fetched": 8,
    }
    summary = CrawlSummary(sources=["s"])
    accumulate_stats(summary, stats)
    assert dict(summary.errors_by_kind) == {
        "http_404": 1,
        "http_429": 1,
        "http_500": 1,
        "blocked:loopback": 2,
        "download:refused": 1,
        "dns": 1,
        "decompressed_too_large": 1,
    }
    assert dict(summary.skipped_by_reason) == {"robots_txt": 1}
    assert summary.counts["fetched"] == 8
