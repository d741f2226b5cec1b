"""Attempts interrupted between "sent to the channel" and "answer recorded", on the real engine.

The interrupted state is injected (both records put back to `sending` after
their channels got them, which is what a kill -9 at that moment leaves); the
e2e test test_alerts_crash.py kills a real sweep process instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.engine.client import SearchStore
from scheduler.alerts import records
from scheduler.alerts.attempts import attempt_fields, requeue_uncertain
from scheduler.alerts.preview import read_history
from tests.conftest import RecordingServer
from tests.integration.alerts.test_alerts import (
    MATCHING,
    T0,
    Inbox,
    LoopbackSMTP,
    Switch,
    article,
    deliveries,
    index,
    make_config,
    sweep,
)


@pytest.fixture()
def hook() -> Iterator[RecordingServer]:
    with RecordingServer(Switch()) as server:  # a Switch left up: 200 to every request
        yield server


@pytest.fixture()
def smtp() -> Iterator[tuple[LoopbackSMTP, Inbox]]:
    inbox = Inbox()
    controller = LoopbackSMTP(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    yield controller, inbox
    controller.stop()


def by_notifier(store: SearchStore) -> dict[str, dict[str, Any]]:
    records.refresh(store)
    return {d["notifier"]: d for d in deliveries(store)}


def test_an_interrupted_attempt_is_resent_only_where_the_receiver_drops_repeats(
    ready_store: SearchStore,
    hook: RecordingServer,
    smtp: tuple[LoopbackSMTP, Inbox],
    tmp_path: Path,
) -> None:
    server = hook
    controller, inbox = smtp
    config = make_config(server.url, controller.port)
    index(ready_store, article(1, MATCHING))
    assert sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1)).delivery.sent == 2
    assert len(server.requests) == 1 and len(inbox.messages) == 1
    sent = by_notifier(ready_store)
    assert {d["status"] for d in sent.values()} == {"sent"}
    assert all(d["attempted"] <= d["sent"] for d in sent.values())  # attempt recorded first

    # What a kill -9 after both sends and before their answers were written leaves.
    keys = {name: d["key"] for name, d in sent.items()}
    records.update_records(ready_store, keys.values(), attempt_fields())
    records.refresh(ready_store)

    after = sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=2))
    assert (after.delivery.sent, after.delivery.uncertain) == (1, 1)
    assert "uncertain 1 (not re-sent)" in after.summary()
    hook_keys = [r["headers"]["Idempotency-Key"] for r in server.requests]
    assert hook_keys == [keys["hook"], keys["hook"]]  # the webhook again, with the same key
    assert len(inbox.messages) == 1  # e-mail has no key the server honours: not sent twice
    states = by_notifier(ready_store)
    assert (states["hook"]["status"], states["mail"]["status"]) == ("sent", "uncertain")
    assert states["mail"]["attempts"] == 2 and "may have arrived" in states["mail"]["last_error"]
    (row,) = read_history(ready_store, status="uncertain")
    assert row["key"] == keys["mail"] and row["notifier"] == "mail"

    # Later sweeps leave it alone; the operator's request sends it exactly once.
    assert sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=3)).delivery.sent == 0
    assert len(inbox.messages) == 1
    assert requeue_uncertain(ready_store, None, T0 + timedelta(minutes=4)) == [keys["mail"]]
    records.refresh(ready_store)
    assert sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=4)).delivery.sent == 1
    assert sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=5)).delivery.sent == 0
    assert [m["Message-ID"] for m in inbox.messages] == [f"<{keys['mail']}@newswatch>"] * 2
    assert len(server.requests) == 2
    assert by_notifier(ready_store)["mail"]["status"] == "sent"
    assert requeue_uncertain(ready_store, None, T0 + timedelta(minutes=6)) == []


def test_a_failed_attempt_goes_back_to_the_queue_not_to_uncertain(
    ready_store: SearchStore,
    hook: RecordingServer,
    tmp_path: Path,
) -> None:
    server = hook
    config = make_config(server.url, 9)  # nothing listens on loopback port 9: refused
    index(ready_store, article(1, MATCHING))
    report = sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1))
    assert (report.delivery.sent, report.delivery.failed) == (1, 1)
    mail = by_notifier(ready_store)["mail"]
    assert mail["status"] == "queued" and mail["attempts"] == 1 and mail["attempted"]
    assert sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=2)).delivery.uncertain == 0
