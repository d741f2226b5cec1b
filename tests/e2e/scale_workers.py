"""Crawl workers on the shared Redis frontier, as processes a test starts, waits for and kills."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from tests.e2e.conftest import NEWSWATCH
from tests.slow_sites import SlowSites

REPO = Path(__file__).resolve().parents[2]
REDIS_ENV = "NEWSWATCH_REDIS_URL"


def write_scale_config(
    root: Path,
    sites: SlowSites,
    *,
    worker_ttl: float = 10.0,
    host_delay: float = 0.0,
    worker_concurrency: int = 4,
) -> Path:
    config = {
        "crawl": {
            "allow_hosts": ["127.0.0.1"],
            "state_dir": str(root / "state"),
            "download_timeout": 10,
        },
        "scale": {
            "redis_url_env": REDIS_ENV,
            "host_delay": host_delay,
            "worker_ttl": worker_ttl,
            "worker_concurrency": worker_concurrency,
        },
        "sources": [{"name": "slow", "type": "sitemap", "urls": sites.sitemap_urls()}],
    }
    path = root / "newswatch.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def start(config: Path, engine_url: str, redis_url: str, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.update({"NEWSWATCH_SEARCH_URL": engine_url, REDIS_ENV: redis_url, "PYTHONPATH": str(REPO)})
    return subprocess.Popen(
        [*NEWSWATCH, "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=config.parent,
    )


def wait_for_workers(redis_url: str, count: int, timeout: float = 60.0) -> None:
    """Until `count` workers have their heartbeat in Redis (their spiders are open)."""
    import time

    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while len(list(client.scan_iter(match="newswatch:worker:*"))) < count:
        assert time.monotonic() < deadline, f"{count} worker(s) not up within {timeout} s"
        time.sleep(0.1)
