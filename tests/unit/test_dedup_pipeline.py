"""DedupPipeline with real state files: a re-crawled page keeps its first sighting."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from crawler.models import Article
from crawler.pipelines import DedupPipeline, mark_seen
from crawler.state.seen import SeenStore
from crawler.state.stories import StoryIndex

FIRST_FETCH = datetime(2024, 3, 10, 9, 0, tzinfo=UTC)


class Stats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str) -> None:
        self.values[key] += 1


def undated(text: str, fetched: datetime) -> Article:
    return Article(url="https://blog.example.kr/12", title="제목", text=text, fetched=fetched)


def test_a_changed_undated_page_keeps_the_time_it_was_first_seen(tmp_path: Path) -> None:
    with SeenStore(tmp_path / "seen.sqlite") as seen, StoryIndex(tmp_path / "s.sqlite") as stories:
        context: Any = SimpleNamespace(seen=seen, stories=stories, indexer=None, signatures={})
        stats: Any = Stats()
        pipeline = DedupPipeline(context, stats)
        first = pipeline.process_item(undated("첫 판", FIRST_FETCH))
        mark_seen(context, first)
        later = pipeline.process_item(undated("고친 판", FIRST_FETCH + timedelta(days=3)))
    assert first.timeline_time == first.first_seen == FIRST_FETCH
    assert later.fetched == FIRST_FETCH + timedelta(days=3)
    assert later.first_seen == later.timeline_time == FIRST_FETCH
    assert later.timeline_basis == "first_seen" and later.published is None
