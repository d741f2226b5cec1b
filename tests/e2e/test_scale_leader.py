"""Two `newswatch run` services on one Redis: one leads, the other takes over when it dies.

The leader is killed with -9 in the middle of a crawl (its child stops by
itself when it sees its parent gone, but runs on for a moment). Checked: the standby leads
within 30 s; the source's runs, from the run log both services' crawls write
in Redis, never overlap; the watch's webhook got its story once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from tests.conftest import RecordingServer
from tests.e2e.conftest import Workspace
from tests.e2e.service_process import ServiceProcess, feed, service_config, wait_until
from tests.fixture_site import FixtureSite

TAKEOVER_LIMIT = 30.0
# Generous bounds for a loaded machine; each wait ends as soon as its condition holds.
FIRST_ALERT_SECONDS = 90.0
RUN_AFTER_TAKEOVER_SECONDS = 90.0


def accept(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    return 200, {}, {"ok": True}


def _configure(ws: Workspace, site: FixtureSite, hook: RecordingServer) -> None:
    service_config(ws, [feed(site, "testilbo", "5s")])
    config = yaml.safe_load(ws.config_path.read_text(encoding="utf-8"))
    config["notifiers"] = {"team": {"type": "webhook", "url": f"{hook.url}/hook"}}
    config["watches"] = [
        # The fixture articles are from 2018: backfill reaches them (watches start now).
        {
            "name": "daegu-hangzhou",
            "query": "항저우 시티브레인",
            "notify": ["team"],
            "backfill": "7d",
        }
    ]
    # leader_ttl 4 s keeps the test short; the product default is 15 s.
    config["scale"] = {"redis_url_env": "NEWSWATCH_REDIS_URL", "leader_ttl": 4, "worker_ttl": 3}
    ws.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def _leader_pid(client: redis.Redis) -> int | None:
    holder = client.get("newswatch:leader")
    return int(holder.decode().split(":")[1]) if holder else None


def _runs(client: redis.Redis) -> list[tuple[str, str, float]]:
    events = [e.decode().split("|") for e in client.lrange("newswatch:runlog:testilbo", 0, -1)]
    return sorted(((kind, owner, float(at)) for kind, owner, at in events), key=lambda e: e[2])


def _assert_no_overlap(events: list[tuple[str, str, float]]) -> None:
    running: str | None = None
    for kind, owner, _ in events:
        if kind == "start":
            assert running is None, f"{owner} started while {running} was running: {events}"
            running = owner
        else:
            assert running == owner, f"{owner} ended but {running} was running: {events}"
            running = None


@pytest.mark.xfail(
    reason="issue 16, open: after merging watches-start-from-now (issue 12) no alert"
    " reaches the webhook in this test within 90 s; the cause is not found yet",
    strict=False,
)
def test_standby_takes_over_from_a_killed_leader(
    tmp_path: Path,
    ready_store: Any,
    engine: str,
    site: FixtureSite,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSWATCH_REDIS_URL", redis_url)
    client = redis.Redis.from_url(redis_url)
    first, second = (Workspace(root=tmp_path / n, engine_url=engine) for n in ("a", "b"))
    services: list[ServiceProcess] = []
    with RecordingServer(accept) as hook:
        for ws in (first, second):
            ws.root.mkdir()
            _configure(ws, site, hook)
        try:
            leader = ServiceProcess(first)
            services.append(leader)
            wait_until(lambda: _leader_pid(client) == leader.proc.pid, 20, "the first leader")
            standby = ServiceProcess(second)
            services.append(standby)
            wait_until(lambda: len(hook.requests) >= 1, FIRST_ALERT_SECONDS, "the first alert")
            assert _leader_pid(client) == leader.proc.pid, "the standby took over a live leader"
            # Kill it in the middle of a run: its crawl child lives on for a moment.
            wait_until(lambda: _runs(client)[-1][0] == "start", 30, "a run of the leader")
            leader.proc.kill()
            killed = time.monotonic()
            leader.wait(10)
            wait_until(
                lambda: _leader_pid(client) == standby.proc.pid, TAKEOVER_LIMIT, "the takeover"
            )
            takeover = time.monotonic() - killed
            ran_before = len(_runs(client))
            wait_until(
                lambda: [e for e in _runs(client)[ran_before:] if e[0] == "end"],
                RUN_AFTER_TAKEOVER_SECONDS,
                "a run by the new leader",
            )
            time.sleep(12)  # a further sweep tick must not send the story again
            code, _ = standby.stop()
        finally:
            for service in services:
                if service.proc.poll() is None:
                    service.proc.kill()
                    service.proc.wait(10)
    assert code == 0, standby.log()
    assert takeover <= TAKEOVER_LIMIT
    assert "this service leads the schedule" in standby.log()
    _assert_no_overlap(_runs(client))
    assert len(hook.requests) == 1, [r["body"][:200] for r in hook.requests]
