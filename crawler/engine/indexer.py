"""Buffered bulk indexing that never loses an action.

Actions are buffered and sent in batches through `SearchStore.bulk`. What the
engine cannot take now goes to the durable spool (crawler.engine.spool) and is
replayed later: the whole batch when the engine is unreachable (or none is
configured), single actions that failed with 429 or 5xx after the helper's
own retries, and those it refuses until someone acts (a write block, missing
privileges, a closed index or missing alias: `crawler.engine.bulk.LIFTABLE_ERRORS`),
which are also counted as errors and logged with what to do. What the engine
refuses for good (a mapping violation, a missing document for an update) is
counted by error type, logged with its doc id and kept in the spool's
`rejected/` folder until `newswatch spool retry`.

Order matters because ids are stable: an old version of a document replayed
after a newer one would overwrite it. So while the spool holds anything, a
flush first replays it, and if it cannot be emptied the new batch is spooled
behind it instead of being sent.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from crawler.engine.bulk import (
    Action,
    BulkOutcome,
    error_kind,
    error_reason,
    is_liftable,
    refusal_hint,
    send_actions,
)
from crawler.engine.client import EngineUnreachable, SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.engine.spool import ReplayResult, Spool
from crawler.state.sqlite import Closing

log = logging.getLogger(__name__)

# 500 actions per bulk request: the same figure as `search.bulk_chunk_size`
# (the elasticsearch-py default and the knee of `make bench-index` locally).
DEFAULT_BATCH_SIZE = 500
# After the engine was unreachable, batches go straight to the spool for this
# long: a crawl flushes every few seconds and each attempt against a down engine
# can hang for the connection timeout. A minute re-checks often enough that a
# restarted engine is used again within the same run.
UNREACHABLE_BACKOFF_SECONDS = 60.0


@dataclass
class IndexerStats:
    indexed_new: int = 0
    # Overwritten documents and applied `update` actions (e.g. is_original=false).
    indexed_updated: int = 0
    spooled: int = 0
    failed: int = 0
    failed_by_kind: Counter[str] = field(default_factory=Counter)
    # Indexed from the spool (left by this or an earlier run).
    replayed: int = 0
    # Kept in the spool because the engine refuses them until someone acts; each
    # action counted once per run however often it is retried.
    refused_by_kind: Counter[str] = field(default_factory=Counter)
    # Corrupt spool lines moved aside.
    quarantined: int = 0

    def errors_by_kind(self) -> Counter[str]:
        """Per-item failures for the crawl summary's errors, under `index:<type>`."""
        errors: Counter[str] = Counter()
        for kind, count in (self.failed_by_kind + self.refused_by_kind).items():
            errors[f"index:{kind}"] += count
        if self.quarantined:
            errors["spool:corrupt_line"] += self.quarantined
        return errors


