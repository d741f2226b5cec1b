"""A durable on-disk spool of bulk actions, for while the engine is unreachable.

Layout of the spool directory:
- `seg-<nanoseconds>-<pid>-<n>.jsonl`: one segment per `append`, one action per
  line. Names sort in creation order, so replay goes oldest first.
- `rejected/<segment>-<nanoseconds>.jsonl`: actions the engine refused for good
  (e.g. `mapper_parsing_exception`), each with its status and error, so
  nothing is ever silently dropped. `newswatch status` counts them and
  `newswatch spool retry` (`Spool.requeue_rejected`) puts them back in line,
  e.g. after the mapping was fixed.
- `<segment>.corrupt`: lines of a segment that are not a bulk action (a disk
  or editor accident), moved aside with a warning naming the segment and the
  line, so the rest of the segment and every later one are still replayed.

Refusals the engine lifts without the document changing are not rejections:
a write block (`index.blocks.write`, a flood-stage disk), missing privileges, a
closed index, a missing alias (bulk requests say `require_alias`). Those
actions stay in the segment and are retried like an outage (see `is_retryable`).

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

from crawler.engine.bulk import (
    Action,
    action_key,
    error_kind,
    error_reason,
    is_liftable,
    refusal_hint,
    send_actions,
)
from crawler.engine.client import EngineUnreachable, SearchStore
from crawler.state.sqlite import try_exclusive_lock

log = logging.getLogger(__name__)

SEGMENT_GLOB = "seg-*.jsonl"
REJECTED_DIR = "rejected"
LOCK_FILE = ".replay.lock"

_sequence = itertools.count()


@dataclass
class ReplayResult:
    replayed: int = 0
    rejected: int = 0
    rejected_by_kind: Counter[str] = field(default_factory=Counter)
    # Kept in the spool because the engine refuses them until someone acts:
    # (operation, _id) → error type.
    refused: dict[tuple[str, str], str] = field(default_factory=dict)
    # Corrupt lines moved aside (see `Spool._read_segment`).
    quarantined: int = 0
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

    def rejected(self) -> int:
        """Number of actions the engine refused for good, kept in `rejected/`."""
        return sum(_count_lines(path) for path in self.rejected_files())

    def requeue_rejected(self) -> int:
        """Put every rejected action back in line as a new segment; how many were moved.

        A rejected file is deleted only once its actions are in a segment, so a
        crash in between sends them twice (harmless: stable ids), never loses them.
        """
        moved = 0
        for path in self.rejected_files():
            records = self._read_lines(path)
            actions = [r["action"] for r in records if isinstance(r.get("action"), dict)]
            self.append(actions)
            path.unlink()
            _fsync_directory(self.rejected_dir)
            moved += len(actions)
        return moved

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
        if result.replayed or result.rejected or result.stopped or result.quarantined:
            log.info(
                "spool replay: %d indexed, %d rejected, %d corrupt lines set aside, %d remaining%s",
                result.replayed,
                result.rejected,
                result.quarantined,
                result.remaining,
                f" (stopped: {result.stopped})" if result.stopped else "",
            )
        return result

    def _replay_segment(self, store: SearchStore, path: Path, result: ReplayResult) -> bool:
        """Replay one segment; True when it is finished and replay may go on."""
        try:
            actions = self._read_segment(path, result)
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
        refused = [r for _, r in outcome.retryable if is_liftable(r)]
        for action, reply in outcome.retryable:
            if is_liftable(reply):
                result.refused[action_key(action)] = error_kind(reply)
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
        elif refused:
            result.stopped = (
                f"{len(refused)} actions refused for now ({error_kind(refused[0])}: "
                f"{error_reason(refused[0])}); {refusal_hint(refused[0])}"
            )
        else:
            result.stopped = f"{len(outcome.retryable)} actions failed with retryable statuses"
        return False

    def _read_segment(self, path: Path, result: ReplayResult) -> list[Action]:
        """The actions; corrupt lines go to `<segment>.corrupt`, each named in a warning."""
        actions: list[Action] = []
        corrupt: list[bytes] = []
        with open(path, "rb") as handle:
            for line_no, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                action, problem = _parse_action(raw)
                if action is not None:
                    actions.append(action)
                    continue
                corrupt.append(raw if raw.endswith(b"\n") else raw + b"\n")
                log.warning(
                    "spool segment %s line %d is not a bulk action (%s); moved to %s",
                    path,
                    line_no,
                    problem,
                    _corrupt_path(path),
                )
        if corrupt:
            # Kept first, then the segment rewritten: a crash in between quarantines
            # the line again (twice in the file), never loses it.
            _append_durably(_corrupt_path(path), corrupt)
            _write_atomically(path, actions)
            result.quarantined += len(corrupt)
        return actions

    def _read_lines(self, path: Path) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        with open(path, "rb") as handle:
            for line_no, raw in enumerate(handle, 1):
                try:
                    record = json.loads(raw)
                except ValueError as exc:
                    log.warning("%s line %d is not JSON (%s); left out", path, line_no, exc)
                    continue
                if isinstance(record, dict):
                    records.append(record)
        return records

    def _replay_lock(self) -> AbstractContextManager[bool]:
        """One replayer per spool: two would send the same segments twice (harmless, wasteful)."""
        return try_exclusive_lock(self.directory / LOCK_FILE)


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


def _parse_action(raw: bytes) -> tuple[Action | None, str]:
    """One segment line as an action, or None and what is wrong with it."""
    try:
        action = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8: {exc.reason}"
    except ValueError as exc:
        return None, f"not JSON: {exc}"
    if not isinstance(action, dict) or not action.get("_id"):
        return None, "not an object with an _id"
    return action, ""


def _corrupt_path(segment: Path) -> Path:
    # Beside the segment and outside SEGMENT_GLOB, so it is never replayed.
    return segment.with_name(f"{segment.name}.corrupt")


def _append_durably(path: Path, lines: list[bytes]) -> None:
    with open(path, "ab") as handle:
        handle.writelines(lines)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_directory(path.parent)


def _count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except FileNotFoundError:
        return 0
