"""make bench-alerts: 1,000 watches, a stream of new articles, latency from indexing to delivery.

A webhook receiver on 127.0.0.1 records when each notification arrives. The
stream indexes a few articles at a time (as a crawl's bulk flushes do) while a
sweeper thread calls `run_sweep` every `--interval` seconds (as the scheduler
does between crawls). Printed: p50/p95/max latency from the moment an
article's bulk request returned to the moment its notification arrived, the
percolation cost per article (batched, as the sweep does it) against a
baseline of one article per percolate request measured in the same run, and
sweep durations. Target: p95 <= 20 s.

Wipes newswatch-* on the engine it is given: use the test engine (port 9250).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.config import Config, SearchConfig, parse_config  # noqa: E402
from crawler.engine.bulk import index_articles  # noqa: E402
from crawler.engine.client import SearchStore  # noqa: E402
from crawler.engine.indices import ARTICLES_ALIAS  # noqa: E402
from crawler.engine.setup import run_setup  # noqa: E402
from crawler.models import Article  # noqa: E402
from scheduler.alerts import SweepReport, run_sweep  # noqa: E402
from scheduler.alerts.percolate import ArticleDoc, percolate  # noqa: E402
from tests.quiet_http import QuietHandler  # noqa: E402

CITIES = [
    "대구", "부산", "세종", "서울", "광주", "인천", "대전", "울산", "수원", "창원",
    "항저우", "바르셀로나", "헬싱키", "싱가포르", "암스테르담", "선전", "두바이", "멜버른",
]  # fmt: skip
TOPICS = [
    "스마트시티", "업무협약", "시티브레인", "자율주행", "디지털 트윈", "데이터 플랫폼",
    "리빙랩", "교통 신호", "탄소중립", "드론 배송", "인공지능", "클라우드",
]  # fmt: skip
FILLER = "시는 관계자가 밝혔다. 양 도시는 협력을 이어가기로 했다. 현장 방문단이 사업을 살폈다."


def make_watches(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Varied watches in the user syntax: pairs, phrases, OR, exclusions, fields, floors."""
    shapes = [
        lambda c, t, c2, t2: f"{c} {t}",
        lambda c, t, c2, t2: f'"{t}" ({c} OR {c2})',
        lambda c, t, c2, t2: f"{c} {t} -{t2}",
        lambda c, t, c2, t2: f"{t} {c} kind:news",
        lambda c, t, c2, t2: f"{c} ({t} OR {t2}) outlet:뉴스{rng.randrange(5)}",
    ]
    watches = []
    for i in range(count):
        c, c2 = rng.sample(CITIES, 2)
        t, t2 = rng.sample(TOPICS, 2)
        watch: dict[str, Any] = {
            "name": f"w{i:04d}",
            "query": shapes[i % len(shapes)](c, t, c2, t2),
            "notify": ["hook"],
        }
        if i % 7 == 0:
            watch["min_relevance"] = 2.0
        watches.append(watch)
    return watches


def make_article(n: int, rng: random.Random) -> Article:
    city = rng.choice(CITIES)
    topics = rng.sample(TOPICS, 2)
    now = datetime.now(UTC)
    text = f"{city}{FILLER} {topics[0]} 사업과 {topics[1]} 실증을 추진한다. " * 3
    return Article(
        url=f"https://bench.example.kr/{n}",
        title=f"{city}, {topics[0]} 협력",
        text=text,
        fetched=now,
        published=now,
        site_name=f"뉴스{rng.randrange(5)}",
        story_id=f"story-{n}",
        relevance=rng.choice([1.0, 3.0]),
        lang="ko",
    )


