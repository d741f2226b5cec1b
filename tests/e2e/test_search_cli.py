"""`newswatch search` as a user runs it: the query language, narrowing, sorting, paging, JSON."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from rich.cells import cell_len

from crawler.engine.bulk import index_articles
from crawler.engine.client import SearchStore
from crawler.models import Article
from crawler.vocabulary import SEOUL
from tests.conftest import seed_article
from tests.e2e.conftest import Workspace

DAY = datetime(2026, 11, 10, 9, 0, tzinfo=SEOUL)


def _articles(seed_text: str) -> list[Article]:
    seed = dataclasses.replace(
        seed_article(seed_text),
        source="naver-blog",
        topics=("smart_city",),
        relevance=4.5,
        story_id="story-seed",
        is_original=False,
        original_outlet="내일신문",
        original_url="https://news.example.kr/original/1",
    )
    others = [
        Article(
            url=f"https://press.example.kr/{n}",
            title=f"대구시 스마트시티   보도자료 {n}\n\n2부",
            text=f"대구시는 스마트시티 사업 {n}단계를 발표했다.\n\n\n  교통 신호를 바꾼다.",
            fetched=DAY,
            published=DAY - timedelta(days=n),
            source="daegu-press",
            site_name="대구광역시",
            kind="press",
            lang="ko",
            topics=("urban_tech",),
        )
        for n in range(1, 6)
    ]
    return [seed, *others]


@pytest.fixture()
def indexed(workspace: Workspace, ready_store: SearchStore, seed_text: str) -> Workspace:
    report = index_articles(ready_store, _articles(seed_text))
    assert report.failed == 0, report.first_errors
    ready_store.request("POST", "/newswatch-articles/_refresh")
    workspace.write_config([])
    return workspace


def jsonl(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.mark.parametrize(
    ("query", "column", "reason"),
    [
        ('대구 "City Brain', 4, "unclosed quote"),
        ("(대구 OR 광주 MOU", 1, "'(' is never closed"),
        ("대구 OR 광주)", 9, "')' without '('"),
        ("topik:urban_tech", 1, "unknown field 'topik'"),
        ("", 1, "the query is empty"),
        ("대구 since:어제", 4, "since: wants a day"),
    ],
)
def test_a_malformed_query_exits_2_pointing_at_the_column(
    indexed: Workspace, query: str, column: int, reason: str
) -> None:
    result = indexed.run("search", query)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert reason in result.stderr and f"(at column {column})" in result.stderr
    # A caret under the column, counted in terminal cells (Hangul is two cells wide).
    assert "\n  " + " " * cell_len(query[: column - 1]) + "^\n" in result.stderr
    assert result.stdout == ""  # never "0 articles match"


def test_fields_and_groups_work_in_search(indexed: Workspace) -> None:
    for query, count in [
        ("topic:urban_tech", 5),
        ("source:daegu-press", 5),
        ("kind:blog", 1),
        ("(대구 OR 광주) 항저우", 1),
        ("City Brain", 1),
    ]:
        result = indexed.run("search", "--jsonl", "--size", "50", query)
        assert result.returncode == 0, result.stderr
        assert len(jsonl(result.stdout)) == count, query


def test_jsonl_hits_have_clean_one_line_fields_and_the_story(indexed: Workspace) -> None:
    result = indexed.run("search", "--jsonl", "시티브레인")
    assert result.returncode == 0, result.stderr
    (hit,) = jsonl(result.stdout)
    assert hit["url"] == "https://example.tistory.com/12"
    assert hit["topics"] == ["smart_city"] and hit["relevance"] == 4.5 and hit["kind"] == "blog"
    assert hit["story_id"] == "story-seed" and hit["is_original"] is False
    assert hit["original_outlet"] == "내일신문"
    assert hit["original_url"] == "https://news.example.kr/original/1"
    assert "시티브레인" in hit["snippet"]
    for text in (hit["title"], hit["snippet"]):
        assert "<em>" not in text and "\ue000" not in text and "\n" not in text


def test_text_output_is_one_line_per_snippet(indexed: Workspace) -> None:
    result = indexed.run("search", "--size", "5", "보도자료")
    assert result.returncode == 0, result.stderr
    assert "\n\n\n" not in result.stdout
    blocks = result.stdout.strip().split("\n\n")[1:]
    assert len(blocks) == 5 and all(len(block.splitlines()) == 3 for block in blocks), blocks


def test_since_until_source_sort_and_from(indexed: Workspace) -> None:
    def urls(*args: str) -> list[str]:
        result = indexed.run("search", "--jsonl", *args)
        assert result.returncode == 0, result.stderr
        return [hit["url"] for hit in jsonl(result.stdout)]

    by_date = urls("--sort", "date", "스마트시티")
    assert by_date[:5] == [f"https://press.example.kr/{n}" for n in range(1, 6)]
    assert by_date[5] == "https://example.tistory.com/12"  # 2018, the oldest
    assert urls("--sort", "date", "--from", "2", "--size", "2", "스마트시티") == by_date[2:4]
    assert urls("--sort", "date", "--from", "50", "스마트시티") == []
    window = urls("--since", "2026-11-07", "--until", "2026-11-08", "스마트시티")
    assert set(window) == {"https://press.example.kr/3", "https://press.example.kr/2"}
    assert urls("since:2026-11-07 until:2026-11-08 스마트시티") == window  # the same in the query
    assert urls("--source", "naver-blog", "스마트시티") == ["https://example.tistory.com/12"]
    assert set(urls("--source", "naver-blog", "--source", "daegu-press", "대구")) == set(by_date)


def test_a_size_beyond_the_result_window_is_streamed(indexed: Workspace) -> None:
    result = indexed.run("search", "--json", "--size", "100000", "스마트시티")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["total"] == 6 and len(payload["hits"]) == 6


def test_bad_options_are_usage_errors(indexed: Workspace) -> None:
    for args in (["--since", "yesterday"], ["--from", "-1"], ["--sort", "oldest"]):
        result = indexed.run("search", *args, "대구")
        assert result.returncode == 2, (args, result.stderr)
