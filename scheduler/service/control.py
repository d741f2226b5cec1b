"""Talking to a running service through its state folder: lock, pid file, reload result.

One service per state_dir, enforced by an flock held for the service's life
(released by the kernel even on kill -9, so a stale lock cannot block a
restart). `service.json` says which pid to signal and where metrics are;
`reload.json` is the service's answer to the last reload request.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import IO, Any

from scheduler.service.runs import now_utc
from scheduler.service.settings import ServicePaths


class ServiceError(Exception):
    """The service cannot start or cannot be reached (exit code 1)."""


class ServiceLock:
    def __init__(self, paths: ServicePaths) -> None:
        self._path = paths.lock
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        handle = open(self._path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the service's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            info = read_info(self._path.parent / "service.json")
            pid = info.get("pid") if info else "unknown"
            raise ServiceError(
                f"another newswatch service (pid {pid}) already uses {self._path.parent}; "
                "stop it first, or give this one its own crawl.state_dir"
            ) from None
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def is_locked(paths: ServicePaths) -> bool:
    """True while a service holds the lock (i.e. is running)."""
    if not paths.lock.exists():
        return False
    with open(paths.lock, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(temporary, path)


def read_info(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def record_reload(paths: ServicePaths, ok: bool, message: str) -> None:
    write_json(
        paths.reload_result,
        {"at": now_utc().isoformat(), "epoch": time.time(), "ok": ok, "message": message},
    )


def wait_for_reload(paths: ServicePaths, since: float, timeout: float) -> dict[str, Any] | None:
    """The service's answer to a reload requested at `since` (epoch seconds), or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = read_info(paths.reload_result)
        if answer and float(answer.get("epoch", 0)) >= since:
            return answer
        time.sleep(0.1)  # 0.1 s: a reload takes a few ms; no need to spin faster
    return None
