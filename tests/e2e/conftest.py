"""End-to-end fixtures: the fixture news site and the `newswatch` command as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tests.e2e.site_articles import all_articles
from tests.fixture_site import FixtureSite

if TYPE_CHECKING:
    from tests.e2e.service_process import ServiceProcess

NEWSWATCH = [sys.executable, "-m", "scheduler.cli"]
# `crawl.extract_workers` for every config the e2e tests write, when set: the suite
# runs once with the default (a pool of one worker per core) and once with 1 (in the
# crawl's process). tests/e2e/test_crawl_pool.py sets a pool of 2 itself.
EXTRACT_WORKERS_ENV = "NEWSWATCH_TEST_EXTRACT_WORKERS"
# A crawl of the fixture site takes 2-5 s; 120 s means something hangs.
COMMAND_TIMEOUT_SECONDS = 120


@pytest.fixture()
def site() -> Iterator[FixtureSite]:
    with FixtureSite(all_articles()) as running:
        yield running


@dataclass
class Workspace:
    root: Path
    engine_url: str

    @property
    def config_path(self) -> Path:
        return self.root / "newswatch.yaml"

    def write_config(self, sources: list[dict[str, Any]], **extra: Any) -> Path:
        config: dict[str, Any] = {
            "crawl": {
                "allow_hosts": ["127.0.0.1"],
                "state_dir": str(self.root / "state"),
                "download_timeout": 10,
            },
            "sources": sources,
        }
        config.update(extra)
        if os.environ.get(EXTRACT_WORKERS_ENV):
            config["crawl"].setdefault("extract_workers", int(os.environ[EXTRACT_WORKERS_ENV]))
        self.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        return self.config_path

    def run(self, *args: str, engine_url: str | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        env["NEWSWATCH_SEARCH_URL"] = engine_url or self.engine_url
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        return subprocess.run(
            [*NEWSWATCH, "--config", str(self.config_path), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
            cwd=self.root,
        )


@pytest.fixture()
def workspace(tmp_path: Path, ready_store: Any, engine: str) -> Workspace:
    return Workspace(root=tmp_path, engine_url=engine)


@pytest.fixture()
def service_factory(workspace: Workspace) -> Iterator[Callable[[], ServiceProcess]]:
    started: list[ServiceProcess] = []

    def start() -> ServiceProcess:
        from tests.e2e.service_process import ServiceProcess

        service = ServiceProcess(workspace)
        started.append(service)
        return service

    yield start
    for service in started:  # a failed test must not leave a service running
        if service.proc.poll() is None:
            service.proc.kill()
            service.proc.wait(10)
