"""`newswatch run` delivers alerts by itself: a crawl that indexes a matching
article is followed by a sweep, and the watch's webhook receives it once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import yaml

from tests.conftest import RecordingServer
from tests.e2e.conftest import Workspace
from tests.e2e.service_process import ServiceProcess, feed, service_config, wait_until
from tests.fixture_site import FixtureSite

# A crawl (~3-5 s with the child's start-up) plus a sweep: 60 s means it is broken.
DELIVERY_SECONDS = 60.0


def accept(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    return 200, {}, {"ok": True}


def test_service_crawls_then_alerts_once_per_story(
    workspace: Workspace,
    site: FixtureSite,
    service_factory: Callable[[], ServiceProcess],
) -> None:
    with RecordingServer(accept) as hook:
        service_config(workspace, [feed(site, "testilbo", "5s")])
        config = yaml.safe_load(workspace.config_path.read_text(encoding="utf-8"))
        config["notifiers"] = {"team": {"type": "webhook", "url": f"{hook.url}/hook"}}
        config["watches"] = [
            # The fixture articles are from 2018: backfill reaches them (watches start now).
            {
                "name": "daegu-hangzhou",
                "query": "항저우 시티브레인",
                "notify": ["team"],
                "backfill": "5000d",
            }
        ]
        workspace.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
        assert workspace.run("setup").returncode == 0

        service = service_factory()
        wait_until(lambda: len(hook.requests) >= 1, DELIVERY_SECONDS, "the webhook call")
        time.sleep(12)  # a further sweep tick must not send the story again
        status, body = service.get("/metrics")
        code, _ = service.stop()

    assert code == 0, service.log()
    assert status == 200
    assert 'newswatch_alert_deliveries_total{result="sent"} 1.0' in body, body
    assert 'newswatch_alert_deliveries_total{result="failed"} 0.0' in body
    assert 'newswatch_alert_deliveries_total{result="uncertain"} 0.0' in body
    assert "newswatch_alert_deliveries_queued 0.0" in body
    # Quiet when idle: the sweeps that found nothing (every 10 s) wrote no line.
    sweeps = [line for line in service.log().splitlines() if "alert sweep:" in line]
    assert sweeps and not [line for line in sweeps if "0 matches, 0 new alerts" in line], sweeps
    assert len(hook.requests) == 1, [r["body"][:200] for r in hook.requests]
    payload = json.loads(hook.requests[0]["body"])
    text = json.dumps(payload, ensure_ascii=False)
    # The original and its syndicated copy are one story: one message.
    assert "daegu-hangzhou" in text
    assert "권영진 대구시장" in text or "항저우" in text
