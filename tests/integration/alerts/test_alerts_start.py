"""Watches start from now: the backlog does not alert, unless a backfill asks for it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.config import Config, parse_config
from crawler.engine.client import SearchStore
from scheduler.alerts import records, run_sweep
from scheduler.alerts.starts import start_key
from tests.conftest import RecordingServer
from tests.integration.alerts.test_alerts import ENV, MATCHING, T0, Switch, article, index, sweep


@pytest.fixture()
def hook() -> Iterator[RecordingServer]:
    with RecordingServer(Switch()) as server:
        yield server


def config_of(hook_url: str, **extra: object) -> Config:
    notifiers = {"hook": {"type": "webhook", "url": hook_url}}
    watches = [{"name": "daegu", "query": "스마트시티 대구", "notify": ["hook"]}]
    if extra:
        watches.append(
            {"name": "daegu-week", "query": "스마트시티 대구", "notify": ["hook"], **extra}
        )
    return parse_config({"notifiers": notifiers, "watches": watches})


def sent(server: RecordingServer) -> list[tuple[str, str]]:
    bodies = [json.loads(r["body"]) for r in server.requests]
    return sorted((b["watch"], b["articles"][0]["url"].rsplit("/", 1)[1]) for b in bodies)


def test_a_new_watch_alerts_only_on_what_is_published_after_it_started(
    ready_store: SearchStore, hook: RecordingServer, tmp_path: Path
) -> None:
    config = config_of(hook.url)
    # Published an hour before the first sweep, fetched then: the backlog.
    old = article(1, MATCHING, fetched=T0)
    # Undated, first seen half a minute before the watch started.
    undated = dataclasses.replace(
        article(2, MATCHING, fetched=T0 + timedelta(seconds=30)), published=None
    )
    index(ready_store, old, undated)
    first = sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1))
    assert (first.matching.before_start, first.matching.alerts, hook.requests) == (2, 0, [])

    fresh = article(3, MATCHING, fetched=T0 + timedelta(hours=2))  # published T0+1h
    index(ready_store, fresh)
    second = sweep(ready_store, config, tmp_path, T0 + timedelta(hours=2, minutes=1))
    assert second.matching.alerts == 1 and sent(hook) == [("daegu", "3")]

    # The start is in the engine: another process (a restart) keeps it, and alerts nothing more.
    started = records.get_records(ready_store, [start_key("daegu")])[start_key("daegu")]
    assert started["started"] == (T0 + timedelta(minutes=1)).isoformat()
    later = run_sweep(
        ready_store, config, tmp_path / "other-state", T0 + timedelta(hours=3), env=ENV
    )
    assert later.matching.alerts == 0 and len(hook.requests) == 1


def test_sweep_backfill_reaches_back_once_and_a_watch_backfill_only_for_that_watch(
    ready_store: SearchStore, hook: RecordingServer, tmp_path: Path
) -> None:
    config = config_of(hook.url)
    week_old = article(1, MATCHING, fetched=T0 - timedelta(days=5))
    month_old = article(2, MATCHING + " 지난달", fetched=T0 - timedelta(days=30))
    index(ready_store, week_old, month_old)
    assert sweep(ready_store, config, tmp_path, T0).matching.alerts == 0

    report = run_sweep(ready_store, config, tmp_path, T0, env=ENV, backfill=timedelta(days=7))
    assert report.matching.alerts == 1 and sent(hook) == [("daegu", "1")]
    assert sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1)).matching.alerts == 0

    # A watch added with `backfill: 7d` sweeps its week once, for itself alone.
    with_week = config_of(hook.url, backfill="7d")
    added = sweep(ready_store, with_week, tmp_path, T0 + timedelta(minutes=2))
    assert added.matching.alerts == 1
    assert sent(hook) == [("daegu", "1"), ("daegu-week", "1")]
    again = sweep(ready_store, with_week, tmp_path, T0 + timedelta(minutes=3))
    assert again.matching.articles_percolated == 0 and len(hook.requests) == 2
