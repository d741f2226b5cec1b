"""The spool in Redis: one list per crawl process, replayed by it or by any later one.

With several machines a local spool folder is replayed only when that
machine crawls again; in Redis, a batch spooled by a worker that died (or
simply finished) is replayed by the next crawl process on any machine.
Each process appends to its own list (`<prefix>:spool:<worker id>`, one
element per batch, oldest first). A replay first adopts the lists of
processes whose heartbeat is gone (RENAME to a key of its own: atomic, so two
replayers never take the same list), then sends each list's batches oldest
first and stops at the first the engine cannot take, as the folder spool
does (the same outcomes: replayed, rejected to the local `rejected/` folder
for `newswatch spool retry`, left in place when the engine is down).

Durability is Redis's: run it with `appendonly yes` (docs/scale.md); the
folder spool fsyncs every segment.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from crawler.engine.bulk import Action, error_kind, send_actions
from crawler.engine.client import EngineUnreachable, SearchStore
from crawler.engine.spool import ReplayResult, Spool

log = logging.getLogger(__name__)


class RedisSpool(Spool):
    def __init__(self, directory: Path, server: Any, prefix: str, worker_id: str) -> None:
        super().__init__(directory)  # the folder keeps rejected actions for people
        self.server = server
        self.prefix = f"{prefix}:spool:"
        self.worker_prefix = f"{prefix}:worker:"
        self.worker_id = worker_id
        self.key = self.prefix + worker_id
        self.folder = Spool(directory)

    def append(self, actions: list[Action]) -> Path | None:
        if not actions:
            return None
        for action in actions:
            if not action.get("_id"):
                raise ValueError(f"spooled actions need a stable _id to be idempotent: {action!r}")
        self.server.rpush(self.key, json.dumps(actions, ensure_ascii=False))
        log.info("spooled %d actions to redis %s", len(actions), self.key)
        return Path(f"redis:{self.key}")

    def segments(self) -> list[Path]:
        batches = [Path(f"redis:{k}") for k in self._lists() for _ in range(self.server.llen(k))]
        return self.folder.segments() + batches

    def pending(self) -> int:
        return self.folder.pending() + sum(
            len(json.loads(raw)) for key in self._lists() for raw in self.server.lrange(key, 0, -1)
        )

    def replay(self, store: SearchStore) -> ReplayResult:
        # Segments left in the folder (before Redis was configured, or put back by
        # `newswatch spool retry`) are older than anything in Redis: they go first.
        result = self.folder.replay(store)
        if result.stopped is not None:
            result.remaining = self.pending()
            return result
        self._adopt_orphans()
        mine = [k for k in self._lists() if k.startswith(f"{self.key}:adopted:")]
        # Adopted lists first: their processes spooled before this one did.
        for key in [*mine, self.key]:
            if not self._replay_list(store, key, result):
                break
        result.remaining = self.pending()
        if result.replayed or result.rejected or result.stopped:
            log.info(
                "spool replay (redis): %d indexed, %d rejected, %d remaining%s",
                result.replayed,
                result.rejected,
                result.remaining,
                f" (stopped: {result.stopped})" if result.stopped else "",
            )
        return result

    def _lists(self) -> list[str]:
        return sorted(k.decode() for k in self.server.scan_iter(match=self.prefix + "*"))

    def _adopt_orphans(self) -> None:
        """Take over the lists of processes that are gone (each keeps its own order)."""
        for key in self._lists():
            owner = key.removeprefix(self.prefix)
            if owner.startswith(self.worker_id) or self.server.exists(self.worker_prefix + owner):
                continue
            mine = f"{self.key}:adopted:{owner}"
            try:
                self.server.rename(key, mine)
            except Exception:  # another replayer adopted it first (ResponseError: no such key)
                continue

    def _replay_list(self, store: SearchStore, key: str, result: ReplayResult) -> bool:
        while (raw := self.server.lindex(key, 0)) is not None:
            actions: list[Action] = json.loads(raw)
            outcome = send_actions(store, actions)
            result.replayed += len(outcome.succeeded)
            if outcome.rejected:
                self.reject("redis-spool", outcome.rejected)
                result.rejected += len(outcome.rejected)
                result.rejected_by_kind.update(error_kind(r) for _, r in outcome.rejected)
            left_ids = {id(a) for a, _ in outcome.retryable} | {id(a) for a in outcome.unsent}
            if not left_ids:
                self.server.lpop(key)
                result.segments_done += 1
                continue
            left = [a for a in actions if id(a) in left_ids]  # the batch's order
            self.server.lset(key, 0, json.dumps(left, ensure_ascii=False))
            error = outcome.error
            result.stopped = (
                f"engine unreachable: {error}"
                if isinstance(error, EngineUnreachable)
                else f"engine refused the request: {error}"
                if error is not None
                else f"{len(left)} actions failed with retryable statuses"
            )
            return False
        return True
