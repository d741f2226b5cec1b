"""At start: runs the last service left `running` were lost with it; record them `interrupted`.

A child of a service that was kill -9'ed stops itself within about a second
(see child.py), but it may still be flushing when the new service starts, so
any such child still alive is stopped (SIGTERM, then SIGKILL) before the
timetable resumes: two crawls of one source must never overlap.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from pathlib import Path

from scheduler.service.isolation import signal_group
from scheduler.service.runs import RunHistory, RunRecord, now_utc

log = logging.getLogger(__name__)

CHILD_MODULE = "scheduler.service.child"
# Poll period while waiting for an orphaned child to exit.
ORPHAN_POLL_SECONDS = 0.1


def recover_interrupted(history: RunHistory, grace: float) -> list[RunRecord]:
    recovered = []
    for run in history.unfinished():
        if run.pid is not None and _is_our_child(run.pid, run.run_id):
            log.warning(
                "run %s of %s (pid %d) outlived the previous service; stopping it",
                run.run_id,
                run.source,
                run.pid,
            )
            _stop_orphan(run.pid, grace)
        run.status, run.ended = "interrupted", now_utc()
        run.last_error = "the service stopped (killed or crashed) while this run was in progress"
        history.finish(run)
        log.warning("run %s of %s recorded as interrupted", run.run_id, run.source)
        recovered.append(run)
    return recovered


def _is_our_child(pid: int, run_id: str) -> bool:
    """Only a process whose command line names this run: a recycled pid is left alone."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return CHILD_MODULE in cmdline and run_id in cmdline and _alive(pid)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    # A zombie (State: Z) has exited; only its parent's wait() is missing.
    return "\nState:\tZ" not in status


def _stop_orphan(pid: int, grace: float) -> None:
    """SIGTERM, SIGTERM again at half the grace (Scrapy's forced stop), SIGKILL at the end."""
    for signum in (signal.SIGTERM, signal.SIGTERM):
        signal_group(pid, signum)
        deadline = time.monotonic() + grace / 2
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(ORPHAN_POLL_SECONDS)
        if not _alive(pid):
            return
    signal_group(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
