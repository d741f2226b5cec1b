"""The search request and its hits, without an engine: DSL for Kibana, clean one-line hits."""

from __future__ import annotations

import json

import pytest

from crawler.engine.search_hits import MARK_END, MARK_START, to_hit
from scheduler.cli import main


def test_dsl_prints_the_engine_query_with_ages_left_to_the_engine(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["search", "--dsl", "--source", "naver", "topic:urban_tech since:7d"]
    assert main(args) == 0
    query = json.loads(capsys.readouterr().out)["query"]["bool"]
    assert query["must"] == [{"term": {"topics": "urban_tech"}}]
    assert query["filter"] == [
        {"range": {"timeline_time": {"gte": "now-7d"}}},
        {"terms": {"source": ["naver"]}},
    ]


def test_a_malformed_query_is_exit_2_before_any_engine_is_needed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["search", "대구 (광주"]) == 2
    err = capsys.readouterr().err
    assert "'(' is never closed (at column 4)" in err and "\n       ^" in err


def test_a_hit_has_one_line_unmarked_text_and_the_story_fields() -> None:
    raw = {
        "_id": "x1",
        "_score": 2.5,
        "sort": [2.5, "https://a/1"],
        "_source": {
            "title": "대구  시티브레인\n\n도입",
            "url": "https://a/1",
            "topics": ["urban_tech"],
            "story_id": "s1",
            "original_outlet": "내일신문",
        },
        "highlight": {
            "text": [f"첫 문단\n\n\n{MARK_START}시티브레인{MARK_END}   이다", "둘째\t문단"],
        },
    }
    hit = to_hit(raw)
    assert hit.title == "대구 시티브레인 도입"
    assert hit.snippet == "첫 문단 시티브레인 이다 … 둘째 문단"
    assert hit.marked_snippet == f"첫 문단 {MARK_START}시티브레인{MARK_END} 이다 … 둘째 문단"
    data = hit.to_json()
    assert "marked_snippet" not in data and "sort" not in data
    assert data["topics"] == ["urban_tech"] and data["story_id"] == "s1"
    assert data["original_outlet"] == "내일신문" and data["score"] == 2.5
