"""The service says little when nothing happens: idle sweeps log nothing at INFO, an
engine outage is one line when it starts and one when it ends, and each sweep's
deliveries reach the metrics. AlertSweeper on the real engine, and on a closed port."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from prometheus_client.exposition import generate_latest

from crawler.config import Config, parse_config
from crawler.engine.client import SearchStore
from scheduler.service.alerting import AlertSweeper
from scheduler.service.metrics import ServiceMetrics


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sweeper_config(url: str, state: Path) -> Config:
    return parse_config(
        {
            # No retries: a failed sweep takes milliseconds, not the backoff's seconds.
            "search": {"url": url, "max_retries": 0},
            "crawl": {"state_dir": str(state)},
            "watches": [{"name": "w", "query": "대구 시티브레인"}],
        }
    )


def test_an_engine_outage_is_logged_when_it_starts_and_when_it_ends(
    ready_store: SearchStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv("NEWSWATCH_SEARCH_URL", raising=False)
    down = sweeper_config(f"http://127.0.0.1:{closed_port()}", tmp_path)
    up = sweeper_config(ready_store.url, tmp_path)
    current = [up]
    metrics = ServiceMetrics()
    sweeper = AlertSweeper(lambda: current[0], metrics)
    caplog.set_level(logging.DEBUG)
    try:
        sweeper.sweep()  # puts the watch in the percolator: worth a line
        caplog.clear()
        sweeper.sweep()  # idle: nothing to say at INFO
        current[0] = down
        for _ in range(4):  # 40 s of a real outage at one sweep every 10 s
            sweeper.sweep()
        current[0] = up
        sweeper.sweep()
        sweeper.sweep()
    finally:
        sweeper.close()
    said = [
        (r.levelname, r.getMessage())
        for r in caplog.records
        if r.levelno >= logging.INFO and r.name.startswith(("scheduler.", "crawler."))
    ]
    assert len(said) == 2, said
    (first_level, first), (last_level, last) = said
    assert first_level == "WARNING" and "alert sweep: search engine at http://127.0.0.1:" in first
    assert "unreachable" in first and "a line follows when it is back" in first
    assert last_level == "INFO" and last.startswith("search engine is back after")
    exported = generate_latest(metrics.registry).decode()
    assert 'newswatch_alert_deliveries_total{result="sent"} 0.0' in exported
    assert "newswatch_alert_deliveries_queued 0.0" in exported
