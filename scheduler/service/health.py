"""Source health: `stale` (no new page for longer than expected) and `failing`
(several failed runs in a row), as status, metrics and a callback.

Listeners are called on transitions only (raised, then cleared), never on
every run, so a notifier (scheduler/alerts/) sends one message per problem.
A listener that raises is logged and never stops the others or the service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from scheduler.service.metrics import ServiceMetrics
from scheduler.service.runs import RunHistory

log = logging.getLogger(__name__)

FlagReason = Literal["stale", "failing"]


@dataclass(frozen=True, slots=True)
class SourceFlag:
    source: str
    reason: FlagReason
    detail: str
    at: datetime
    raised: bool  # True when the flag goes up, False when it is cleared


FlagListener = Callable[[SourceFlag], None]


class HealthMonitor:
    def __init__(
        self, history: RunHistory, metrics: ServiceMetrics, failures_before_flag: int
    ) -> None:
        self._history = history
        self._metrics = metrics
        self._threshold = failures_before_flag
        self._flags: dict[str, dict[FlagReason, str]] = {}
        self._listeners: list[FlagListener] = []

    def add_listener(self, listener: FlagListener) -> None:
        self._listeners.append(listener)

    def flags(self, source: str) -> dict[FlagReason, str]:
        return dict(self._flags.get(source, {}))

    def evaluate(self, source: str, stale_after: float, now: datetime) -> dict[FlagReason, str]:
        """Recompute the flags of one source; notify listeners of changes."""
        current: dict[FlagReason, str] = {}
        failures = self._history.consecutive_failures(source, self._threshold)
        if failures >= self._threshold:
            last = self._history.latest(source)
            current["failing"] = (
                f"{failures} failed runs in a row; last: {last.last_error if last else 'unknown'}"
            )
        since = self._history.last_productive(source) or self._history.first_started(source)
        if since is not None and (now - since).total_seconds() > stale_after:
            current["stale"] = f"no new page since {since.isoformat(timespec='seconds')}"
        previous = self._flags.get(source, {})
        self._flags[source] = current
        for reason in ("stale", "failing"):
            self._metrics.flagged.labels(source, reason).set(1 if reason in current else 0)
            if (reason in current) != (reason in previous):
                detail = current.get(reason) or previous.get(reason, "")
                self._notify(SourceFlag(source, reason, detail, now, reason in current))
        return current

    def forget(self, source: str) -> None:
        self._flags.pop(source, None)

    def _notify(self, flag: SourceFlag) -> None:
        level = logging.WARNING if flag.raised else logging.INFO
        log.log(
            level,
            "source %s %s %s: %s",
            flag.source,
            "flagged" if flag.raised else "no longer",
            flag.reason,
            flag.detail,
        )
        for listener in self._listeners:
            try:
                listener(flag)
            except Exception:
                log.exception("flag listener %r failed", listener)
