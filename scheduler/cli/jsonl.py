"""Read normalized articles from a JSON Lines file (or standard input), one Article per line.

A bad line is reported with its line number and skipped; it never stops the
lines after it from being read. A line without `fetched` (articles from
another tool: url, title, text, published) gets the load time instead, and
the reader counts those lines so the command can say so.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from crawler.article_codec import ArticleValidationError, article_from_mapping
from crawler.models import Article

STDIN = Path("-")


@dataclass(frozen=True, slots=True)
class LineError:
    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        where = "<stdin>" if self.path == STDIN else str(self.path)
        return f"{where}:{self.line}: {self.reason}"


@dataclass
class ReadStats:
    """What the reader filled in: lines without `fetched` that got the load time."""

    loaded_at: datetime | None = None  # None: a line without `fetched` is an error
    without_fetched: int = 0


def read_articles(path: Path, stats: ReadStats | None = None) -> Iterator[Article | LineError]:
    stats = stats or ReadStats()
    with _open(path) as handle:
        line_no = 0
        while True:
            line_no += 1
            try:
                line = handle.readline()
            except UnicodeDecodeError as exc:
                yield LineError(path, line_no, f"not UTF-8: {exc.reason}")
                return  # the decoder's position is lost; later lines cannot be trusted
            if not line:
                return
            if not line.strip():
                continue
            yield parse_line(path, line_no, line, stats)


def _open(path: Path) -> IO[str]:
    if path == STDIN:
        # The command reads standard input once, so closing it with the reader is fine.
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="strict", newline=None)
    return path.open("r", encoding="utf-8", errors="strict", newline=None)


def parse_line(
    path: Path, line_no: int, line: str, stats: ReadStats | None = None
) -> Article | LineError:
    try:
        data = json.loads(line)
    except ValueError as exc:
        return LineError(path, line_no, f"not valid JSON: {exc}")
    if not isinstance(data, dict):
        return LineError(path, line_no, f"expected a JSON object, got {type(data).__name__}")
    if stats is not None and stats.loaded_at is not None and data.get("fetched") is None:
        data["fetched"] = stats.loaded_at.isoformat()
        stats.without_fetched += 1
    try:
        return article_from_mapping(data)
    except ArticleValidationError as exc:
        return LineError(path, line_no, str(exc))
