"""Scrapy log lines that name URLs and reasons, never whole items.

Scrapy's default formatter logs every dropped item at WARNING with its full
repr, which would put article bodies in the logs and drown real warnings;
the pipelines already count each drop by reason and log its URL.

Download errors likewise: crawler.fetch.middlewares.FetchOutcomeMiddleware logs one
line per failed URL saying what happened and what to do, so Scrapy's own
"Error downloading" records (each with a Twisted traceback, ~30 lines) are
demoted to DEBUG and show only with `-v`.

Every log line is bounded: crawler.reporting.loglines.BoundedLines, on each handler,
cuts a message past MAX_LOG_CHARS (an exception's text can carry a whole page).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

from crawler.reporting.loglines import bound_log_lines


class QuietLogFormatter(LogFormatter):
    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "dropped: %(exception)s",
            "args": {"exception": exception},
        }

    def scraped(self, item: Any, response: Any, spider: Spider) -> LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "kept %(url)s",
            "args": {"url": getattr(item, "url", "?")},
        }

    def item_error(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        # The URL, not the item: Scrapy's "Error processing {item}" printed the
        # page's whole body (one line of 208,040 characters). The pipelines count
        # it as errors/item:<exception>; the traceback follows with the record.
        return {
            "level": logging.ERROR,
            "msg": "Error processing %(url)s",
            "args": {"url": getattr(item, "url", None) or type(item).__name__},
        }

    def download_error(
        self,
        failure: Failure,
        request: Request,
        spider: Spider,
        errmsg: str | None = None,
    ) -> LogFormatterResult:
        result = super().download_error(failure, request, spider, errmsg)
        result["level"] = logging.DEBUG
        return result


# Records Scrapy logs itself at ERROR that repeat a failure FetchOutcomeMiddleware
# reports: RobotsTxtMiddleware's failed robots.txt download (with its traceback;
# the page's own request fails the same way) and RetryMiddleware's "Gave up
# retrying" (the request's final failure).
REPEATED_ERRORS = {
    "scrapy.downloadermiddlewares.robotstxt": "Error downloading",
    "scrapy.downloadermiddlewares.retry": "Gave up retrying",
}


class DemoteRepeatedErrors(logging.Filter):
    """Turn records starting with `prefix` into DEBUG ones (shown only with -v)."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(self.prefix):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def quiet_repeated_errors() -> None:
    """Install DemoteRepeatedErrors on Scrapy's loggers in REPEATED_ERRORS, once,
    and BoundedLines on the root logger's handlers."""
    for name, prefix in REPEATED_ERRORS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, DemoteRepeatedErrors) for f in logger.filters):
            logger.addFilter(DemoteRepeatedErrors(prefix))
    bound_log_lines()
