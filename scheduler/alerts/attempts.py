"""The attempt record: written before a message goes out, so a crash mid-send is never silent.

Before a delivery is handed to its channel, its record says `status: sending`
with the attempt's time (`attempted`); the channel's answer then makes it
`sent`, or `queued` again after a failure (retried with backoff). A record
still `sending` when a sweep starts was interrupted between those two writes
(kill -9, power loss): sweeps on one machine never overlap (the sweep lock)
and one scheduler sweeps for a deployment, so no live sweep owns it.

What then happens depends on whether the channel can drop a repeat:
- idempotent channels (the webhook: its `Idempotency-Key` lets the receiver
  drop a message it already has) are queued again and re-sent automatically,
  with the same key;
- the others (Slack, Discord, Teams, Telegram, e-mail) may already show the
  message, so it becomes `uncertain` and is not sent again until an operator
  asks (`newswatch alerts resend KEY ...` or `--uncertain`, which requeues it
  here): at most once after a crash, and `alerts history` says which.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from crawler.config import Config
from crawler.engine.client import SearchStore
from scheduler.alerts import records
from scheduler.alerts.notifiers import NOTIFIER_CLASSES

log = logging.getLogger(__name__)

SENDING = "sending"
UNCERTAIN = "uncertain"


class NotResendable(Exception):
    """A delivery named for `alerts resend` does not exist or is not uncertain."""


def is_idempotent(config: Config, notifier: str) -> bool:
    """Whether a repeat of this notifier's message is dropped by the receiver (safe to re-send)."""
    settings = config.notifiers.get(notifier)
    return settings is not None and NOTIFIER_CLASSES[settings.type].idempotent


def attempt_fields() -> dict[str, Any]:
    """The record's state while its channel has the message (real time, like `sent`)."""
    return {"status": SENDING, "attempted": datetime.now(UTC).isoformat()}


def claim(store: SearchStore, keys: Iterable[str]) -> None:
    """Record, in one bulk request acknowledged by the engine, that these are being sent."""
    wanted = list(keys)
    if wanted:
        records.update_records(store, wanted, attempt_fields())


def recover_interrupted(store: SearchStore, config: Config, now: datetime) -> tuple[int, int]:
    """Settle the attempts a killed sweep left `sending`; returns (requeued, uncertain)."""
    body = {
        "size": records.CHUNK,  # at most one sweep's worth; any rest is settled by the next sweep
        "_source": False,
        "query": {
            "bool": {
                "filter": [{"term": {"record_type": "delivery"}}, {"term": {"status": SENDING}}]
            }
        },
    }
    keys = [hit["_id"] for hit in records.search_records(store, body)]
    current = records.get_records(store, keys)  # real time: only what is still `sending`
    updates = {
        key: _settle(key, record, config, now)
        for key, record in current.items()
        if record.get("status") == SENDING
    }
    if updates:
        records.update_each(store, updates)
    uncertain = sum(fields["status"] == UNCERTAIN for fields in updates.values())
    return len(updates) - uncertain, uncertain


def _settle(key: str, record: dict[str, Any], config: Config, now: datetime) -> dict[str, Any]:
    attempts = int(record.get("attempts", 0)) + 1  # the interrupted attempt counts
    name = str(record["notifier"])
    if is_idempotent(config, name):
        log.info("delivery %s to %s was interrupted; re-sending it with the same key", key, name)
        return {
            "status": "queued",
            "attempts": attempts,
            "next_attempt": now.isoformat(),
            "last_error": "interrupted before the answer was recorded; re-sent with the same key",
        }
    log.warning(
        "delivery %s to %s was interrupted after it was handed to the channel; it may have "
        "arrived, so it is not re-sent (`newswatch alerts resend %s` sends it again)",
        key,
        name,
        key,
    )
    return {
        "status": UNCERTAIN,
        "attempts": attempts,
        "last_error": "interrupted after it was handed to the channel: it may have arrived",
    }


def requeue_uncertain(store: SearchStore, keys: list[str] | None, now: datetime) -> list[str]:
    """Queue uncertain deliveries to be sent at the next sweep: the named ones, or all."""
    wanted = keys if keys is not None else _all_uncertain(store)
    if not wanted:
        return []
    current = records.get_records(store, wanted)
    for key in wanted:
        status = current.get(key, {}).get("status")
        if status != UNCERTAIN:
            found = "no such delivery" if status is None else f"it is {status}"
            raise NotResendable(
                f"delivery {key}: {found}; only uncertain deliveries are re-sent on request "
                "(see `newswatch alerts history --status uncertain`)"
            )
    fields = {"status": "queued", "next_attempt": now.isoformat()}
    records.update_records(store, wanted, fields)
    for key in wanted:
        log.info("delivery %s requeued by an operator after an uncertain attempt", key)
    return wanted


def _all_uncertain(store: SearchStore) -> list[str]:
    # 10,000: the engine's default result window; more than that is a second run of the command.
    body = {
        "size": 10_000,
        "_source": False,
        "query": {
            "bool": {
                "filter": [{"term": {"record_type": "delivery"}}, {"term": {"status": UNCERTAIN}}]
            }
        },
        "sort": [{"created": "asc"}, {"key": "asc"}],
    }
    return [hit["_id"] for hit in records.search_records(store, body)]
