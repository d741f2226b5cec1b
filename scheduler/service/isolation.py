"""Start a crawl as a child process, wait for it, kill it at its timeout or at shutdown.

The child runs in its own session (process group): a Ctrl-C on the terminal
reaches only the service, which decides what the children get, and a kill
reaches the whole group, so nothing the crawl started outlives it.
Stopping is always SIGTERM first (Scrapy stops at a safe point: spiders
closed, indexer flushed or spooled, seen store committed), then SIGKILL when
the child has not exited within its grace time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.service.runs import RunStatus

log = logging.getLogger(__name__)

# Poll period while waiting for a child: bounds how late a timeout or a stop
# request is acted on (0.2 s), at a negligible CPU cost for a handful of children.
POLL_SECONDS = 0.2
# After the first SIGTERM at a run's timeout, how long the child gets before SIGKILL
# (see `_stop`). 10 s: a Scrapy stop plus a flush of up to 500 actions takes ~2 s.
TIMEOUT_KILL_GRACE_SECONDS = 10.0


@dataclass
class ChildOutcome:
    status: RunStatus
    exit_code: int | None
    result: dict[str, Any] | None
    error: str | None
    # Seconds from the first signal to the child's exit (None when not signalled).
    kill_latency: float | None = None


@dataclass
class ChildSpec:
    config_file: Path
    result_file: Path
    source: str
    log_format: str
    stop_timeout: float

    def argv(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "scheduler.service.child",
            "--config",
            str(self.config_file),
            "--result",
            str(self.result_file),
            "--log-format",
            self.log_format,
            "--stop-timeout",
            str(self.stop_timeout),
            self.source,
        ]


class CrawlChild:
    def __init__(self, spec: ChildSpec) -> None:
        self.spec = spec
        spec.result_file.unlink(missing_ok=True)
        self._process = subprocess.Popen(
            spec.argv(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    def wait(self, timeout: float, stop: threading.Event, stop_grace: float) -> ChildOutcome:
        """Wait for the exit; stop the child at `timeout` or when `stop` is set."""
        deadline = time.monotonic() + timeout
        while True:
            code = self._poll()
            if code is not None:
                return self._outcome(code)
            if stop.is_set():
                return self._stop("interrupted", stop_grace, "the service is shutting down")
            if time.monotonic() >= deadline:
                return self._stop(
                    "timeout", TIMEOUT_KILL_GRACE_SECONDS, f"killed at its timeout of {timeout:g} s"
                )

    def _poll(self) -> int | None:
        return self._wait_for(POLL_SECONDS)

    def _stop(self, status: RunStatus, grace: float, why: str) -> ChildOutcome:
        """SIGTERM: Scrapy stops at a safe point, but waits for downloads in flight. Half
        the grace later a second SIGTERM: Scrapy stops its reactor at once, and
        run_crawl still flushes the indexer and closes the stores. At the end, SIGKILL."""
        started = time.monotonic()
        log.warning("stopping crawl of %s (pid %d): %s", self.spec.source, self.pid, why)
        code = None
        for signum in (signal.SIGTERM, signal.SIGTERM):
            signal_group(self.pid, signum)
            code = self._wait_for(grace / 2)
            if code is not None:
                break
        if code is None:
            log.warning("crawl of %s did not stop within %g s; SIGKILL", self.spec.source, grace)
            signal_group(self.pid, signal.SIGKILL)
            code = self._process.wait()
        outcome = self._outcome(code)
        outcome.status, outcome.error = status, why
        outcome.kill_latency = time.monotonic() - started
        return outcome

    def _wait_for(self, seconds: float) -> int | None:
        try:
            return self._process.wait(seconds)
        except subprocess.TimeoutExpired:
            return None

    def _outcome(self, code: int) -> ChildOutcome:
        result = read_result(self.spec.result_file)
        if result is None:
            how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
            return ChildOutcome(
                "crashed",
                code,
                None,
                f"the crawl process ended without a summary ({how}); see the service log",
            )
        if "error" in result:
            return ChildOutcome("crashed", code, result, str(result["error"]))
        status: RunStatus = "failed"
        if code == 0 and result.get("ok"):
            status = "partial" if result.get("status") == "partial" else "ok"
        reason = _failure_reason(result) if status != "ok" else None
        return ChildOutcome(status, code, result, reason)


def read_result(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        path.unlink(missing_ok=True)
    return data if isinstance(data, dict) else None


def signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def _failure_reason(result: dict[str, Any]) -> str:
    if result.get("problem"):  # the failed fetches, or how the spider ended
        return str(result["problem"])
    reasons = result.get("finish_reasons") or {}
    bad = [f"{name}: {why}" for name, why in reasons.items() if why != "finished"]
    return "; ".join(bad) or "the crawl reported failure"
