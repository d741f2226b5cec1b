"""Scrapy log lines that name URLs and reasons, never whole items.

Scrapy's default formatter logs every dropped item at WARNING with its full
repr, which would put article bodies in the logs and drown real warnings;
the pipelines already count each drop by reason and log its URL.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


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
