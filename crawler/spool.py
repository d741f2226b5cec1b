"""A durable on-disk spool of bulk actions, for while the engine is unreachable.

Layout of the spool directory:
- `seg-<nanoseconds>-<pid>-<n>.jsonl`: one segment per `append`, one action per
  line. Names sort in creation order, so replay goes oldest first.
- `rejected/<segment>-<nanoseconds>.jsonl`: actions the engine refused for good
  (e.g. `mapper_parsing_exception`), each with its status and error, so
  nothing is ever silently dropped; a person decides what to do with them.

Every file is written to a hidden temporary name, fsynced, renamed into place
and the directory fsynced: after a crash a segment is either complete or
absent, never half-written.

Nothing is indexed twice as a document: every action carries a stable `_id`
(the SHA-1 of the canonical URL, `crawler.models.document_id`), so re-sending
an action overwrites the same document (`index`) or sets the same field again
(`update`). That is what makes the at-least-once replay safe: a segment is
deleted only after all its actions succeeded, and a crash or an unreachable
engine between sending and deleting just means sending it again. Actions
without an `_id` are refused by `append`, since they would not be idempotent.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import time
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.local_state import try_exclusive_lock
from crawler.store import EngineError, EngineUnreachable, SearchStore

log = logging.getLogger(__name__)

Action = dict[str, Any]

SEGMENT_GLOB = "seg-*.jsonl"
REJECTED_DIR = "rejected"
LOCK_FILE = ".replay.lock"

_sequence = itertools.count()


def is_retryable(status: int | None) -> bool:
    """Overloaded (429) and server-side (5xx) failures may succeed later; others never will."""
    return status is None or status == 429 or status >= 500


@dataclass
class BulkOutcome:
    """What happened to each action of one bulk call."""

    succeeded: list[tuple[Action, dict[str, Any]]] = field(default_factory=list)
    retryable: list[tuple[Action, dict[str, Any]]] = field(default_factory=list)
    rejected: list[tuple[Action, dict[str, Any]]] = field(default_factory=list)
    # Not answered because the whole request failed (see `error`).
    unsent: list[Action] = field(default_factory=list)
    error: EngineError | None = None


def send_actions(store: SearchStore, actions: list[Action]) -> BulkOutcome:
    """Send actions through `store.bulk` and sort each one by its result.

    Results are matched to actions by (operation, _id): the helper retries 429s
    itself and then reports them out of order.
    """
    outcome = BulkOutcome()
    waiting: dict[tuple[str, str], list[Action]] = {}
    for action in actions:
        waiting.setdefault(_action_key(action), []).append(action)
    try:
        for ok, item in store.bulk(actions):
            op, result = next(iter(item.items()))
            matched = waiting.get((op, str(result.get("_id"))))
            if not matched:
                log.error("bulk result for unknown action %s %s", op, result.get("_id"))
                continue
            action = matched.pop(0)
            if ok:
                outcome.succeeded.append((action, result))
            elif is_retryable(result.get("status")):
                outcome.retryable.append((action, result))
            else:
                outcome.rejected.append((action, result))
    except EngineError as exc:
        outcome.error = exc
    outcome.unsent = [action for group in waiting.values() for action in group]
    return outcome


def error_kind(result: dict[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        return str(error.get("type", "unknown"))
    return "unknown"


def error_reason(result: dict[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        return str(error.get("reason", ""))
    return str(error or "")


@dataclass
class ReplayResult:
    replayed: int = 0
    rejected: int = 0
    rejected_by_kind: Counter[str] = field(default_factory=Counter)
    segments_done: int = 0
    remaining: int = 0
    # Why replay stopped early (engine unreachable, refused the request, overloaded), or None.
    stopped: str | None = None


class Spool:
    """Segments of bulk actions waiting for the engine, replayed oldest first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.rejected_dir = directory / REJECTED_DIR
        self.rejected_dir.mkdir(parents=True, exist_ok=True)

    def append(self, actions: list[Action]) -> Path | None:
        """Write the actions as one new segment, atomically; None when there is nothing to write."""
        if not actions:
            return None
        for action in actions:
            if not action.get("_id"):
                raise ValueError(f"spooled actions need a stable _id to be idempotent: {action!r}")
        name = f"seg-{time.time_ns():020d}-{os.getpid()}-{next(_sequence):06d}.jsonl"
        path = self.directory / name
        _write_atomically(path, actions)
        log.info("spooled %d actions to %s", len(actions), path)
        return path

    def segments(self) -> list[Path]:
        """Segment files, oldest first."""
        return sorted(self.directory.glob(SEGMENT_GLOB))

    def pending(self) -> int:
        """Number of actions waiting in all segments."""
        return sum(_count_lines(path) for path in self.segments())

    def rejected_files(self) -> list[Path]:
        return sorted(self.rejected_dir.glob("*.jsonl"))

    def reject(self, source: str, entries: list[tuple[Action, dict[str, Any]]]) -> Path | None:
        """Keep refused actions with the engine's reason, for a person to look at."""
        if not entries:
            return None
        records = [
            {
                "status": result.get("status"),
                "kind": error_kind(result),
                "reason": error_reason(result),
                "action": action,
            }
            for action, result in entries
        ]
        path = self.rejected_dir / f"{source}-{time.time_ns():020d}-{next(_sequence):06d}.jsonl"
        _write_atomically(path, records)
        for action, result in entries:
            log.warning(
                "engine rejected %s %s: %s: %s (kept in %s)",
                action.get("_op_type", "index"),
                action.get("_id"),
                error_kind(result),
                error_reason(result),
                path,
            )
        return path

    def replay(self, store: SearchStore) -> ReplayResult:
        """Send the segments oldest first; stop at the first one the engine cannot take."""
        result = ReplayResult()
        with self._replay_lock() as locked:
            if not locked:
                result.stopped = "another process is replaying this spool"
            else:
                for path in self.segments():
                    if not self._replay_segment(store, path, result):
                        break
        result.remaining = self.pending()
        if result.replayed or result.rejected or result.stopped:
            log.info(
                "spool replay: %d indexed, %d rejected, %d remaining%s",
                result.replayed,
                result.rejected,
                result.remaining,
                f" (stopped: {result.stopped})" if result.stopped else "",
            )
        return result

    def _replay_segment(self, store: SearchStore, path: Path, result: ReplayResult) -> bool:
        """Replay one segment; True when it is finished and replay may go on."""
        try:
            actions = _read_segment(path)
        except FileNotFoundError:
            return True  # replayed and deleted by another process meanwhile
        outcome = send_actions(store, actions)
        result.replayed += len(outcome.succeeded)
        # Refused actions are written out before the segment changes: after a
        # crash they are sent and refused again, never lost.
        if outcome.rejected:
            self.reject(path.stem, outcome.rejected)
            result.rejected += len(outcome.rejected)
            result.rejected_by_kind.update(error_kind(r) for _, r in outcome.rejected)
        left = [action for action, _ in outcome.retryable] + outcome.unsent
        if not left:
            path.unlink(missing_ok=True)
            _fsync_directory(self.directory)
            result.segments_done += 1
            return True
        # Keep only what still has to go, under the same name (same place in the order).
        _write_atomically(path, _in_original_order(actions, left))
        if isinstance(outcome.error, EngineUnreachable):
            result.stopped = f"engine unreachable: {outcome.error}"
        elif outcome.error is not None:
            result.stopped = f"engine refused the request: {outcome.error}"
        else:
            result.stopped = f"{len(outcome.retryable)} actions failed with retryable statuses"
        return False

    def _replay_lock(self) -> AbstractContextManager[bool]:
        """One replayer per spool: two would send the same segments twice (harmless, wasteful)."""
        return try_exclusive_lock(self.directory / LOCK_FILE)


def _action_key(action: Action) -> tuple[str, str]:
    return str(action.get("_op_type", "index")), str(action.get("_id"))


def _in_original_order(actions: list[Action], left: list[Action]) -> list[Action]:
    """The actions still to send, in the segment's order (an update must follow its index)."""
    wanted = {id(action) for action in left}
    return [action for action in actions if id(action) in wanted]


def _write_atomically(path: Path, records: list[Any]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make a rename or unlink durable: the directory entry itself must reach the disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_segment(path: Path) -> list[Action]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except FileNotFoundError:
        return 0
