"""Keep the percolator index (WATCHES_ALIAS) equal to the config's watches.

Each watch is one document whose `_id` is the watch's name, holding the
compiled query. Sync writes only what changed and deletes watches that left
the config, so calling it on every sweep and config reload is cheap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.config import Config, WatchConfig
from crawler.engine.bulk import write_all
from crawler.engine.client import SearchStore
from crawler.engine.indices import WATCHES_ALIAS
from scheduler.alerts.dsl import watch_percolator_query

log = logging.getLogger(__name__)

# Above any realistic number of watches (the bench uses 1,000) and within the
# engines' default max_result_window of 10,000.
MAX_WATCHES = 10_000


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"watches: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged"
        )


def watch_document(watch: WatchConfig) -> dict[str, Any]:
    """The stored fields that, when equal, mean the live watch is up to date."""
    return {
        "query": watch_percolator_query(watch),
        "watch_name": watch.name,
        "watch_query": watch.query,
        "notify": list(watch.notify),
        "mode": watch.mode,
        "min_relevance": watch.min_relevance,
    }


def sync_watches(store: SearchStore, config: Config) -> SyncReport:
    """Add, update and delete percolator documents so the engine matches the config."""
    live = _live_watches(store)
    report = SyncReport()
    actions: list[dict[str, Any]] = []
    now = datetime.now(UTC).isoformat()
    for watch in config.watches:
        wanted = watch_document(watch)
        current = live.pop(watch.name, None)
        if current is not None and _same(current, wanted):
            report.unchanged += 1
            continue
        (report.updated if current is not None else report.added).append(watch.name)
        actions.append(
            {
                "_op_type": "index",
                "_index": WATCHES_ALIAS,
                "_id": watch.name,
                "_source": {**wanted, "updated": now},
            }
        )
    for name in live:
        report.removed.append(name)
        actions.append({"_op_type": "delete", "_index": WATCHES_ALIAS, "_id": name})
    if actions:
        _bulk(store, actions)
        log.info("%s", report.summary())
    return report


def _live_watches(store: SearchStore) -> dict[str, dict[str, Any]]:
    response = store.request(
        "POST", f"/{WATCHES_ALIAS}/_search", {"size": MAX_WATCHES, "query": {"match_all": {}}}
    )
    return {hit["_id"]: hit["_source"] for hit in response["hits"]["hits"]}


def _same(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return all(current.get(key) == value for key, value in wanted.items())


def _bulk(store: SearchStore, actions: list[dict[str, Any]]) -> None:
    write_all(store, actions, what=f"{WATCHES_ALIAS} watches")
    # The very next percolation must see the new watches.
    store.request("POST", f"/{WATCHES_ALIAS}/_refresh")
