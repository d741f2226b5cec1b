"""The search spider on saved portal answers: requests, paging, seen-stop, budget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.config import Config, SearchSource
from crawler.context import CrawlContext
from crawler.extraction.urls import canonicalize_url
from crawler.spiders.portals import build_request
from crawler.spiders.search import SearchSpider
from crawler.state.seen import SeenStore
from crawler.state.stories import StoryIndex
from crawler.tagging import Tagger

PORTALS = Path(__file__).resolve().parents[2] / "fixtures" / "portals"


@pytest.fixture()
def context(tmp_path: Path) -> Iterator[CrawlContext]:
    config = Config()
    ctx = CrawlContext(
        config=config,
        tagger=Tagger.from_config(config),
        seen=SeenStore(tmp_path / "seen.sqlite"),
        stories=StoryIndex(tmp_path / "stories.sqlite"),
        indexer=None,
    )
    yield ctx
    ctx.close()


def make_spider(context: CrawlContext, **source: Any) -> SearchSpider:
    fields: dict[str, Any] = {"name": "q", "type": "search", "queries": ["스마트시티 외교"]}
    fields.update(source)
    crawler = get_crawler(SearchSpider)
    crawler.spider = crawler._create_spider(source=SearchSource(**fields), context=context)
    crawler.stats.open_spider()
    return crawler.spider


def answer(url: str, name: str) -> TextResponse:
    body = (PORTALS / name).read_bytes()
    return TextResponse(url=url, body=body, encoding="utf-8")


async def started(spider: SearchSpider) -> list[scrapy.Request]:
    return [r async for r in spider.start()]


def test_google_news_results_become_page_requests(context: CrawlContext) -> None:
    spider = make_spider(context)
    portal = build_request("google_news", "스마트시티 외교", {})
    out = list(spider.parse_portal(answer(portal.url, "google_news.rss"), portal))
    urls = [r.url for r in out]
    assert urls == [
        "https://news.google.com/rss/articles/CBMiTESTARTICLEONE?oc=5",
        "https://news.google.com/rss/articles/CBMiTESTARTICLETWO?oc=5",
    ]
    hints = out[0].cb_kwargs["hints"]
    assert hints.published.isoformat() == "2024-05-01T02:30:00+00:00"


def test_paging_stops_at_the_first_seen_result(
    context: CrawlContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAVER_CLIENT_ID", "id")
    monkeypatch.setenv("NAVER_CLIENT_SECRET", "secret")
    spider = make_spider(context, engines=["naver_news"])
    portal = build_request(
        "naver_news", "스마트시티 외교", {"NAVER_CLIENT_ID": "id", "NAVER_CLIENT_SECRET": "secret"}
    )
    first = list(spider.parse_portal(answer(portal.url, "naver_news.json"), portal))
    assert first and all(r.callback == spider.parse_page for r in first)
    # Mark the second result seen: the next answer yields only the first.
    second_url = first[1].url
    context.seen.mark(canonicalize_url(second_url), doc_id="x", content_hash="h")
    again = list(spider.parse_portal(answer(portal.url, "naver_news.json"), portal))
    assert [r.url for r in again] == [first[0].url]


def test_engines_without_keys_are_skipped_and_budget_is_counted(
    context: CrawlContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    for name in ("NAVER_CLIENT_ID", "NAVER_CLIENT_SECRET", "KAKAO_REST_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    spider = make_spider(context, engines=["google_news", "naver_news", "daum_blog"])
    requests = asyncio.run(started(spider))
    assert [r.url.split("?")[0] for r in requests] == ["https://news.google.com/rss/search"]
    assert spider.crawler.stats.get_value("newswatch/skipped/engine_without_keys") == 2

    monkeypatch.setenv("KAKAO_REST_API_KEY", "k")
    spider = make_spider(
        context, engines=["daum_blog"], daily_call_budget=24_000, queries=["a", "b"]
    )
    requests = asyncio.run(started(spider))
    assert len(requests) == 2
    assert requests[0].headers["Authorization"] == b"KakaoAK k"
    assert requests[0].meta["dont_obey_robotstxt"] is True
