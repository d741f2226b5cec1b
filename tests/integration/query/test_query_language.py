"""One query language: every field and operator finds the same articles in `search` and in a watch.

A handful of tagged articles is indexed on the real node; each query runs the
search path (crawler.engine.search, the `newswatch search` request) and the watch path
(stored as a percolator query by sync_watches, percolated as a sweep does, its
since:/until: checked at the sweep's time), and the two id sets must be equal
and equal to the articles the query names.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.config import SearchConfig, parse_config
from crawler.engine.bulk import index_articles
from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.engine.search import SearchOptions, stream_hits
from crawler.engine.setup import run_setup
from crawler.models import Article
from crawler.vocabulary import SEOUL
from scheduler.alerts import records, run_sweep, sync_watches
from scheduler.alerts.dsl import watch_window
from scheduler.alerts.matching import in_date_window
from scheduler.alerts.percolate import ArticleDoc, percolate
from tests.conftest import wipe

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _article(n: int, text: str, published: datetime | None, **extra: Any) -> Article:
    return Article(
        url=f"https://news.example.kr/q/{n}",
        title=extra.pop("title", f"소식 {n}"),
        text=text,
        fetched=NOW - timedelta(hours=1),
        published=published,
        first_seen=NOW - timedelta(hours=1),
        **extra,
    )


def day(month: int, day_: int) -> datetime:
    return datetime(2026, month, day_, 10, 0, tzinfo=SEOUL)


ARTICLES = [
    _article(
        1,
        "대구시가 알리바바의 시티브레인을 도입한다. 교통 신호를 인공지능이 조절한다.",
        day(11, 2),
        kind="news",
        source="daegu-press",
        site_name="대구일보",
        lang="ko",
        topics=("urban_tech",),
        counterparts=("항저우시",),
        event_types=("visit",),
    ),
    _article(
        2,
        "광주시와 알리바바가 MOU를 맺었다. 핵심은 City Brain 교통 사업이다.",
        day(10, 20),
        kind="blog",
        source="naver-blog",
        site_name="네이버 블로그",
        lang="ko",
        topics=("smart_city",),
        event_types=("mou",),
    ),
    _article(
        3,
        "항저우의 城市大脑 사례를 보고 대구시는 스마트 시티 전략을 세웠다.",
        day(11, 10),
        kind="press",
        source="daegu-press",
        site_name="대구광역시",
        lang="ko",
        topics=("urban_tech", "smart_city"),
        counterparts=("항저우시",),
    ),
    _article(
        4,
        "The city council said the plan has no brain behind it. Smart planning is missing.",
        day(11, 15),
        kind="news",
        source="wire",
        site_name="Korea Wire",
        lang="en",
    ),
    _article(
        5,
        "부산시는 스마트시티 박람회 광고를 냈다. 대구 기업도 참가한다.",
        None,  # undated: placed at first_seen (NOW - 1h)
        kind="news",
        source="wire",
        site_name="내일신문",
        lang="ko",
        topics=("smart_city",),
        event_types=("forum",),
    ),
]

# query → the article numbers it must find, in search and in a watch alike.
CASES: list[tuple[str, set[int]]] = [
    ("대구", {1, 3, 5}),  # 대구시 is 대구 + 시 to Nori
    ("대구시", {1, 3}),
    ('"교통 신호"', {1}),
    ("알리바바 MOU", {2}),
    ("대구 OR 광주", {1, 2, 3, 5}),
    ("대구 | 광주", {1, 2, 3, 5}),
    ("스마트시티 -광고", {3}),
    ("(대구시 OR 광주) MOU", {2}),
    ("(대구시 | 광주) -(MOU | 스마트)", {1}),
    ("대구시 -城市大脑", set()),  # the exclusion takes its synonyms along (시티브레인)
    ("source:daegu-press", {1, 3}),
    ("kind:blog", {2}),
    ("kind:PRESS", {3}),
    ("outlet:대구일보", {1}),
    ('outlet:"네이버 블로그"', {2}),
    ("topic:urban_tech", {1, 3}),
    ("topic:smart_city -kind:blog", {3, 5}),
    ("lang:en", {4}),
    ("lang:KO 교통", {1, 2}),
    ("counterpart:항저우시", {1, 3}),
    ("event:mou", {2}),
    ("event:forum OR event:visit", {1, 5}),
    ("since:2026-11-01 대구시", {1, 3}),
    ("until:2026-11-02 알리바바", {1, 2}),
    ("since:2026-11-03 until:2026-11-15 topic:urban_tech", {3}),
    ("since:7d (lang:en OR 스마트시티)", {4, 5}),
    ("(스마트시티 | 城市大脑) until:7d", {1, 2, 3}),
    ("스마트시티 until:7d", {3}),
    ("since:2h 스마트시티", {5}),
]
CITY_BRAIN = ["City Brain", '"City Brain"', "시티브레인", "城市大脑", "city brain", "City Brain을"]
SMART_CITY = ["스마트 시티", "스마트시티", '"스마트 시티"', "smart city", "스마트 시티를"]


@pytest.fixture(scope="module")
def paths(engine: str) -> dict[str, tuple[set[int], set[int]]]:
    """Every query's (search hits, watch hits), from one index of ARTICLES and one sweep."""
    store = SearchStore.connect(SearchConfig(url=engine))
    try:
        return _run_both_paths(store, [q for q, _ in CASES] + CITY_BRAIN + SMART_CITY)
    finally:
        store.close()


