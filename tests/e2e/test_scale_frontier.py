"""Two crawl workers on one Redis frontier: shared work, one fetch per page, polite per host."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

from tests.e2e.scale_workers import start, wait_for_workers, write_scale_config
from tests.slow_sites import SlowSites, scale_articles

# Every process here finishes in seconds; this bounds a hang.
TIMEOUT = 120


def _indexed(store: Any) -> list[dict[str, Any]]:
    store.request("POST", "/newswatch-articles/_refresh")
    body = {"size": 1000, "version": True, "_source": ["url"]}
    hits = store.request("POST", "/newswatch-articles/_search", body=body)["hits"]["hits"]
    return list(hits)


def test_crawl_and_worker_share_the_frontier(
    tmp_path: Path, ready_store: Any, engine: str, redis_url: str
) -> None:
    groups = scale_articles(sites=4, per_site=10)
    with SlowSites(groups, delay=0.05) as sites:
        config = write_scale_config(tmp_path, sites)
        worker = start(config, engine, redis_url, "worker", "--json")
        wait_for_workers(redis_url, 1)  # its spider is open; it only takes requests
        crawl = start(config, engine, redis_url, "crawl", "--json")
        crawl_out, crawl_err = crawl.communicate(timeout=TIMEOUT)
        worker.send_signal(signal.SIGTERM)  # how a service manager stops a worker
        worker_out, worker_err = worker.communicate(timeout=TIMEOUT)
        assert crawl.returncode == 0, crawl_err
        assert worker.returncode == 0, worker_err
        hits = sites.article_hits()
        max_concurrency = sites.max_concurrency()
    fetched_by_worker = json.loads(worker_out)["sources"][0]["fetched"]
    fetched_by_crawl = json.loads(crawl_out)["sources"][0]["fetched"]
    assert fetched_by_worker > 0 and fetched_by_crawl > 0, (fetched_by_worker, fetched_by_crawl)
    assert len(hits) == 40
    assert set(hits.values()) == {1}, "a page was fetched twice"
    assert max_concurrency == 1, "two requests to one host at once"
    docs = _indexed(ready_store)
    assert len(docs) == 40
    assert {d["_version"] for d in docs} == {1}, "an article was indexed twice"


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, ready_store: Any, engine: str, redis_url: str
) -> None:
    groups = scale_articles(sites=4, per_site=15)
    with SlowSites(groups, delay=0.2) as sites:
        config = write_scale_config(tmp_path, sites, worker_ttl=2.0)
        victim = start(config, engine, redis_url, "worker")
        wait_for_workers(redis_url, 1)
        crawl = start(config, engine, redis_url, "crawl", "--json")
        deadline = time.monotonic() + TIMEOUT
        while sum(sites.article_hits().values()) < 12 and time.monotonic() < deadline:
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=TIMEOUT)
        _, crawl_err = crawl.communicate(timeout=TIMEOUT)
        assert crawl.returncode == 0, crawl_err
        hits = sites.article_hits()
    # The victim held requests when it died; the crawl took them back and finished them.
    assert "requests of a dead worker put back in the frontier" in crawl_err
    assert set(hits) == {f"{s.url}{a.path}" for s in sites.sites for a in s.articles}
    docs = _indexed(ready_store)
    assert len(docs) == 60, "an article was lost"
    assert len({d["_source"]["url"] for d in docs}) == 60
    assert {d["_version"] for d in docs} == {1}, "an article was indexed twice"
