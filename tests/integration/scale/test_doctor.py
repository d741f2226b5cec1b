"""`newswatch doctor` checks the shared Redis when the config names one."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from crawler.engine.client import SearchStore
from crawler.engine.doctor import run_checks
from tests.integration.engine.test_doctor import write_config
from tests.redis_server import free_port

SCALE = {"redis_url_env": "NEWSWATCH_REDIS_URL"}


def test_doctor_names_the_leader_and_counts_live_workers(
    ready_store: SearchStore, tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWATCH_REDIS_URL", redis_url)
    server = redis.Redis.from_url(redis_url)
    server.set("newswatch:leader", "vm:42:abc")
    server.set("newswatch:worker:vm:43:def", "1")
    checks = {c.name: c for c in run_checks(write_config(tmp_path, scale=SCALE))}
    assert checks["redis"].ok, checks["redis"].detail
    assert "leader vm:42:abc; 1 crawl workers alive" in checks["redis"].detail


def test_doctor_fails_on_an_unreachable_redis(
    ready_store: SearchStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWATCH_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    checks = {c.name: c for c in run_checks(write_config(tmp_path, scale=SCALE))}
    assert not checks["redis"].ok
    assert "cannot reach Redis" in checks["redis"].detail
