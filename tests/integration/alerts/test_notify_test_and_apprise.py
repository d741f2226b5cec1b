"""`newswatch alerts notify-test` and the apprise notifier, against real receivers on loopback.

apprise's json:// and form:// URLs post to a plain HTTP server, so the
RecordingServer stands in for "a service apprise knows"; SMTP is aiosmtpd.
No search engine is needed: notify-test sends without touching the index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import yaml

from crawler.config import NotifierConfig, notifier_config
from scheduler.alerts.message import Item, Message
from scheduler.alerts.notifiers import DeliveryError, build_notifier
from tests.conftest import RecordingServer
from tests.integration.alerts.test_alerts import Inbox, LoopbackSMTP

REPO = Path(__file__).resolve().parents[3]
MESSAGE = Message(
    key="d-apprise",
    watch="daegu",
    items=(
        Item(
            title="대구시, 알리바바 방문 (블로그 전재)",
            url="https://blog.example.kr/245",
            outlet="스마트시티 다이어리",
            published=None,
            snippet=(("대구시가 ", False), ("스마트시티", True), ("를 추진", False)),
            is_copy=True,
            original_outlet="내일신문",
            original_url="https://news.example.kr/a/1",
            copies=2,
        ),
    ),
)


def ok(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    return 200, {}, {"ok": True}


def refuse(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    return 403, {}, {"error": "bad token"}


def apprise_settings() -> NotifierConfig:
    return notifier_config(type="apprise", url_env="APPRISE_URL", timeout=5)


def test_apprise_json_url_posts_the_alert_with_its_original_to_a_loopback_server() -> None:
    with RecordingServer(ok) as server:
        url = server.url.replace("http://", "json://") + "/notify"
        answer = build_notifier("ops", apprise_settings(), {"APPRISE_URL": url}).send(MESSAGE)
    (request,) = server.requests
    assert request["method"] == "POST" and request["path"] == "/notify"
    payload = json.loads(request["body"])
    assert payload["title"] == "[newswatch] daegu: 대구시, 알리바바 방문 (블로그 전재)"
    assert "copy of 내일신문 https://news.example.kr/a/1" in payload["message"]
    assert "2 other copies of this story" in payload["message"]
    assert answer.startswith("apprise:")


def test_apprise_form_url_and_a_refusing_service_is_a_delivery_error() -> None:
    with RecordingServer(refuse) as server:
        url = server.url.replace("http://", "form://") + "/hook"
        notifier = build_notifier("ops", apprise_settings(), {"APPRISE_URL": url})
        with pytest.raises(DeliveryError, match=r"apprise did not deliver.*403"):
            notifier.send(MESSAGE)
    (request,) = server.requests
    assert "copy of 내일신문" in parse_qs(request["body"].decode())["message"][0]


def test_apprise_url_comes_only_from_the_environment() -> None:
    with pytest.raises(ValueError, match="apprise notifier needs url_env"):
        notifier_config(type="apprise", url="https://ntfy.example.org/topic")
    notifier = build_notifier("ops", apprise_settings(), {})
    with pytest.raises(DeliveryError, match="APPRISE_URL"):
        notifier.send(MESSAGE)
    bad = build_notifier("ops", apprise_settings(), {"APPRISE_URL": "nosuchscheme://x"})
    with pytest.raises(DeliveryError, match="not one apprise understands"):
        bad.send(MESSAGE)


@pytest.fixture()
def smtp() -> Iterator[tuple[LoopbackSMTP, Inbox]]:
    inbox = Inbox()
    controller = LoopbackSMTP(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    yield controller, inbox
    controller.stop()


def notify_test(
    tmp_path: Path, notifiers: dict[str, Any], name: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "newswatch.yaml"
    config.write_text(yaml.safe_dump({"notifiers": notifiers}), encoding="utf-8")
    command = ["alerts", "notify-test", name]
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "--config", str(config), *command],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=60,
        check=False,
        cwd=tmp_path,
    )


def test_notify_test_webhook_reports_the_status_and_body_the_receiver_answered(
    tmp_path: Path,
) -> None:
    with RecordingServer(ok) as server:
        result = notify_test(tmp_path, {"team": {"type": "webhook", "url": server.url}}, "team")
    assert result.returncode == 0, result.stderr
    assert 'HTTP 200: {"ok": true}' in result.stdout
    (request,) = server.requests
    article = json.loads(request["body"])["articles"][0]
    assert article["is_copy"] is True and article["original_outlet"] == "내일신문"


def test_notify_test_fails_with_exit_1_and_the_channel_s_answer(tmp_path: Path) -> None:
    with RecordingServer(refuse) as server:
        result = notify_test(tmp_path, {"team": {"type": "slack", "url": server.url}}, "team")
    assert result.returncode == 1
    assert "not delivered" in result.stderr and "HTTP 403" in result.stderr
    assert len(server.requests) == 1


def test_notify_test_email_reports_the_smtp_reply(
    tmp_path: Path, smtp: tuple[LoopbackSMTP, Inbox]
) -> None:
    controller, inbox = smtp
    mail = {
        "type": "email",
        "host": "127.0.0.1",
        "port": controller.port,
        "starttls": False,
        "sender": "newswatch@example.org",
        "to": ["analyst@example.org"],
    }
    result = notify_test(tmp_path, {"mail": mail}, "mail")
    assert result.returncode == 0, result.stderr
    assert "SMTP 250 OK" in result.stdout
    (message,) = inbox.messages
    assert message["Subject"].startswith("[newswatch] notify-test:")


def test_notify_test_apprise_and_unknown_notifier(tmp_path: Path) -> None:
    with RecordingServer(ok) as server:
        url = server.url.replace("http://", "json://")
        notifiers = {"ops": {"type": "apprise", "url_env": "OPS_APPRISE"}}
        result = notify_test(tmp_path, notifiers, "ops", {"OPS_APPRISE": url})
    assert result.returncode == 0, result.stderr
    assert "apprise:" in result.stdout and len(server.requests) == 1
    result = notify_test(tmp_path, notifiers, "nope")
    assert result.returncode == 2 and "no notifier named 'nope'" in result.stderr
