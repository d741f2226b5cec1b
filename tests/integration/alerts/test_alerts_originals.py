"""Alerts about the story's original, on the real engine with a webhook receiver on loopback.

The earliest-published copy that is not a repost is the one alerted; a repost
found first is alerted with the original it cites; an original found later
takes an unsent alert's place, never a sent one's; one alert per (watch, story).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.engine.client import SearchStore
from crawler.models import Article
from scheduler.alerts.preview import preview_watch
from tests.conftest import RecordingServer
from tests.integration.alerts.test_alerts import (
    MATCHING,
    T0,
    Switch,
    article,
    deliveries,
    index,
    make_config,
    sweep,
)

ORIGINAL_URL = "https://news.example.kr/a/1"


@pytest.fixture()
def hook() -> Iterator[tuple[RecordingServer, Switch]]:
    switch = Switch()
    with RecordingServer(switch) as server:
        yield server, switch


def original(fetched_after: timedelta) -> Article:
    """The news article, published six hours before T0 (the repost quotes it)."""
    made = article(1, MATCHING, story="daegu", fetched=T0 + fetched_after)
    return _published(made, T0 - timedelta(hours=6))


def repost(fetched_after: timedelta = timedelta(0)) -> Article:
    """A blog post quoting the article, published an hour before T0, citing its source."""
    made = article(
        2,
        MATCHING,
        story="daegu",
        fetched=T0 + fetched_after,
        kind="blog",
        site_name="스마트시티 다이어리",
        original_outlet="내일신문",
        original_url=ORIGINAL_URL,
        title="블로그: 대구 시티브레인 기사 옮김",
    )
    return _published(made, T0 - timedelta(hours=1))


def _published(made: Article, when: datetime) -> Article:
    return dataclasses.replace(made, published=when)


def sent_articles(server: RecordingServer) -> list[dict[str, Any]]:
    return [json.loads(r["body"])["articles"][0] for r in server.requests]


def test_a_repost_found_first_is_sent_naming_the_original_and_the_original_adds_nothing(
    ready_store: SearchStore, hook: tuple[RecordingServer, Switch], tmp_path: Path
) -> None:
    server, _ = hook
    config = make_config(server.url, None)
    index(ready_store, repost())
    first = sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1))
    assert (first.matching.alerts, first.delivery.sent) == (1, 1)
    (sent,) = sent_articles(server)
    assert sent["url"].endswith("/a/2") and sent["is_copy"] is True
    assert (sent["original_outlet"], sent["original_url"]) == ("내일신문", ORIGINAL_URL)
    body = json.loads(server.requests[0]["body"])
    assert f"copy of 내일신문 {ORIGINAL_URL}" in body["text"]

    index(ready_store, original(timedelta(minutes=2)))
    again = sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=3))
    # Already sent about the repost: the original does not alert the story a second time.
    assert (again.matching.alerts, again.matching.repeats, again.matching.replaced) == (0, 1, 0)
    assert again.delivery.sent == 0 and len(server.requests) == 1


def test_an_original_found_after_an_unsent_repost_takes_its_place(
    ready_store: SearchStore, hook: tuple[RecordingServer, Switch], tmp_path: Path
) -> None:
    server, switch = hook
    config = make_config(server.url, None)
    switch.up = False
    index(ready_store, repost())
    assert sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1)).delivery.failed == 1

    switch.up = True
    index(ready_store, original(timedelta(minutes=2)))
    report = sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=3))
    assert (report.matching.alerts, report.matching.replaced, report.delivery.sent) == (0, 1, 1)
    failed, delivered = sent_articles(server)
    assert failed["url"].endswith("/a/2")  # the attempt while the receiver was down
    assert delivered["url"] == ORIGINAL_URL and delivered["outlet"] == "내일신문"
    assert delivered["is_copy"] is False and delivered["copies"] == 1
    # Still one alert: the same delivery (same key) now names the original.
    keys = {r["headers"]["Idempotency-Key"] for r in server.requests}
    assert len(keys) == 1 and len(deliveries(ready_store)) == 1


def test_copies_found_in_one_sweep_alert_the_earliest_non_repost(
    ready_store: SearchStore, hook: tuple[RecordingServer, Switch], tmp_path: Path
) -> None:
    server, _ = hook
    config = make_config(server.url, None)
    syndicated = _published(
        article(3, MATCHING, story="daegu", site_name="다른일보"), T0 - timedelta(hours=3)
    )
    # The repost was fetched first and sorts first; the original is the earliest published.
    index(ready_store, repost(), original(timedelta(seconds=30)), syndicated)
    report = sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1))
    assert (report.matching.alerts, report.matching.repeats, report.delivery.sent) == (1, 2, 1)
    (sent,) = sent_articles(server)
    assert sent["url"] == ORIGINAL_URL and sent["copies"] == 2 and sent["is_copy"] is False
    assert "2 other copies of this story" in json.loads(server.requests[0]["body"])["text"]


def test_alerts_test_preview_marks_the_original_as_the_alert_and_the_repost_as_a_copy(
    ready_store: SearchStore,
) -> None:
    config = make_config("http://127.0.0.1:9/", None)
    index(ready_store, repost(), original(timedelta(minutes=1)))
    _, hits = preview_watch(ready_store, config.watches[0], 1.0, T0 + timedelta(minutes=2))
    marks = [(hit.url.rsplit("/", 1)[1], hit.repeat) for hit in hits]
    assert marks == [("2", True), ("1", False)]  # fetched order; the original alerts
