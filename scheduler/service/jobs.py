"""The function the persistent job store names (`scheduler.service.jobs:run_source`).

A job store keeps a textual reference and plain arguments, never a bound
method of a live object, so the job function is module-level and finds the
running service through `bind()`.
"""

from __future__ import annotations

from typing import Protocol


class SourceRunner(Protocol):
    def run_source(self, source: str) -> None: ...


_runner: SourceRunner | None = None


def bind(runner: SourceRunner | None) -> None:
    global _runner
    _runner = runner


def run_source(source: str, key: str = "") -> None:
    """`key` is the schedule digest (see timetable.schedule_key); only the job needs it."""
    if _runner is not None:
        _runner.run_source(source)
