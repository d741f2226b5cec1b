"""Search pages past the engines' 10,000-hit window with search_after, in order, without repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.engine.bulk import index_articles
from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.engine.search import PAGE_SIZE, SearchOptions, stream_hits
from crawler.models import Article

# Just past the default max_result_window (10,000), so from+size paging would fail.
COUNT = 10_030
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_listing_streams_past_the_result_window_in_date_order(ready_store: SearchStore) -> None:
    articles = (
        Article(
            url=f"https://bulk.example.kr/{n}",
            title=f"대구 스마트시티 {n}",
            text="대구시 스마트시티 소식",
            fetched=T0,
            published=T0 + timedelta(minutes=n),
        )
        for n in range(COUNT)
    )
    report = index_articles(ready_store, articles)
    assert report.failed == 0 and report.created == COUNT, report.first_errors
    ready_store.request("POST", f"/{ARTICLES_ALIAS}/_refresh")

    options = SearchOptions(size=COUNT + 100, sort="date")
    total, hits = stream_hits(ready_store, "스마트시티", options)
    urls = [hit.url for hit in hits]
    assert total == COUNT and len(urls) == COUNT > PAGE_SIZE * 10
    assert len(set(urls)) == COUNT  # no hit twice across page boundaries
    assert urls[0] == f"https://bulk.example.kr/{COUNT - 1}"  # newest first
    assert urls == [f"https://bulk.example.kr/{n}" for n in reversed(range(COUNT))]

    tail_options = SearchOptions(size=50, offset=10_010, sort="date")
    _, tail = stream_hits(ready_store, "스마트시티", tail_options)
    assert [hit.url for hit in tail] == urls[10_010:]
