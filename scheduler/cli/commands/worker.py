"""`newswatch worker [SOURCE ...] [--idle-exit SECONDS]`: a crawl worker on the shared frontier.

Needs `scale.redis_url_env` in the config. The worker opens every enabled
source (or those named) and fetches whatever requests their runs put in the
Redis frontier, with one request per host at a time across all workers. It
never starts a run itself (`newswatch crawl` and the service do). It stops
on SIGTERM/Ctrl-C, or after `--idle-exit` seconds without work; requests it
held when killed go back to the frontier once its heartbeat expires.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from scheduler.cli.commands.common import UsageError, config_of, out

if TYPE_CHECKING:
    from crawler.reporting.summary import CrawlSummary


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("worker", help="crawl worker taking requests from the shared Redis frontier")
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="source names (default: all)")
    p.add_argument(
        "--idle-exit",
        type=float,
        metavar="SECONDS",
        help="stop after this many seconds without work (default: run until stopped)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON when it stops")
    p.set_defaults(handler=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    from crawler.runner import UnknownSourceError, run_crawl, select_sources
    from crawler.scale.role import CrawlRole
    from scheduler.cli.commands.crawl import print_summary, summary_json

    config = config_of(args)
    if not config.scale.enabled:
        raise UsageError("newswatch worker needs the shared frontier: set scale.redis_url_env")
    if args.idle_exit is not None and args.idle_exit < 0:
        raise UsageError("--idle-exit must be 0 or more seconds")
    try:
        select_sources(config, args.sources)
    except UnknownSourceError as exc:
        raise UsageError(str(exc)) from None
    role = CrawlRole(seeding=False, idle_exit=args.idle_exit)
    summary = run_crawl(config, args.sources, role=role)
    if args.json:
        out.print_json(json.dumps(summary_json(summary, False), ensure_ascii=False))
    else:
        print_summary(summary, dry_run=False)
    return 0 if worker_ok(summary) else 1


def worker_ok(summary: CrawlSummary) -> bool:
    """A worker stopped by SIGTERM/Ctrl-C ("shutdown") ended as it should; judge its fetches."""
    for outcome in summary.outcomes.values():
        if outcome.finish_reason == "shutdown" and outcome.failed and not outcome.fetched:
            return False
    stopped = {n for n, o in summary.outcomes.items() if o.finish_reason == "shutdown"}
    return not summary.articles_failed and all(
        o.status != "failed" for n, o in summary.outcomes.items() if n not in stopped
    )
