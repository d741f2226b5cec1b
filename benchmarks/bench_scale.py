"""make bench-scale: 1 crawl worker against 2 on the shared Redis frontier.

The site: --hosts (8) news sites on loopback ports (tests/slow_sites.py),
each answering every request after --delay (100 ms), with --per-host (40)
relevant articles listed in its sitemap; one sitemap source over all of
them. Redis is a real redis-server started here on a free loopback port
(tests/redis_server.py); the engine is the one at --url (wiped).

What limits a worker here: politeness holds across workers (one request per
host at a time, crawler.scale.frontier), and each worker has
scale.worker_concurrency (--concurrency, 4) requests in flight. With 8
hosts and 4 requests per worker, one worker keeps half the hosts busy and a
second one can take the other half: that is the case many machines are
for (more hosts than one machine's connections), scaled down to a loopback
site. scale.host_delay is 0 here, so the 100 ms answer is the only pause.

A run: fresh Redis keys, state directory and indices (`newswatch setup`);
with 2 workers, one `newswatch worker --idle-exit 10` is started first and
the run waits for its heartbeat in Redis; then `newswatch crawl` (which
seeds the run and works on it too) until it exits. Throughput = article
pages / seconds from the first to the last answer of the sites (so process
start-up is not counted on either side). Rounds alternate the order (1, 2 |
2, 1 | ...); medians are compared.

CPU per page: user + system time of the crawl processes of a run (rusage of
waited-for children) over the article pages; on a 2-core machine shared with
other work, 2 workers reach their ratio only while both get a core's share.

Checked in every run: pages fetched twice (must be 0), the most requests
one host had at once (must be 1), and the articles in the engine: every
article indexed, each once (document count = articles, every _version 1).

Target: throughput with 2 workers / with 1 >= 1.7.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.config import SearchConfig  # noqa: E402
from crawler.engine.client import SearchStore  # noqa: E402
from crawler.engine.indices import ARTICLES_ALIAS  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.slow_sites import SlowSites, scale_articles  # noqa: E402

RATIO_TARGET = 1.7
NEWSWATCH = [sys.executable, "-m", "scheduler.cli"]
REDIS_ENV = "NEWSWATCH_REDIS_URL"
# A run of 320 pages takes ~5-10 s; this bounds a hang.
TIMEOUT_SECONDS = 300.0
# Seconds a helper worker waits without work before it stops: it starts before the
# crawl that seeds the run (~2-5 s of imports on a busy machine), so this must be longer.
HELPER_IDLE_EXIT = 10
# The worker's heartbeat appears in Redis once its spider is open (~2 s of imports).
WORKER_READY_TIMEOUT = 60.0


def write_config(root: Path, sites: SlowSites, concurrency: int) -> Path:
    config = {
        "crawl": {"allow_hosts": ["127.0.0.1"], "state_dir": str(root / "state")},
        "scale": {"redis_url_env": REDIS_ENV, "host_delay": 0, "worker_concurrency": concurrency},
        "sources": [{"name": "scale", "type": "sitemap", "urls": sites.sitemap_urls()}],
    }
    path = root / "newswatch.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def reset_sites(sites: SlowSites) -> None:
    for site in sites.sites:
        with site.lock:
            site.hits.clear()
        site.stamps.clear()
        site.max_active = 0


def indexed(store: SearchStore) -> tuple[int, int]:
    """(documents, documents indexed more than once) in the articles index."""
    store.request("POST", f"/{ARTICLES_ALIAS}/_refresh")
    body: dict[str, Any] = {"size": 10_000, "version": True, "_source": False}
    hits = store.request("POST", f"/{ARTICLES_ALIAS}/_search", body=body)["hits"]["hits"]
    return len(hits), sum(1 for h in hits if h["_version"] > 1)


def run_once(
    workers: int,
    config: Path,
    sites: SlowSites,
    redis: RedisServer,
    store: SearchStore,
    env: dict[str, str],
) -> float:
    root = config.parent
    redis.client().flushall()
    shutil.rmtree(root / "state", ignore_errors=True)
    store.request("DELETE", "/newswatch-*", params={"expand_wildcards": "all"}, ignore=(404,))
    store.request("DELETE", "/_index_template/newswatch-*", ignore=(404,))
    cmd = [*NEWSWATCH, "--config", str(config)]
    subprocess.run([*cmd, "setup"], env=env, cwd=root, check=True, capture_output=True)
    reset_sites(sites)
    cpu_before = _children_cpu()
    helpers = [
        subprocess.Popen(
            [*cmd, "worker", "--idle-exit", str(HELPER_IDLE_EXIT)],
            env=env,
            cwd=root,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(workers - 1)
    ]
    wait_for_workers(redis, workers - 1)
    crawl = subprocess.run([*cmd, "crawl"], env=env, cwd=root, timeout=TIMEOUT_SECONDS,
                           capture_output=True, text=True)  # fmt: skip
    for helper in helpers:
        helper.wait(timeout=TIMEOUT_SECONDS)
    if crawl.returncode != 0:
        raise SystemExit(f"newswatch crawl failed:\n{crawl.stdout}\n{crawl.stderr}")
    cpu_per_page = (_children_cpu() - cpu_before) / max(sum(sites.article_hits().values()), 1)
    hits = sites.article_hits()
    expected = sum(len(site.articles) for site in sites.sites)
    twice = sum(hits.values()) - len(hits)
    docs, reindexed = indexed(store)
    rate = len(hits) / sites.fetch_span()
    print(
        f"  {workers} worker{'s' if workers > 1 else ' '}: {len(hits)} of {expected} article pages "
        f"in {sites.fetch_span():5.2f} s = {rate:6.1f} pages/s; fetched twice {twice}; "
        f"most requests at once on one host {sites.max_concurrency()}; "
        f"in the engine {docs} documents, {reindexed} indexed more than once; "
        f"CPU {cpu_per_page * 1000:.1f} ms per page (all crawl processes)",
        flush=True,
    )
    if len(hits) != expected or twice or docs != expected or reindexed:
        raise SystemExit("FAILED: a page was missed or fetched twice, or an article indexed twice")
    return rate


def _children_cpu() -> float:
    """CPU seconds of the waited-for child processes (the crawl and its helpers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_for_workers(redis: RedisServer, count: int) -> None:
    client = redis.client()
    deadline = time.monotonic() + WORKER_READY_TIMEOUT
    while len(list(client.scan_iter(match="newswatch:worker:*"))) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{count} worker(s) did not start within {WORKER_READY_TIMEOUT} s")
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:9250", help="engine (wiped!)")
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--per-host", type=int, default=40)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=4, help="scale.worker_concurrency")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    store = SearchStore.connect(SearchConfig(url=args.url))
    rates: dict[int, list[float]] = {1: [], 2: []}
    groups = scale_articles(args.hosts, args.per_host)
    with (
        tempfile.TemporaryDirectory(prefix="newswatch-bench-scale-") as tmp,
        RedisServer() as redis,
        SlowSites(groups, delay=args.delay) as sites,
    ):
        config = write_config(Path(tmp), sites, args.concurrency)
        env = dict(os.environ, NEWSWATCH_SEARCH_URL=args.url, PYTHONPATH=str(REPO))
        env[REDIS_ENV] = redis.url
        print(
            f"{args.hosts} hosts x {args.per_host} articles, {args.delay * 1000:.0f} ms per "
            f"answer; worker_concurrency {args.concurrency}; redis-server at {redis.url}; "
            f"engine {store.info.flavor} {store.info.version}"
        )
        for round_no in range(1, args.rounds + 1):
            print(f"round {round_no}:")
            for workers in (1, 2) if round_no % 2 else (2, 1):
                rate = run_once(workers, config, sites, redis, store, env)
                rates[workers].append(rate)
    store.close()
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    ratio = two / one
    print(f"median: 1 worker {one:.1f} pages/s, 2 workers {two:.1f} pages/s")
    verdict = "MET" if ratio >= RATIO_TARGET else "NOT MET"
    print(f"ratio (2 workers / 1): {ratio:.2f}  target >= {RATIO_TARGET:.2f}  {verdict}")


if __name__ == "__main__":
    main()
