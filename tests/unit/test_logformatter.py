"""Log lines stay bounded and never carry an item's body."""

from __future__ import annotations

import io
import logging
from typing import Any

from crawler.logformatter import QuietLogFormatter
from crawler.reporting.loglines import MAX_LOG_CHARS, BoundedLines


class FakeItem:
    url = "https://news.example.kr/a.html"
    body = b"<p>" + "본문".encode() * 100_000 + b"</p>"


def test_item_error_names_the_url_not_the_item() -> None:
    result = QuietLogFormatter().item_error(FakeItem(), RecursionError(), None, None)  # type: ignore[arg-type]
    args: Any = result["args"]
    assert result["msg"] % args == "Error processing https://news.example.kr/a.html"


def test_a_208_000_character_message_and_its_traceback_are_cut() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(BoundedLines())
    logger = logging.getLogger("test_logformatter.bounded")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError("x" * 208_040)
        except ValueError:
            logger.exception("failed on %s", "y" * 208_040)
        logger.warning("short %s", "line")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("failed on yyy") and lines[0].endswith("characters cut)")
    assert len(lines[0]) < MAX_LOG_CHARS + 100
    assert max(map(len, lines)) < 10_000
    assert len(stream.getvalue()) < 20_000
    assert lines[-1] == "short line"
