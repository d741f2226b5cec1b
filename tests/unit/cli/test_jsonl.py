from __future__ import annotations

import json
from pathlib import Path

from crawler.models import Article
from scheduler.cli.jsonl import LineError, read_articles


def test_bad_lines_are_reported_with_numbers_and_the_rest_read(tmp_path: Path) -> None:
    good = {"url": "https://a/1", "title": "t", "text": "x", "fetched": "2024-01-01T00:00:00Z"}
    lines = [
        json.dumps(good),
        "{broken",
        "",
        json.dumps([1, 2]),
        json.dumps({**good, "url": "https://a/2", "published": "yesterday"}),
        json.dumps({**good, "url": "https://a/3", "colour": "red"}),
        json.dumps({**good, "url": "https://a/4"}),
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(read_articles(path))
    articles = [i for i in items if isinstance(i, Article)]
    errors = [i for i in items if isinstance(i, LineError)]
    assert [a.url for a in articles] == ["https://a/1", "https://a/4"]
    assert [e.line for e in errors] == [2, 4, 5, 6]
    assert "not valid JSON" in str(errors[0]) and str(errors[0]).startswith(f"{path}:2:")
    assert "published" in errors[2].reason
    assert "colour" in errors[3].reason
