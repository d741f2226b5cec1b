"""The alert state in the engine (ALERTS_ALIAS): sent-log, queue, markers, checkpoint.

Every record's `_id` is a deterministic key, so writing a record twice is
harmless and "create" (fails with 409 when the record exists) is how the
sweep claims a (watch, story) exactly once, even after a crash.

Record types (`record_type`):
- `delivery`: one message to one notifier; `status` queued → sending → sent
  (queued again after a failure; `uncertain` when a crash interrupted the
  send on a channel without an idempotency key, see attempts.py; or
  digest_pending → digested for digest watches; their digest is a delivery
  itself). Its `_id` is the dedup key sent with the message.
- `match`: one per (watch, story); its existence means "already alerted".
- `seen`: one per percolated article, with the content hash percolated.
- `checkpoint`: the newest `fetched` the sweep has processed.
- `digest_state`: the last digest fire time of a watch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from crawler.engine.bulk import write_all
from crawler.engine.client import SearchStore
from crawler.engine.indices import ALERTS_ALIAS

CHECKPOINT_ID = "checkpoint"
# Bulk/mget requests of 500 records: the same knee as the articles' bulk size.
CHUNK = 500


def _digest(*parts: str) -> str:
    # NUL separates parts so ("ab", "c") and ("a", "bc") differ; 32 hex chars
    # (128 bits) make accidental collisions impossible in practice.
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]


def delivery_key(watch: str, story_key: str, notifier: str) -> str:
    return "d-" + _digest("delivery", watch, story_key, notifier)


def match_key(watch: str, story_key: str) -> str:
    return "m-" + _digest("match", watch, story_key)


def seen_key(article_id: str) -> str:
    return "s-" + article_id


def digest_key(watch: str, notifier: str, fire_time: datetime) -> str:
    return "g-" + _digest("digest", watch, notifier, fire_time.isoformat())


def digest_state_key(watch: str) -> str:
    return "w-" + _digest("digest_state", watch)


def create_records(store: SearchStore, records: Mapping[str, dict[str, Any]]) -> set[str]:
    """Create records that do not exist yet; return the ids actually created."""
    actions = (
        {"_op_type": "create", "_index": ALERTS_ALIAS, "_id": key, "_source": source}
        for key, source in records.items()
    )
    # 409: the record exists, which is the point.
    outcomes = write_all(store, actions, what=ALERTS_ALIAS, chunk_size=CHUNK, tolerate=(409,))
    return {outcome.doc_id for outcome in outcomes if outcome.ok}


def put_records(store: SearchStore, records: Mapping[str, dict[str, Any]]) -> None:
    """Write (create or overwrite) whole records."""
    actions = (
        {"_op_type": "index", "_index": ALERTS_ALIAS, "_id": key, "_source": source}
        for key, source in records.items()
    )
    write_all(store, actions, what=f"{ALERTS_ALIAS} records", chunk_size=CHUNK)


def update_records(store: SearchStore, keys: Iterable[str], fields: dict[str, Any]) -> None:
    """Merge the same fields into many records."""
    actions = (
        {"_op_type": "update", "_index": ALERTS_ALIAS, "_id": key, "doc": fields} for key in keys
    )
    write_all(store, actions, what=f"{ALERTS_ALIAS} record updates", chunk_size=CHUNK)


def update_each(store: SearchStore, updates: Mapping[str, dict[str, Any]]) -> None:
    """Merge each record's own fields into it, in one bulk request."""
    actions = (
        {"_op_type": "update", "_index": ALERTS_ALIAS, "_id": key, "doc": fields}
        for key, fields in updates.items()
    )
    write_all(store, actions, what=f"{ALERTS_ALIAS} record updates", chunk_size=CHUNK)


def get_records(store: SearchStore, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Real-time fetch by id: sees writes that no refresh has made searchable yet."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        response = store.request(
            "POST", f"/{ALERTS_ALIAS}/_mget", {"ids": wanted[start : start + CHUNK]}
        )
        for doc in response["docs"]:
            if doc.get("found"):
                found[doc["_id"]] = doc["_source"]
    return found


def search_records(store: SearchStore, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Hits (with `_id` and `_source`) of a search on the alert records."""
    response = store.request("POST", f"/{ALERTS_ALIAS}/_search", body)
    hits: list[dict[str, Any]] = response["hits"]["hits"]
    return hits


def count_queued(store: SearchStore) -> int:
    """Deliveries waiting for a (re)try: new ones and failed ones alike."""
    query = {
        "bool": {"filter": [{"term": {"record_type": "delivery"}}, {"term": {"status": "queued"}}]}
    }
    return int(store.request("POST", f"/{ALERTS_ALIAS}/_count", {"query": query})["count"])


def refresh(store: SearchStore) -> None:
    store.request("POST", f"/{ALERTS_ALIAS}/_refresh")


def read_checkpoint(store: SearchStore) -> datetime | None:
    record = get_records(store, [CHECKPOINT_ID]).get(CHECKPOINT_ID)
    return datetime.fromisoformat(record["checkpoint"]) if record else None


def write_checkpoint(store: SearchStore, checkpoint: datetime) -> None:
    put_records(
        store, {CHECKPOINT_ID: {"record_type": "checkpoint", "checkpoint": checkpoint.isoformat()}}
    )