def _run_both_paths(store: SearchStore, queries: list[str]) -> dict[str, tuple[set[int], set[int]]]:
    wipe(store)
    run_setup(store)
    report = index_articles(store, ARTICLES)
    assert report.failed == 0, report.first_errors
    store.request("POST", f"/{ARTICLES_ALIAS}/_refresh")
    config = parse_config(
        {"watches": [{"name": f"q{i}", "query": q} for i, q in enumerate(queries)]}
    )
    sync_watches(store, config)
    watched = _watch_hits(store, config.watches)
    return {
        query: (_search_hits(store, query), watched[f"q{i}"]) for i, query in enumerate(queries)
    }


def _search_hits(store: SearchStore, query: str) -> set[int]:
    _, hits = stream_hits(store, query, SearchOptions(size=100), now=NOW)
    return {int(hit.url.rsplit("/", 1)[1]) for hit in hits}


def _watch_hits(store: SearchStore, watches: Any) -> dict[str, set[int]]:
    response = store.request(
        "POST", f"/{ARTICLES_ALIAS}/_search", {"size": 100, "query": {"match_all": {}}}
    )
    docs = [ArticleDoc(h["_id"], h["_source"]) for h in response["hits"]["hits"]]
    windows = {w.name: watch_window(w) for w in watches}
    found: dict[str, set[int]] = {w.name: set() for w in watches}
    for match in in_date_window(percolate(store, docs), windows, NOW):
        found[match.watch].add(int(str(match.article.source["url"]).rsplit("/", 1)[1]))
    return found


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_search_and_watch_find_the_same_articles(
    paths: dict[str, tuple[set[int], set[int]]], query: str, expected: set[int]
) -> None:
    searched, watched = paths[query]
    assert searched == watched, f"{query!r}: search {searched}, watch {watched}"
    assert searched == expected, f"{query!r}: found {searched}, expected {expected}"


@pytest.mark.parametrize("query", CITY_BRAIN)
def test_city_brain_in_any_script_or_quoting_finds_the_same_set(
    paths: dict[str, tuple[set[int], set[int]]], query: str
) -> None:
    # Article 4 has "city" and "brain" apart: the unquoted words are the phrase, not AND.
    assert paths[query] == ({1, 2, 3}, {1, 2, 3}), query


@pytest.mark.parametrize("query", SMART_CITY)
def test_spaced_and_unspaced_smart_city_find_the_same_set(
    paths: dict[str, tuple[set[int], set[int]]], query: str
) -> None:
    # Article 4's "Smart planning ... city" is not smart city.
    assert paths[query] == ({3, 5}, {3, 5}), query


def test_a_sweep_checks_a_watch_s_since_at_its_own_time(
    ready_store: SearchStore, tmp_path: Path
) -> None:
    """since:2d in a watch: an old article fetched now does not alert, a recent one does."""
    now = datetime.now(UTC)
    old, new = (
        Article(
            url=f"https://news.example.kr/since/{n}",
            title=f"대구 스마트시티 {n}",
            text="대구시가 스마트시티 사업을 발표했다.",
            fetched=now - timedelta(minutes=5),
            published=now - age,
        )
        for n, age in ((1, timedelta(days=5)), (2, timedelta(hours=3)))
    )
    assert index_articles(ready_store, [old, new]).failed == 0
    ready_store.request("POST", f"/{ARTICLES_ALIAS}/_refresh")
    config = parse_config({"watches": [{"name": "recent", "query": "스마트시티 since:2d"}]})
    run_sweep(ready_store, config, tmp_path / "state", now)
    body = {"size": 10, "query": {"term": {"record_type": "delivery"}}}
    alerted = [hit["_source"]["url"] for hit in records.search_records(ready_store, body)]
    assert alerted == ["https://news.example.kr/since/2"]
