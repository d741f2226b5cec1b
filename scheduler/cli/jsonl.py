"""Read normalized articles from a JSON Lines file, one Article per line.

A bad line is reported with its line number and skipped; it never stops the
lines after it from being read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crawler.article_codec import ArticleValidationError, article_from_mapping
from crawler.models import Article


@dataclass(frozen=True, slots=True)
class LineError:
    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


def read_articles(path: Path) -> Iterator[Article | LineError]:
    with path.open("r", encoding="utf-8", errors="strict", newline=None) as handle:
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
            yield parse_line(path, line_no, line)


def parse_line(path: Path, line_no: int, line: str) -> Article | LineError:
    try:
        data = json.loads(line)
    except ValueError as exc:
        return LineError(path, line_no, f"not valid JSON: {exc}")
    if not isinstance(data, dict):
        return LineError(path, line_no, f"expected a JSON object, got {type(data).__name__}")
    try:
        return article_from_mapping(data)
    except ArticleValidationError as exc:
        return LineError(path, line_no, str(exc))
