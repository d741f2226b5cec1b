"""The page worker pool: the same outcome as in the crawl's process; a killed worker
costs a retry, not the page; a page whose workers keep dying is given up with a count.

The workers are real processes (forked by the forkserver) killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest

from crawler.config import Config, parse_config
from crawler.items import PageItem
from crawler.processing import (
    InlineProcessor,
    PageOutcome,
    PagePool,
    WorkerLostError,
    open_processor,
    pool_size,
    process_page,
)
from crawler.processing.pool import ATTEMPTS
from crawler.tagging import Tagger

FETCHED = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
SENTENCE = "대구시는 항저우와 스마트시티 분야 업무협약을 맺고 시티브레인 사업을 벤치마킹했다. "
# Paragraphs of a page that keeps a worker busy well past KILL_AFTER_SECONDS: just under
# extraction.article.MAX_BODY_BYTES (2 MB), ~0.8 s of extraction on the 2-core test machine.
SLOW_PAGE_PARAGRAPHS = 4400
KILL_AFTER_SECONDS = 0.3


def page(paragraphs: int = 6) -> PageItem:
    body = "".join(f"<p>{SENTENCE * 3}({i})</p>" for i in range(paragraphs))
    html = (
        "<html><head><meta charset='utf-8'><title>대구시, 항저우와 스마트시티 협력</title>"
        "<meta property='article:published_time' content='2024-05-01T10:00:00+09:00'>"
        f"</head><body><article><h1>대구시, 항저우와 스마트시티 협력</h1>{body}</article>"
        "</body></html>"
    )
    return PageItem(
        url="http://127.0.0.1/news/daegu.html",
        body=html.encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
        fetched=FETCHED,
        source="testilbo",
    )


@pytest.fixture()
def config() -> Config:
    return parse_config({"crawl": {"extract_workers": 2}})


@pytest.fixture()
def pool(config: Config) -> Iterator[PagePool]:
    running = PagePool(config, 2)
    yield running
    running.close()


def assert_same(outcome: PageOutcome, expected: PageOutcome) -> None:
    assert outcome.article == expected.article
    assert outcome.signature is not None and expected.signature is not None
    assert outcome.signature.content_hash == expected.signature.content_hash
    assert np.array_equal(outcome.signature.values, expected.signature.values)  # type: ignore[arg-type]


def kill_workers(pool: PagePool) -> None:
    for pid in pool.worker_pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_the_pool_gives_the_outcome_of_the_crawl_process(config: Config, pool: PagePool) -> None:
    item = page()
    expected = process_page(item, Tagger.from_config(config), config.crawl)
    assert expected.article is not None and expected.article.relevance > 0
    assert_same(asyncio.run(pool.process(item)), expected)


def test_extraction_errors_and_skips_come_back_as_outcomes(pool: PagePool) -> None:
    empty = PageItem(url="http://127.0.0.1/e", body=b"", headers={}, fetched=FETCHED, source="s")
    outcome = asyncio.run(pool.process(empty))
    assert outcome.article is None and outcome.error


def test_a_worker_killed_mid_page_costs_a_retry_not_the_page(
    config: Config, pool: PagePool
) -> None:
    item = page(SLOW_PAGE_PARAGRAPHS)
    retries: list[int] = []

    async def process_and_kill() -> PageOutcome:
        task = asyncio.ensure_future(pool.process(item, on_retry=lambda: retries.append(1)))
        await asyncio.sleep(KILL_AFTER_SECONDS)
        assert not task.done(), "the page should still be in a worker"
        kill_workers(pool)
        return await task

    outcome = asyncio.run(process_and_kill())
    assert_same(outcome, process_page(item, Tagger.from_config(config), config.crawl))
    assert retries == [1]
    assert pool.restarts == 1


def test_a_page_whose_workers_keep_dying_is_given_up_with_an_error(pool: PagePool) -> None:
    item = page(SLOW_PAGE_PARAGRAPHS)
    retries: list[int] = []
    done = threading.Event()

    def keep_killing() -> None:
        while not done.wait(0.05):
            kill_workers(pool)

    killer = threading.Thread(target=keep_killing, daemon=True)
    killer.start()
    try:
        with pytest.raises(WorkerLostError, match=r"died on each of 3 attempts .*daegu\.html"):
            asyncio.run(pool.process(item, on_retry=lambda: retries.append(1)))
    finally:
        done.set()
        killer.join()
    assert len(retries) == ATTEMPTS - 1
    assert pool.restarts >= ATTEMPTS


def test_zero_or_one_worker_means_in_process(config: Config) -> None:
    for size in (0, 1):
        inline = parse_config({"crawl": {"extract_workers": size}})
        assert isinstance(open_processor(inline, Tagger.from_config(inline)), InlineProcessor)
    assert pool_size(parse_config({})) == len(os.sched_getaffinity(0))
    assert pool_size(config) == 2


def test_a_negative_pool_size_is_a_config_error() -> None:
    with pytest.raises(Exception, match="extract_workers"):
        parse_config({"crawl": {"extract_workers": -1}})