class BufferedIndexer(Closing):
    """Buffers bulk actions; flushes them to the engine, or to the spool when it cannot."""

    def __init__(
        self, store: SearchStore | None, spool: Spool, *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._store = store
        self._spool = spool
        self._batch_size = batch_size
        self._buffer: list[Action] = []
        self._skip_engine_until = 0.0
        self._refused_ids: set[tuple[str, str]] = set()
        self.stats = IndexerStats()

    def add(self, action: Action) -> None:
        if not action.get("_id"):
            raise ValueError(
                f"bulk actions need a stable _id (re-sending must not duplicate): {action!r}"
            )
        self._buffer.append(action)
        if len(self._buffer) >= self._batch_size:
            self.flush()

    def mark_not_original(self, doc_ids: Iterable[str], *, index: str = ARTICLES_ALIAS) -> None:
        """Queue `is_original: false` for copies that a earlier-published copy displaced."""
        for doc_id in doc_ids:
            self.add(
                {
                    "_op_type": "update",
                    "_index": index,
                    "_id": doc_id,
                    "doc": {"is_original": False},
                }
            )

    def flush(self) -> None:
        self.send(self.take())

    def take(self) -> list[Action]:
        """Hand over the buffered actions (to `send` them elsewhere, e.g. in a thread)."""
        batch, self._buffer = self._buffer, []
        return batch

    def send(self, batch: list[Action]) -> None:
        """Index one batch now, or spool it. Callers keep sends in order, one at a time."""
        if not batch:
            return
        if self._store is None:
            self._to_spool(batch, "no search engine configured")
            return
        if time.monotonic() < self._skip_engine_until:
            self._to_spool(batch, "engine was unreachable moments ago")
            return
        if self._spool.segments() and self.replay_spool().remaining:
            self._to_spool(batch, "older actions are still spooled (order must be kept)")
            return
        self._record(batch, send_actions(self._store, batch))

    def replay_spool(self) -> ReplayResult:
        """Send what earlier flushes or runs spooled; call it before indexing anything new."""
        if self._store is None:
            return ReplayResult(remaining=self._spool.pending(), stopped="no search engine")
        result = self._spool.replay(self._store)
        self.stats.replayed += result.replayed
        self.stats.failed += result.rejected
        self.stats.failed_by_kind.update(result.rejected_by_kind)
        self.stats.quarantined += result.quarantined
        for key, kind in result.refused.items():
            self._count_refusal(key, kind)
        if result.stopped and result.stopped.startswith("engine unreachable"):
            self._skip_engine_until = time.monotonic() + UNREACHABLE_BACKOFF_SECONDS
        return result

    def close(self) -> None:
        self.flush()

    def _record(self, batch: list[Action], outcome: BulkOutcome) -> None:
        for _action, result in outcome.succeeded:
            if result.get("result") == "created":
                self.stats.indexed_new += 1
            else:
                self.stats.indexed_updated += 1
        if outcome.rejected:
            self.stats.failed += len(outcome.rejected)
            self.stats.failed_by_kind.update(error_kind(r) for _, r in outcome.rejected)
            self._spool.reject("indexer", outcome.rejected)  # logs each doc id and reason
        self._count_refused(outcome)
        left = {id(action) for action, _ in outcome.retryable} | {id(a) for a in outcome.unsent}
        if not left:
            return
        if isinstance(outcome.error, EngineUnreachable):
            self._skip_engine_until = time.monotonic() + UNREACHABLE_BACKOFF_SECONDS
        reason = str(outcome.error) if outcome.error else "retryable per-item failures"
        self._to_spool([action for action in batch if id(action) in left], reason)

    def _count_refused(self, outcome: BulkOutcome) -> None:
        refused = [(a, r) for a, r in outcome.retryable if is_liftable(r)]
        for action, result in refused:
            key = (str(action.get("_op_type", "index")), str(action.get("_id")))
            self._count_refusal(key, error_kind(result))
        error = outcome.error
        if error is not None and error.status in range(400, 500) and error.status != 429:
            # The whole request refused (credentials, privileges): kept like an outage,
            # but someone has to act, so each action is an error of this run.
            for action in outcome.unsent:
                key = (str(action.get("_op_type", "index")), str(action.get("_id")))
                self._count_refusal(key, f"request_http_{error.status}")
            log.error("%s; %d actions kept in the spool", error, len(outcome.unsent))
        if refused:
            result = refused[0][1]
            log.error(
                "engine refused %d actions for now (%s: %s); %s. They are kept in the spool "
                "and sent again by the next crawl",
                len(refused),
                error_kind(result),
                error_reason(result),
                refusal_hint(result),
            )

    def _count_refusal(self, key: tuple[str, str], kind: str) -> None:
        if key not in self._refused_ids:
            self._refused_ids.add(key)
            self.stats.refused_by_kind[kind] += 1

    def _to_spool(self, actions: list[Action], reason: str) -> None:
        self._spool.append(actions)
        self.stats.spooled += len(actions)
        log.warning("spooled %d actions: %s", len(actions), reason)
