"""The README's webhook receiver, run as written, gets a signed alert and refuses a forged one."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.config import notifier_config
from scheduler.alerts.notifiers import DeliveryError, build_notifier
from tests.integration.alerts.test_notify_test_and_apprise import MESSAGE

README = Path(__file__).resolve().parents[3] / "README.md"
SECRET = "readme-secret"
# The receiver is up within a second or two; 20 s means it never started.
START_SECONDS = 20.0


def readme_receiver() -> str:
    section = README.read_text(encoding="utf-8").split("### Webhook payload and signature", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README: no python example under 'Webhook payload and signature'"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def receiver(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    script = tmp_path / "receiver.py"
    script.write_text(readme_receiver(), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "HOOK_SECRET": SECRET, "PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "receiver did not start"
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/hook", process
    process.terminate()
    process.wait(timeout=10)


def test_the_readme_receiver_verifies_a_signed_alert_and_refuses_a_wrong_secret(
    receiver: tuple[str, subprocess.Popen[str]],
) -> None:
    url, process = receiver
    settings = notifier_config(type="webhook", url=url, secret_env="HOOK_SECRET", timeout=5)
    answer = build_notifier("hook", settings, {"HOOK_SECRET": SECRET}).send(MESSAGE)
    assert answer == "HTTP 200"
    forged = build_notifier("hook", settings, {"HOOK_SECRET": "not-the-secret"})
    with pytest.raises(DeliveryError, match="HTTP 401"):
        forged.send(MESSAGE)
    process.terminate()
    printed, _ = process.communicate(timeout=10)
    assert printed.splitlines() == [
        "daegu: 대구시, 알리바바 방문 (블로그 전재) https://blog.example.kr/245"
        " (copy of https://news.example.kr/a/1)"
    ]
