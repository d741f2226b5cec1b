"""Log lines of bounded length, whoever writes them.

An exception's text can carry a whole page (a JSON-LD RecursionError's
message was one line of 208,040 characters). `BoundedLines`, a filter on each
handler, cuts a record's message past MAX_LOG_CHARS and its traceback past
MAX_TRACEBACK_CHARS, saying how much was cut. No Scrapy import: the command
line and the service install it before anything is crawled.
"""

from __future__ import annotations

import logging

__all__ = ["MAX_LOG_CHARS", "MAX_TRACEBACK_CHARS", "BoundedLines", "bound_log_lines"]

# 4,000 characters: room for a message naming two URLs at Scrapy's length limit
# (2,083 each, URLLENGTH_LIMIT) with its advice; one record stays a screenful.
MAX_LOG_CHARS = 4_000
# What is kept of a longer message's exception text and traceback, each.
MAX_TRACEBACK_CHARS = 8_000


class BoundedLines(logging.Filter):
    """Cut a record's message past `limit` characters, saying how much was cut."""

    def __init__(self, limit: int = MAX_LOG_CHARS) -> None:
        super().__init__()
        self.limit = limit

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > self.limit:
            record.msg = f"{message[: self.limit]}… ({len(message) - self.limit} characters cut)"
            record.args = None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if len(text) > MAX_TRACEBACK_CHARS:
                half = MAX_TRACEBACK_CHARS // 2
                record.exc_text = (
                    f"{text[:half]}\n… ({len(text) - 2 * half} characters cut) …\n{text[-half:]}"
                )
        return True


def bound_log_lines() -> None:
    """Install BoundedLines on every handler of the root logger, once each."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, BoundedLines) for f in handler.filters):
            handler.addFilter(BoundedLines())
