"""`make soak`: the scheduler service under many scheduled crawls of the fixture site.

Starts the fixture news site on 127.0.0.1, writes a config with --sources feed
sources on short intervals, runs `python -m scheduler.cli run` as a real
process against the test engine, and waits until --runs crawls have finished.
Prints the service's RSS at start, middle and end, runs per minute, the
statuses, and the growth of RSS from the middle to the end (target <= 10 %:
crawls run in child processes, so the service itself should stay flat).
Stops the service with SIGTERM at the end; bounded by --max-minutes.
It never wipes anything: it runs `newswatch setup` (idempotent) and indexes
the fixture site's few articles into the engine it is given.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.e2e.site_articles import all_articles  # noqa: E402
from tests.fixture_site import FixtureSite  # noqa: E402

# Target from the issue: RSS may grow at most 10 % from the middle to the end.
GROWTH_TARGET = 0.10
# Progress is checked (and printed) every 5 s: cheap, and fine-grained enough.
POLL_SECONDS = 5.0


def main() -> int:
    args = parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="newswatch-soak-") as tmp,
        FixtureSite(all_articles()) as site,
    ):
        root = Path(tmp)
        config = write_config(root, site, args)
        env = dict(os.environ, NEWSWATCH_SEARCH_URL=args.url, PYTHONPATH=str(REPO))
        command = [sys.executable, "-m", "scheduler.cli", "--config", str(config)]
        subprocess.run([*command, "setup"], env=env, cwd=root, check=True, capture_output=True)
        with open(root / "service.log", "w") as log:
            service = subprocess.Popen(
                [*command, "run"], env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                return soak(service, root, args)
            finally:
                if service.poll() is None:
                    service.kill()
                    service.wait()


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=300, help="finished crawls to wait for (300)")
    p.add_argument("--sources", type=int, default=6, help="feed sources (6)")
    p.add_argument("--interval", type=int, default=5, help="seconds between runs of a source")
    p.add_argument("--concurrency", type=int, default=2, help="crawl.max_concurrent_crawls")
    p.add_argument("--max-minutes", type=float, default=60.0, help="give up after this long")
    p.add_argument(
        "--url",
        default=os.environ.get("NEWSWATCH_SEARCH_URL", "http://127.0.0.1:9250"),
        help="engine URL",
    )
    return p.parse_args()


def write_config(root: Path, site: FixtureSite, args: argparse.Namespace) -> Path:
    sources = [
        {
            "name": f"feed{i}",
            "type": "feed",
            "urls": [f"{site.url}/rss.xml"],
            "schedule": {"interval": f"{args.interval}s"},
        }
        for i in range(args.sources)
    ]
    config = {
        "crawl": {
            "allow_hosts": ["127.0.0.1"],
            "state_dir": str(root / "state"),
            "download_timeout": 10,
            "jitter": 1,
            "metrics_port": 0,
            "max_concurrent_crawls": args.concurrency,
        },
        "sources": sources,
    }
    path = root / "newswatch.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def soak(service: subprocess.Popen[bytes], root: Path, args: argparse.Namespace) -> int:
    runs_db = root / "state" / "service" / "runs.sqlite"
    began = time.monotonic()
    deadline = began + args.max_minutes * 60
    rss: dict[str, int] = {}
    while time.monotonic() < deadline and service.poll() is None:
        done = finished_runs(runs_db)
        if "start" not in rss and done >= 1:
            rss["start"] = rss_kib(service.pid)
        if "middle" not in rss and done >= args.runs // 2:
            rss["middle"] = rss_kib(service.pid)
        if done >= args.runs:
            rss["end"] = rss_kib(service.pid)
            break
        print(
            f"  {time.monotonic() - began:6.0f} s: {done} runs, RSS {rss_kib(service.pid)} KiB",
            flush=True,
        )
        time.sleep(POLL_SECONDS)
    elapsed = time.monotonic() - began
    stop_began = time.monotonic()
    service.send_signal(signal.SIGTERM)
    code = service.wait(120)
    report(runs_db, rss, elapsed, time.monotonic() - stop_began, code, args)
    return 0 if "end" in rss and code == 0 else 1


def finished_runs(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM runs WHERE status != 'running'").fetchone()
    return int(count)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def report(
    runs_db: Path,
    rss: dict[str, int],
    elapsed: float,
    stop_seconds: float,
    code: int,
    args: argparse.Namespace,
) -> None:
    with sqlite3.connect(f"file:{runs_db}?mode=ro", uri=True) as db:
        statuses = dict(db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())
        overlaps = db.execute(
            "SELECT COUNT(*) FROM runs a JOIN runs b ON a.source = b.source AND a.run_id < b.run_id"
            " WHERE a.started < b.ended AND b.started < a.ended"
        ).fetchone()[0]
    total = sum(v for k, v in statuses.items() if k != "running")
    print(
        f"soak: {total} runs of {args.sources} sources in {elapsed / 60:.1f} min "
        f"({total / (elapsed / 60):.1f} runs/min, max {args.concurrency} at once)"
    )
    print(f"  statuses: {statuses}; overlapping runs of one source: {overlaps}")
    print(
        f"  service RSS: start {rss.get('start', 0)} KiB, middle {rss.get('middle', 0)} KiB, "
        f"end {rss.get('end', 0)} KiB"
    )
    if rss.get("middle") and rss.get("end"):
        growth = (rss["end"] - rss["middle"]) / rss["middle"]
        verdict = "ok" if growth <= GROWTH_TARGET else "OVER TARGET"
        print(
            f"  RSS growth middle -> end: {growth * 100:+.1f} % "
            f"(target <= {GROWTH_TARGET * 100:.0f} %): {verdict}"
        )
    print(f"  SIGTERM to exit: {stop_seconds:.1f} s (exit code {code})")


if __name__ == "__main__":
    sys.exit(main())
