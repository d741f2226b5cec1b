"""The `newswatch run` service as a real process, for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.conftest import NEWSWATCH, Workspace
from tests.fixture_site import FixtureSite

# Service start-up (imports, job store) is < 2 s; 20 s means it is broken.
START_SECONDS = 20.0


class ServiceProcess:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.log_path = workspace.root / f"service-{time.monotonic_ns()}.log"
        env = dict(os.environ)
        env["NEWSWATCH_SEARCH_URL"] = workspace.engine_url
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in wait()
        self.proc = subprocess.Popen(
            [*NEWSWATCH, "--config", str(workspace.config_path), "run"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workspace.root,
        )
        self.started = time.time()
        wait_until(
            lambda: self.info() is not None or self.proc.poll() is not None,
            START_SECONDS,
            "service start",
        )
        assert self.proc.poll() is None, self.log()

    @property
    def state(self) -> Path:
        return self.workspace.root / "state"

    def info(self) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads((self.state / "service" / "service.json").read_text())
        except (OSError, ValueError):
            return None
        return data if data.get("pid") == self.proc.pid else None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self, timeout: float = 60.0) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds to exit)."""
        began = time.monotonic()
        self.signal(signal.SIGTERM)
        code = self.wait(timeout)
        return code, time.monotonic() - began

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def get(self, path: str) -> tuple[int, str]:
        info = self.info()
        assert info is not None and info["metrics_port"]
        url = f"http://127.0.0.1:{info['metrics_port']}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def service_config(workspace: Workspace, sources: list[dict[str, Any]], **crawl: Any) -> None:
    workspace.write_config(sources)
    config = yaml.safe_load(workspace.config_path.read_text(encoding="utf-8"))
    config["crawl"].update({"jitter": 0, "metrics_port": 0, "stop_timeout": 6, **crawl})
    workspace.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def feed(site: FixtureSite, name: str, every: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "feed",
        "urls": [f"{site.url}/rss.xml"],
        "schedule": {"interval": every},
    }
