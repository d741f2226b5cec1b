"""make bench-brief: a briefing over 5,000 articles, in every format; time and peak memory.

Indexes `--articles` articles (stories of 1-6 copies, realistic text lengths) into
the week before a fixed end, then makes the briefing in a fresh child process so
its peak memory (ru_maxrss) is the briefing's own: collect (the engine search,
paged), summary and charts, then HTML, PDF, XLSX and Markdown. Baseline measured
in the same run: fetching the same articles with the same paged search and
nothing else, so the ratio shows what grouping and rendering add. Target: the
whole briefing under 60 s on this machine.

Wipes newswatch-* on the engine it is given: use the test engine (port 9250).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.config import Config, SearchConfig, parse_config  # noqa: E402
from crawler.engine.bulk import index_articles  # noqa: E402
from crawler.engine.client import SearchStore  # noqa: E402
from crawler.engine.indices import ARTICLES_ALIAS  # noqa: E402
from crawler.engine.setup import run_setup  # noqa: E402
from crawler.vocabulary import SEOUL  # noqa: E402
from scheduler.briefing import collect  # noqa: E402
from scheduler.briefing.make import FORMATS, build_briefing, render_formats  # noqa: E402
from tests.briefing_articles import SECTIONS, many_articles  # noqa: E402

END = datetime(2026, 12, 2, 7, 0, tzinfo=SEOUL)
START = END - timedelta(days=7)
TARGET_SECONDS = 60.0


def config_of(state_dir: str) -> Config:
    return parse_config(
        {
            "crawl": {"state_dir": state_dir},
            "briefings": [{"name": "bench", "sections": SECTIONS, "formats": list(FORMATS)}],
        }
    )


def prepare(url: str, count: int) -> None:
    store = SearchStore.connect(SearchConfig(url=url))
    store.request("DELETE", "/newswatch-*", params={"expand_wildcards": "all"}, ignore=(404,))
    store.request("DELETE", "/_index_template/newswatch-*", ignore=(404,))
    run_setup(store)
    began = time.perf_counter()
    report = index_articles(store, many_articles(END, count))
    store.request("POST", f"/{ARTICLES_ALIAS}/_refresh")
    print(f"indexed {report.created} articles in {time.perf_counter() - began:.1f} s (not timed)")
    store.close()


def child(url: str, out_dir: str) -> None:
    """One measured run, in its own process: timings and peak RSS as JSON on stdout."""
    config = config_of(out_dir)
    settings = config.briefings[0]
    store = SearchStore.connect(SearchConfig(url=url))
    timings: dict[str, float] = {}
    began = time.perf_counter()
    baseline = len(collect.fetch_articles(store, config, settings, START, END))
    timings["baseline_fetch"] = time.perf_counter() - began
    began = time.perf_counter()
    briefing = build_briefing(store, config, settings, START, END)
    timings["collect_summary_charts"] = time.perf_counter() - began
    sizes: dict[str, int] = {}
    for fmt in FORMATS:
        began = time.perf_counter()
        data = render_formats(briefing, [fmt], None, "https://intra.example.kr/b")[fmt]
        timings[fmt] = time.perf_counter() - began
        sizes[fmt] = len(data)
        (Path(out_dir) / f"bench.{fmt}").write_bytes(data)
    store.close()
    result = {
        "articles": len(briefing.articles),
        "stories": len(briefing.stories),
        "baseline_articles": baseline,
        "timings": timings,
        "sizes": sizes,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(result))


def report(result: dict[str, object]) -> None:
    timings = result["timings"]
    assert isinstance(timings, dict)
    sizes = result["sizes"]
    assert isinstance(sizes, dict)
    total = sum(seconds for name, seconds in timings.items() if name != "baseline_fetch")
    baseline = timings["baseline_fetch"]
    print(f"briefing over {result['articles']} articles, {result['stories']} stories (one week)")
    for name, seconds in timings.items():
        size = f"  {sizes[name] / 1024:8.0f} KiB" if name in sizes else ""
        print(f"  {name:<24} {seconds:7.2f} s{size}")
    print(
        f"  {'total (all formats)':<24} {total:7.2f} s   target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if total < TARGET_SECONDS else 'NOT met'}"
    )
    print(
        f"  baseline: fetching the same {result['baseline_articles']} articles alone "
        f"{baseline:.2f} s; briefing / baseline = {total / baseline:.1f}x"
    )
    print(f"  peak memory of the briefing process: {result['peak_rss_mib']:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:9250")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--child", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.url, args.child)
        return
    prepare(args.url, args.articles)
    with tempfile.TemporaryDirectory(prefix="bench-brief-") as out_dir:
        # A bounded run: a briefing still going after 10 minutes is broken, not slow.
        done = subprocess.run(
            [sys.executable, __file__, "--url", args.url, "--child", out_dir],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
    report(json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
