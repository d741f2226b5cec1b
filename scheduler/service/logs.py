"""Logging for the service and its children: text for people, JSON lines for collectors."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from crawler.reporting.loglines import BoundedLines

# Attributes every LogRecord has; anything else was passed with `extra=` and is
# emitted as its own JSON field (run_id, source, status, ...).
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            # exc_text: the traceback as BoundedLines cut it, when it was too long.
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# Scrapy and the clients log per request (and Scrapy resets its loggers' levels
# when a crawl starts); our own one-line summaries say what matters, so below
# WARNING these are dropped by a filter on the handler, which Scrapy leaves alone.
QUIET_LOGGERS = (
    "apscheduler",  # logs every job start at INFO; its warnings (skipped, missed) stay
    "scrapy",
    "urllib3",
    "opensearch",
    "elastic_transport",
    "py.warnings",
    "twisted",
    "filelock",
    "trafilatura",
    "htmldate",
)


class _QuietThirdParty(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not any(record.name == n or record.name.startswith(n + ".") for n in QUIET_LOGGERS)


def configure_logging(fmt: str, *, verbose: bool) -> None:
    """Replace the root handlers: one stderr handler in the chosen format, INFO or DEBUG."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(_QuietThirdParty())
    handler.addFilter(BoundedLines())  # no record longer than a screenful
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
