"""Send the queued deliveries that are due, recording each attempt before it and its answer after.

Each attempt is recorded (`sending`, see attempts.py) before the channel gets
the message, and a killed process leaves it there. For the webhook, whose
`Idempotency-Key` lets the receiver drop a repeat, the attempts are recorded
in one bulk request per sweep and the answers in small batches written within
a second (`ResultLog`): a crash re-sends at most that batch, with the same
keys. For channels without such a key (Slack, Discord, Teams, Telegram,
e-mail) the attempt and the answer are each written at once, one message at a
time, and an interrupted attempt becomes `uncertain` instead of being sent
twice. Due deliveries are found by search and then re-read by id (real time),
so a result written moments ago but not yet searchable is never sent twice.

Failures are retried with exponential backoff, forever: a channel that stays
down keeps its deliveries queued (`newswatch alerts history` shows them with
their attempts and last error). After one failure, the channel's other
deliveries wait for the next sweep instead of each timing out in turn.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.config import Config
from crawler.engine.client import SearchStore
from scheduler.alerts import records
from scheduler.alerts.attempts import attempt_fields, claim, is_idempotent, recover_interrupted
from scheduler.alerts.message import Item, Message
from scheduler.alerts.notifiers import DeliveryError, Notifier, build_notifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrySettings:
    # 30 s, 1 min, 2 min, ... capped at 30 min: a webhook receiver restarting is back
    # within the first retries, and a long outage costs at most 30 min after it ends.
    base_seconds: float = 30.0
    max_seconds: float = 1800.0
    # Deliveries attempted per sweep, so one sweep stays short; the rest wait for the next.
    max_per_sweep: int = 500

    def delay(self, attempts: int, retry_after: float | None) -> timedelta:
        backoff = min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_seconds)
        return timedelta(seconds=max(backoff, retry_after or 0.0))


@dataclass
class DeliveryCounts:
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # due, but their channel just failed in this sweep
    # Interrupted attempts found by this sweep on channels without an idempotency key:
    # they may have arrived, so they wait for an operator (`newswatch alerts resend`).
    uncertain: int = 0


class ResultLog:
    """Delivery results, written in small bulk batches.

    One write per message made delivery the bottleneck in `make bench-alerts`;
    a batch of at most `FLUSH_EVERY` results or `FLUSH_SECONDS` old bounds what
    a killed process can repeat (with the same keys) to that many messages.
    """

    # 20 results or 1 s: one bulk request per ~20 sends, at most 1 s of sends at risk.
    FLUSH_EVERY = 20
    FLUSH_SECONDS = 1.0

    def __init__(self, store: SearchStore) -> None:
        self.store = store
        self.pending: dict[str, dict[str, Any]] = {}
        self.oldest = 0.0

    def add(self, key: str, fields: dict[str, Any]) -> None:
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending[key] = fields
        if len(self.pending) >= self.FLUSH_EVERY or (
            time.monotonic() - self.oldest >= self.FLUSH_SECONDS
        ):
            self.flush()

    def record_now(self, key: str, fields: dict[str, Any]) -> None:
        """Write these fields (and any batched results) before going on."""
        self.pending[key] = fields
        self.flush()

    def flush(self) -> None:
        if self.pending:
            records.update_each(self.store, self.pending)
            self.pending = {}


def deliver_due(
    store: SearchStore,
    config: Config,
    now: datetime,
    settings: RetrySettings,
    env: Mapping[str, str] | None = None,
) -> DeliveryCounts:
    counts = DeliveryCounts()
    requeued, counts.uncertain = recover_interrupted(store, config, now)
    if requeued:
        records.refresh(store)  # the requeued attempts are due now
    due = _due_records(store, now, settings)
    keyed = {key for key, record in due.items() if is_idempotent(config, str(record["notifier"]))}
    claim(store, keyed)
    down: set[str] = set()
    notifiers: dict[str, Notifier[Any]] = {}
    results = ResultLog(store)
    try:
        for key, record in due.items():
            name = str(record["notifier"])
            if name in down:
                counts.deferred += 1
                if key in keyed:
                    results.add(key, {"status": "queued"})  # claimed above, not attempted
                continue
            if key not in keyed:
                results.record_now(key, attempt_fields())
            try:
                _send(config, notifiers, name, message_from_record(key, record), env)
            except Exception as exc:  # any failure, our bugs included, keeps the message queued
                results.add(key, _failure(key, record, exc, now, settings))
                down.add(name)
                counts.failed += 1
            else:
                results.add(key, _success(record))
                counts.sent += 1
            if key not in keyed:
                results.flush()  # without a key, an unrecorded answer would make it uncertain
    finally:
        results.flush()  # also when interrupted: what was sent is recorded as sent
    return counts


def _due_records(
    store: SearchStore, now: datetime, settings: RetrySettings
) -> dict[str, dict[str, Any]]:
    keys = [hit["_id"] for hit in records.search_records(store, _due_query(now, settings))]
    current = records.get_records(store, keys)
    # Not due any more: sent or rescheduled since the search's snapshot.
    return {key: current[key] for key in keys if key in current and _still_due(current[key], now)}


def _success(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": "sent",
        "sent": datetime.now(UTC).isoformat(),
        "attempts": int(record.get("attempts", 0)) + 1,
    }


def _due_query(now: datetime, settings: RetrySettings) -> dict[str, Any]:
    return {
        "size": settings.max_per_sweep,
        "_source": False,
        "query": {
            "bool": {
                "filter": [
                    {"term": {"record_type": "delivery"}},
                    {"term": {"status": "queued"}},
                    {"range": {"next_attempt": {"lte": now.isoformat()}}},
                ]
            }
        },
        "sort": [{"created": "asc"}, {"key": "asc"}],
    }


def _still_due(record: dict[str, Any], now: datetime) -> bool:
    due = datetime.fromisoformat(record["next_attempt"])
    return record.get("status") == "queued" and due <= now


def _send(
    config: Config,
    notifiers: dict[str, Notifier[Any]],
    name: str,
    message: Message,
    env: Mapping[str, str] | None,
) -> None:
    if name not in notifiers:
        settings = config.notifiers.get(name)
        if settings is None:
            raise DeliveryError(f"notifier {name!r} is no longer in the config; add it back")
        notifiers[name] = build_notifier(name, settings, env)
    notifiers[name].send(message)


def _failure(
    key: str, record: dict[str, Any], exc: Exception, now: datetime, settings: RetrySettings
) -> dict[str, Any]:
    attempts = int(record.get("attempts", 0)) + 1
    retry_after = exc.retry_after if isinstance(exc, DeliveryError) else None
    if not isinstance(exc, DeliveryError):
        log.exception("delivery %s failed unexpectedly", key)
    next_attempt = now + settings.delay(attempts, retry_after)
    log.warning("delivery %s failed (attempt %d, next %s): %s", key, attempts, next_attempt, exc)
    return {
        "status": "queued",
        "attempts": attempts,
        "last_error": str(exc)[:1000],
        "next_attempt": next_attempt.isoformat(),
    }


def message_from_record(key: str, record: dict[str, Any]) -> Message:
    if record.get("items") is not None:
        items = tuple(Item.from_record(item) for item in record["items"])
        return Message(key=key, watch=str(record["watch"]), items=items, digest=True)
    return Message(key=key, watch=str(record["watch"]), items=(Item.from_record(record["item"]),))
