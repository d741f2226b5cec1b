"""kill -9 of `newswatch alerts sweep` while a receiver holds the request, then what follows.

A Slack-style receiver has no idempotency key: the interrupted message is
`uncertain`, not sent again by later sweeps, and sent exactly once more by
`newswatch alerts resend`. The webhook's interrupted message is sent again by
the next sweep, with the same Idempotency-Key.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.engine.client import SearchStore
from tests.conftest import RecordingServer
from tests.e2e.conftest import NEWSWATCH, Workspace
from tests.e2e.service_process import wait_until
from tests.e2e.test_alerts_cli import assert_fits_80_columns
from tests.integration.alerts.test_alerts import MATCHING, article, index

# A sweep subprocess reaches its first send in 2-5 s; 60 s means it is broken.
SEND_SECONDS = 60.0
# How long a held request waits to be released before answering anyway.
HOLD_SECONDS = 30.0


class Holding:
    """Answers 200, but while `hold` is set keeps each request until `release` (or HOLD_SECONDS)."""

    def __init__(self) -> None:
        self.hold = False
        self.release = threading.Event()

    def __call__(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        if self.hold:
            self.release.wait(HOLD_SECONDS)
        return 200, {}, {"ok": True}


def kill_sweep_while_held(workspace: Workspace, server: RecordingServer, hold: Holding) -> None:
    """Start a sweep, wait until `server` holds its request, kill -9 the sweep, release."""
    before = len(server.requests)
    hold.hold, hold.release = True, threading.Event()
    env = {**os.environ, "NEWSWATCH_SEARCH_URL": workspace.engine_url}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    command = [*NEWSWATCH, "--config", str(workspace.config_path), "alerts", "sweep"]
    proc = subprocess.Popen(
        command, env=env, cwd=workspace.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until(lambda: len(server.requests) > before, SEND_SECONDS, "the held request")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        hold.hold = False
        hold.release.set()


def history(workspace: Workspace) -> dict[str, dict[str, Any]]:
    result = workspace.run("alerts", "history", "--json")
    assert result.returncode == 0, result.stderr
    return {row["watch"]: row for row in json.loads(result.stdout)}


def test_kill_mid_delivery_resends_only_where_the_receiver_drops_repeats(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    chat_hold, hook_hold = Holding(), Holding()
    with RecordingServer(chat_hold) as chat, RecordingServer(hook_hold) as hook:
        workspace.write_config(
            [],
            notifiers={
                "chat": {"type": "slack", "url": f"{chat.url}/services/T0/B0/x", "timeout": 60},
                "hook": {"type": "webhook", "url": f"{hook.url}/hook", "timeout": 60},
            },
            watches=[
                {"name": "daegu", "query": "스마트시티 대구", "notify": ["chat"]},
                {"name": "sejong", "query": "바르셀로나 업무협약", "notify": ["hook"]},
            ],
        )
        recently = datetime.now(UTC) - timedelta(minutes=1)
        index(ready_store, article(1, MATCHING, fetched=recently))

        kill_sweep_while_held(workspace, chat, chat_hold)
        ready_store.request("POST", "/newswatch-alerts/_refresh")  # history is a search
        assert history(workspace)["daegu"]["status"] == "sending"  # attempt recorded first
        swept = workspace.run("alerts", "sweep")
        assert swept.returncode == 1 and "uncertain 1 (not re-sent)" in swept.stdout, swept
        assert "may have arrived" in swept.stderr and "alerts resend" in swept.stderr
        assert workspace.run("alerts", "sweep").returncode == 0
        assert len(chat.requests) == 1  # neither sweep sent it again
        uncertain = history(workspace)["daegu"]
        assert uncertain["status"] == "uncertain", uncertain
        table = workspace.run("alerts", "history", "--status", "uncertain")
        assert f"newswatch alerts resend {uncertain['key']}\n" in table.stdout, table.stdout
        assert_fits_80_columns(table.stdout)

        index(ready_store, article(2, "세종시가 바르셀로나와 업무협약을 맺었다.", fetched=recently))
        kill_sweep_while_held(workspace, hook, hook_hold)
        assert workspace.run("alerts", "sweep").returncode == 0
        keys = [r["headers"]["Idempotency-Key"] for r in hook.requests]
        assert len(keys) == 2 and keys[0] == keys[1] == history(workspace)["sejong"]["key"]

        resent = workspace.run("alerts", "resend", uncertain["key"])
        assert resent.returncode == 0, resent.stderr
        assert "sent 1" in resent.stdout, resent.stdout
        assert workspace.run("alerts", "sweep").returncode == 0
        again = workspace.run("alerts", "resend", uncertain["key"])
        assert again.returncode == 2 and "it is sent" in again.stderr, again
        assert workspace.run("alerts", "resend", "--uncertain").stdout.strip() == (
            "no uncertain notifications"
        )

    assert len(chat.requests) == 2  # the operator's request: exactly one more
    assert chat.requests[0]["body"] == chat.requests[1]["body"]
    assert len(hook.requests) == 2
    assert {row["status"] for row in history(workspace).values()} == {"sent"}
