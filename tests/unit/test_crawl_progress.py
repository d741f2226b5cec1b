"""The live progress of `newswatch crawl`: its callbacks stay connected to Scrapy's signals.

Scrapy's SignalManager holds receivers by weak reference unless told otherwise;
a receiver nobody else holds (a lambda) is collected at once and never called.
This test sends the signals through a real Crawler's SignalManager after a
garbage collection: it fails when the progress callback is never called.
"""

from __future__ import annotations

import gc

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.runner import _collect_articles, _connect_progress
from tests.unit.test_models import make as make_article


def test_progress_callbacks_survive_garbage_collection_and_are_called() -> None:
    crawler = get_crawler(scrapy.Spider)
    events: list[tuple[str, str]] = []
    _connect_progress(crawler, "testilbo", lambda name, event: events.append((name, event)))
    gc.collect()
    spider = scrapy.Spider("testilbo")
    request = scrapy.Request("http://127.0.0.1/a")
    response = Response(request.url, request=request)
    crawler.signals.send_catch_log(
        signals.response_received, response=response, request=request, spider=spider
    )
    crawler.signals.send_catch_log(signals.item_scraped, item={}, response=response, spider=spider)
    crawler.signals.send_catch_log(
        signals.item_dropped, item={}, response=response, exception=None, spider=spider
    )
    assert events == [("testilbo", "fetched"), ("testilbo", "kept"), ("testilbo", "dropped")]


def test_a_dry_run_collects_the_articles_that_would_be_indexed() -> None:
    crawler = get_crawler(scrapy.Spider)
    collected: list[object] = []
    _collect_articles(crawler, collected)  # type: ignore[arg-type]
    gc.collect()
    article = make_article()
    crawler.signals.send_catch_log(signals.item_scraped, item=article, response=None, spider=None)
    crawler.signals.send_catch_log(signals.item_scraped, item={}, response=None, spider=None)
    assert collected == [article]
