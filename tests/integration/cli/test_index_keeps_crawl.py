"""`newswatch index` over what the crawl indexed: lines without `fetched`, fields kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.engine.bulk import index_articles
from crawler.engine.client import SearchStore
from crawler.models import Article, document_id
from scheduler.cli import main

URL = "https://news.example.kr/a/1"


def crawled() -> Article:
    """As the crawl indexed it: a source, a story (a copy), a feed-given date, a repost's origin."""
    return Article(
        url=URL,
        title="대구시, 항저우 시티브레인 벤치마킹",
        text="대구시가 알리바바의 시티브레인을 보러 항저우에 갔다. " * 5,
        fetched=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        published=datetime(2026, 3, 1, 6, 0, tzinfo=UTC),
        site_name="내일신문",
        source="naeil-feed",
        kind="blog",
        story_id="story-daegu",
        is_original=False,
        original_outlet="연합뉴스",
        original_url="https://wire.example.kr/1",
    )


def source_of(store: SearchStore, url: str = URL) -> dict[str, Any]:
    response = store.request("GET", f"/newswatch-articles/_doc/{document_id(url)}")
    source: dict[str, Any] = response["_source"]
    return source


def write_lines(path: Path, *docs: dict[str, Any]) -> Path:
    lines = (json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_lines_without_fetched_get_the_load_time_and_the_command_says_so(
    ready_store: SearchStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other_tool = {"url": "https://x.example.kr/1", "title": "스마트시티", "text": "대구 스마트시티"}
    path = write_lines(
        tmp_path / "a.jsonl",
        other_tool,
        {**other_tool, "url": "https://x.example.kr/2", "published": "2026-03-01T09:00:00+09:00"},
        {**other_tool, "url": "https://x.example.kr/3", "fetched": "2026-03-01T10:00:00+09:00"},
    )
    before = datetime.now(UTC)
    assert main(["index", str(path)]) == 0
    out = capsys.readouterr().out
    assert "indexed 3 (3 new, 0 updated)" in out
    assert "2 lines had no `fetched`: the load time" in out
    fetched = datetime.fromisoformat(source_of(ready_store, "https://x.example.kr/1")["fetched"])
    assert before <= fetched <= datetime.now(UTC)
    kept = source_of(ready_store, "https://x.example.kr/3")["fetched"]
    assert kept == "2026-03-01T10:00:00+09:00"


def test_re_indexing_without_the_crawl_s_fields_keeps_them(
    ready_store: SearchStore, tmp_path: Path
) -> None:
    assert index_articles(ready_store, [crawled()]).failed == 0
    # Re-extracted elsewhere: no source, story, origin or date; a new title and text.
    line = {
        "url": URL,
        "title": "대구시, 항저우 시티브레인 벤치마킹 (수정)",
        "text": "대구시가 알리바바의 시티브레인을 보러 항저우에 갔다. 수정된 본문. " * 5,
        "fetched": "2026-03-03T09:00:00+00:00",
        "site_name": "",
    }
    assert main(["index", str(write_lines(tmp_path / "b.jsonl", line))]) == 0
    source = source_of(ready_store)
    assert source["title"].endswith("(수정)") and "수정된 본문" in source["text"]
    assert (source["source"], source["kind"]) == ("naeil-feed", "blog")
    assert (source["story_id"], source["is_original"]) == ("story-daegu", False)
    assert source["original_outlet"] == "연합뉴스"
    assert source["original_url"] == "https://wire.example.kr/1"
    assert source["site_name"] == "내일신문"
    assert source["published"] == "2026-03-01T06:00:00+00:00"
    assert (source["timeline_time"], source["timeline_basis"]) == (source["published"], "published")
    assert source["first_seen"] == "2026-03-02T09:00:00+00:00"  # the earlier sighting
    assert source["fetched"] == "2026-03-03T09:00:00+00:00"

    # What the line does set, it sets: a new story and date replace the crawl's.
    newer = {**line, "story_id": "story-other", "published": "2026-03-02T00:00:00+00:00"}
    assert main(["index", str(write_lines(tmp_path / "c.jsonl", newer))]) == 0
    source = source_of(ready_store)
    assert (source["story_id"], source["is_original"]) == ("story-other", True)
    assert source["published"] == "2026-03-02T00:00:00+00:00"


def test_one_url_twice_in_a_file_is_created_then_updated(
    ready_store: SearchStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = {"url": URL, "title": "첫 줄", "text": "대구 스마트시티", "source": "feed-a"}
    second = {**first, "title": "둘째 줄", "source": None}
    assert main(["index", str(write_lines(tmp_path / "d.jsonl", first, second))]) == 0
    assert "indexed 2 (1 new, 1 updated)" in capsys.readouterr().out
    source = source_of(ready_store)
    assert (source["title"], source["source"]) == ("둘째 줄", "feed-a")
