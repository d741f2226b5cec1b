"""`newswatch crawl [SOURCE ...] [--dry-run]`: one crawl now, with progress and a summary."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING

from rich.live import Live
from rich.markup import escape
from rich.table import Table

from scheduler.commands.common import UsageError, config_of, err, out

if TYPE_CHECKING:
    from crawler.runner import CrawlSummary


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("crawl", help="crawl now (all enabled sources, or those named)")
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="source names from the config")
    p.add_argument(
        "--dry-run", action="store_true", help="fetch, extract and tag, but index nothing"
    )
    p.set_defaults(handler=cmd_crawl)


def cmd_crawl(args: argparse.Namespace) -> int:
    # Imported here: Scrapy and Twisted take ~0.5 s to import, which every
    # other command (search, doctor, ...) should not pay.
    from crawler.runner import UnknownSourceError, run_crawl

    config = config_of(args)
    if not config.sources:
        raise UsageError("no sources configured: add some under `sources:` in the config")
    progress: Counter[tuple[str, str]] = Counter()

    def render() -> Table:
        table = Table("source", "fetched", "kept", "dropped", box=None, title="crawling…")
        for name in sorted({n for n, _ in progress}):
            table.add_row(name, *(str(progress[(name, e)]) for e in ("fetched", "kept", "dropped")))
        return table

    # Redraw at most 4 times a second: enough to feel live, cheap on a busy crawl.
    with Live(render(), console=err, refresh_per_second=4, transient=True) as live:

        def on_event(name: str, event: str) -> None:
            progress[(name, event)] += 1
            live.update(render())

        try:
            summary = run_crawl(config, args.sources, dry_run=args.dry_run, progress=on_event)
        except UnknownSourceError as exc:
            raise UsageError(str(exc)) from None
    print_summary(summary, dry_run=args.dry_run)
    return 0 if summary.ok else 1


def print_summary(summary: CrawlSummary, *, dry_run: bool) -> None:
    c = summary.counts
    head = "dry run" if dry_run else f"crawl of {', '.join(summary.sources)}"
    out.print(f"[bold]{escape(head)}[/]")
    out.print(
        f"  fetched {c['fetched']}, extracted {c['extracted']}, relevant {c['relevant']}, "
        f"irrelevant {c['irrelevant']}, new {c['new']}, updated {c['updated']}, "
        f"duplicates {c['duplicates']}"
    )
    if dry_run:
        out.print(f"  would index {c['would_index']}")
    else:
        # Bulk actions, not articles: demoting an earlier story original is an update too.
        out.print(
            f"  bulk actions: indexed {c['indexed']}, spooled {c['spooled']}, "
            f"replayed from spool {c['replayed']} (waiting in spool: {summary.spool_pending}), "
            f"failed {c['index_failed']}"
        )
        if summary.engine is None:
            err.print("[yellow]engine unreachable: articles kept in the spool for the next run[/]")
    if summary.skipped_by_reason:
        out.print("  skipped: " + _by_kind(summary.skipped_by_reason))
    if summary.errors_by_kind:
        out.print("  errors: " + _by_kind(summary.errors_by_kind))
    for name, reason in summary.finish_reasons.items():
        if reason != "finished":
            err.print(f"[red]{escape(name)}: ended with {escape(reason)}[/]")


def _by_kind(counter: Counter[str]) -> str:
    return ", ".join(f"{escape(k)} {v}" for k, v in sorted(counter.items()))