class Receiver:
    """Webhook receiver recording (article url, arrival time) per notification."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[str, float]] = []
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                arrived = time.time()
                receiver.arrivals.extend((a["url"], arrived) for a in body["articles"])
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def sweeper(
    store: SearchStore,
    config: Config,
    state: Path,
    interval: float,
    stop: threading.Event,
    reports: list[tuple[float, SweepReport]],
) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        report = run_sweep(store, config, state)
        reports.append((time.perf_counter() - started, report))
        stop.wait(max(0.0, interval - (time.perf_counter() - started)))


def stream(store: SearchStore, args: argparse.Namespace, rng: random.Random) -> dict[str, float]:
    """Index the articles a few at a time; return url → time its bulk request returned."""
    indexed: dict[str, float] = {}
    for start in range(0, args.articles, args.per_batch):
        batch = [
            make_article(n, rng) for n in range(start, min(start + args.per_batch, args.articles))
        ]
        report = index_articles(store, batch)
        assert report.failed == 0, report.first_errors
        done = time.time()
        indexed.update((a.canonical_url, done) for a in batch)
        time.sleep(args.per_batch / args.rate)
    return indexed


def baseline_cost(store: SearchStore, sample: int) -> tuple[float, float]:
    """Seconds per article percolated one per request vs in one batch of `sample`."""
    hits = store.request(
        "POST", f"/{ARTICLES_ALIAS}/_search", {"size": sample, "query": {"match_all": {}}}
    )["hits"]["hits"]
    docs = [ArticleDoc(h["_id"], h["_source"]) for h in hits]
    started = time.perf_counter()
    for doc in docs:
        percolate(store, [doc])
    single = (time.perf_counter() - started) / len(docs)
    started = time.perf_counter()
    percolate(store, docs)
    batched = (time.perf_counter() - started) / len(docs)
    return single, batched


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:9250")
    parser.add_argument("--watches", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--rate", type=float, default=4.0, help="articles per second")
    parser.add_argument("--per-batch", type=int, default=4, help="articles per bulk request")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between sweeps")
    # The run stops by itself: streaming time plus this much for the last sweeps.
    parser.add_argument("--drain", type=float, default=60.0)
    args = parser.parse_args()
    rng = random.Random(42)

    receiver = Receiver()
    config = parse_config(
        {
            "notifiers": {"hook": {"type": "webhook", "url": receiver.url}},
            "watches": make_watches(args.watches, rng),
        }
    )
    store = SearchStore.connect(SearchConfig(url=args.url))
    store.request("DELETE", "/newswatch-*", params={"expand_wildcards": "all"}, ignore=(404,))
    store.request("DELETE", "/_index_template/newswatch-*", ignore=(404,))
    run_setup(store)
    state = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    run_sweep(store, config, state)  # first sweep: syncs the watches, sets nothing off

    reports: list[tuple[float, SweepReport]] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=sweeper, args=(store, config, state, args.interval, stop, reports)
    )
    thread.start()
    started = time.time()
    try:
        indexed = stream(store, args, rng)
        deadline = time.time() + args.drain
        while time.time() < deadline and not _drained(reports, len(receiver.arrivals)):
            time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
    _print(args, indexed, receiver, reports, time.time() - started, baseline_cost(store, 50))
    store.close()


def _drained(reports: list[tuple[float, SweepReport]], arrivals: int) -> bool:
    """The last two sweeps found nothing new to percolate or send."""
    last = [r for _, r in reports[-2:]]
    return (
        len(last) == 2
        and arrivals > 0
        and all(r.matching.articles_percolated == 0 and r.delivery.sent == 0 for r in last)
    )


def _print(
    args: argparse.Namespace,
    indexed: dict[str, float],
    receiver: Receiver,
    reports: list[tuple[float, SweepReport]],
    elapsed: float,
    baseline: tuple[float, float],
) -> None:
    latencies = [arrived - indexed[url] for url, arrived in receiver.arrivals if url in indexed]
    percolated = sum(r.matching.articles_percolated for _, r in reports)
    percolate_seconds = sum(r.matching.percolate_seconds for _, r in reports)
    durations = [d for d, _ in reports]
    failed = sum(r.delivery.failed for _, r in reports)
    print(
        f"watches {args.watches}, articles {args.articles} at {args.rate:g}/s, "
        f"sweep every {args.interval:g} s, run {elapsed:.0f} s"
    )
    print(
        f"notifications {len(receiver.arrivals)} ({len(set(receiver.arrivals))} distinct), "
        f"failed attempts {failed}"
    )
    if latencies:
        print(
            f"latency index→delivery: p50 {percentile(latencies, 0.5):.2f} s, "
            f"p95 {percentile(latencies, 0.95):.2f} s, max {max(latencies):.2f} s "
            f"(target p95 <= 20 s)"
        )
    if percolated:
        print(
            f"percolation per article in sweeps: {1000 * percolate_seconds / percolated:.2f} ms "
            f"({percolated} articles)"
        )
    single, batched = baseline
    print(
        f"percolation per article, one per request: {1000 * single:.2f} ms; batched 50: "
        f"{1000 * batched:.2f} ms; ratio {single / batched:.1f}x"
    )
    print(
        f"sweep duration: p50 {statistics.median(durations):.2f} s, "
        f"p95 {percentile(durations, 0.95):.2f} s over {len(durations)} sweeps"
    )


if __name__ == "__main__":
    main()
