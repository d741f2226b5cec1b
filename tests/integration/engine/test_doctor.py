"""`newswatch doctor` on the real engine: notifier secrets, the metrics port, the
Korean analyzer of the articles index, and each source's first URL (loopback only;
the one unresolvable name fails inside the guard's resolver hook, no DNS server)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.engine.client import SearchStore
from crawler.engine.doctor import Check, run_checks
from scheduler.cli import main
from tests.quiet_http import QuietHandler

HOOK_VARIABLE = "NEWSWATCH_DOCTOR_TEST_HOOK_URL"


class FeedHandler(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/rss.xml":
            body, status = b"<rss version='2.0'><channel></channel></rss>", 200
        elif self.path == "/moved.xml":
            self.send_response(301)
            self.send_header("Location", "/rss.xml")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            body, status = b"gone", 404
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def feed_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(tmp_path: Path, **sections: Any) -> Path:
    config: dict[str, Any] = {"crawl": {"allow_hosts": ["127.0.0.1"], "metrics_port": 0}}
    config.update(sections)
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def test_doctor_fails_on_an_unset_notifier_secret(
    ready_store: SearchStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    notifiers = {"team": {"type": "webhook", "url_env": HOOK_VARIABLE}}
    path = write_config(tmp_path, notifiers=notifiers)
    monkeypatch.delenv(HOOK_VARIABLE, raising=False)
    assert main(["--config", str(path), "doctor"]) == 1
    lines = capsys.readouterr().out.splitlines()
    failed = [line for line in lines if line.startswith("FAIL")]
    assert failed == [
        f"FAIL notifier team: webhook: not set: {HOOK_VARIABLE} (url); "
        + ("export it where `newswatch run` runs, or alerts to this notifier fail and stay queued")
    ], lines
    # The same installation with the secret exported is healthy.
    monkeypatch.setenv(HOOK_VARIABLE, "https://hooks.example.org/newswatch")
    assert main(["--config", str(path), "doctor"]) == 0, capsys.readouterr().out


def test_every_notifier_variable_is_checked(tmp_path: Path) -> None:
    from crawler.config import parse_config
    from crawler.engine.doctor import check_notifier

    config = parse_config(
        {
            "notifiers": {
                "mail": {
                    "type": "email",
                    "host": "smtp.example.org",
                    "sender": "a@example.org",
                    "to": ["b@example.org"],
                    "username_env": "SMTP_USER",
                    "password_env": "SMTP_PASSWORD",
                },
                "bot": {"type": "telegram", "token_env": "BOT_TOKEN", "chat_id": "1"},
                "slack": {"type": "slack", "url": "https://hooks.slack.com/services/x"},
                "signed": {"type": "webhook", "url_env": "HOOK", "secret_env": "HOOK_SECRET"},
            }
        }
    )
    env = {"SMTP_USER": "u", "HOOK": "ftp://nowhere"}
    checks = {n: check_notifier(n, s, env) for n, s in config.notifiers.items()}
    assert not checks["mail"].ok and "SMTP_PASSWORD (SMTP password)" in checks["mail"].detail
    assert not checks["bot"].ok and "BOT_TOKEN (bot token)" in checks["bot"].detail
    assert checks["slack"].ok and "reads no secret" in checks["slack"].detail
    assert not checks["signed"].ok and "HOOK_SECRET" in checks["signed"].detail
    env["HOOK_SECRET"] = "s"
    assert check_notifier("signed", config.notifiers["signed"], env) == Check(
        "notifier signed", False, "HOOK is not an http(s) URL"
    )


def test_korean_check_uses_the_articles_analyzer(ready_store: SearchStore, tmp_path: Path) -> None:
    checks = {c.name: c for c in run_checks(write_config(tmp_path))}
    korean = checks["Korean analysis (Nori)"]
    # The index analyzer drops the particle 를; the bare nori_tokenizer kept it.
    assert korean.ok and korean.detail.startswith("스마트시티를 → 스마트 시티 ("), korean
    assert "newswatch-articles" in korean.detail


def test_korean_check_before_setup_uses_the_template_analyzer(
    store: SearchStore, tmp_path: Path
) -> None:
    checks = {c.name: c for c in run_checks(write_config(tmp_path))}
    korean = checks["Korean analysis (Nori)"]
    assert korean.ok and korean.detail.startswith("스마트시티를 → 스마트 시티 ("), korean


def test_each_source_first_url_is_fetched_once_through_the_guard(
    ready_store: SearchStore, tmp_path: Path, feed_site: str
) -> None:
    sources = [
        {"name": "healthy", "type": "feed", "urls": [f"{feed_site}/rss.xml"]},
        {"name": "moved", "type": "feed", "urls": [f"{feed_site}/moved.xml"]},
        {"name": "gone", "type": "sitemap", "urls": [f"{feed_site}/sitemap.xml"]},
        {"name": "refusing", "type": "feed", "urls": [f"http://127.0.0.1:{closed_port()}/rss"]},
        {"name": "other-host", "type": "site", "start_urls": ["http://127.0.0.2:9/"]},
        {"name": "no-such-name", "type": "feed", "urls": ["http://news.invalid/rss.xml"]},
        {"name": "portals", "type": "search", "queries": ["스마트시티"]},
    ]

    async def no_dns(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    began = time.monotonic()
    checks = {
        c.name: c for c in run_checks(write_config(tmp_path, sources=sources), resolve=no_dns)
    }
    assert time.monotonic() - began < 20  # probes run side by side, each within 5 s
    said = {name.removeprefix("source "): c for name, c in checks.items()}
    assert said["healthy"].ok and "HTTP 200" in said["healthy"].detail
    assert said["moved"].ok and said["moved"].detail.startswith(f"{feed_site}/rss.xml: HTTP 200")
    assert not said["gone"].ok and "HTTP 404 Not Found" in said["gone"].detail
    assert not said["refusing"].ok and "connection refused" in said["refusing"].detail
    blocked = said["other-host"]
    assert (
        not blocked.ok and "crawl.allow_hosts" in blocked.detail and "127.0.0.2" in blocked.detail
    )
    unresolved = said["no-such-name"]
    assert not unresolved.ok and "could not resolve host news.invalid" in unresolved.detail
    assert "allow_hosts" not in unresolved.detail
    assert said["portals"].ok and "no URL of its own" in said["portals"].detail


def test_a_metrics_port_in_use_fails_naming_the_setting(
    ready_store: SearchStore, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        path = write_config(tmp_path, crawl={"metrics_port": port})
        checks = {c.name: c for c in run_checks(path)}
    metrics = checks["metrics port"]
    assert not metrics.ok
    assert metrics.detail.startswith(f"crawl.metrics_port {port} on 127.0.0.1: in use")
    free = {c.name: c for c in run_checks(write_config(tmp_path, crawl={"metrics_port": port}))}
    assert free["metrics port"].ok
