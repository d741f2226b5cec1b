"""`newswatch crawl [SOURCE ...] [--dry-run] [--json]`: one crawl now, with progress and a summary.

Each source's run is recorded in the run history (trigger `manual`) as `ok`,
`partial` (some fetches failed) or `failed` (it fetched nothing because of
errors); the summary lists the failed URLs with their reasons, and the exit
code is 1 when a source failed. A dry run indexes nothing, records nothing,
and lists the articles it would have indexed.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.live import Live
from rich.markup import escape
from rich.table import Table

from scheduler.cli.commands.common import UsageError, config_of, err, out

if TYPE_CHECKING:
    from crawler.models import Article
    from crawler.reporting.summary import CrawlSummary, SourceOutcome

# Failed URLs printed per source; the run history keeps the first 20 (crawler.reporting.failures).
SHOWN_FAILURES = 20


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("crawl", help="crawl now (all enabled sources, or those named)")
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="source names from the config")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="fetch, extract and tag, index nothing, and list what would be indexed",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON for machines")
    p.set_defaults(handler=cmd_crawl)


def cmd_crawl(args: argparse.Namespace) -> int:
    # Imported here: Scrapy and Twisted take ~0.5 s to import, which every
    # other command (search, doctor, ...) should not pay.
    from crawler.runner import UnknownSourceError, run_crawl, select_sources
    from scheduler.service.manual import ManualRuns

    config = config_of(args)
    if not config.sources:
        raise UsageError("no sources configured: add some under `sources:` in the config")
    try:
        sources = select_sources(config, args.sources)
    except UnknownSourceError as exc:
        raise UsageError(str(exc)) from None
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

        runs = None if args.dry_run else ManualRuns(config, sources)
        try:
            summary = run_crawl(config, args.sources, dry_run=args.dry_run, progress=on_event)
        except KeyboardInterrupt:
            if runs is not None:
                runs.abort("interrupted", "interrupted (Ctrl-C)")
            raise
        except Exception as exc:
            if runs is not None:
                runs.abort("crashed", f"{type(exc).__name__}: {exc}")
            raise
        if runs is not None:
            runs.finish(summary)
    if args.json:
        out.print_json(json.dumps(summary_json(summary, args.dry_run), ensure_ascii=False))
    else:
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
    for outcome in summary.outcomes.values():
        _print_outcome(outcome)
    for name, reason in summary.finish_reasons.items():
        if reason != "finished":
            err.print(f"[red]{escape(name)}: ended with {escape(reason)}[/]")
    if dry_run:
        _print_would_index(summary.would_index)


_STATUS_STYLE = {"ok": "green", "partial": "yellow", "failed": "bold red"}


def _print_outcome(outcome: SourceOutcome) -> None:
    """`name: status, N fetches ok, M failed`, then one line per failed URL (bounded).
    Fetches are every response (feeds, listings, pages), not only articles."""
    robots, failed = outcome.refused_by_robots, outcome.failed - outcome.refused_by_robots
    notes = f", {failed} failed" if failed else ""
    notes += f", {robots} forbidden by robots.txt" if robots else ""
    style = _STATUS_STYLE[outcome.status]
    out.print(
        f"  {escape(outcome.name)}: [{style}]{outcome.status}[/],"
        f" {outcome.fetched} fetches ok{notes}"
    )
    for failure in outcome.failures[:SHOWN_FAILURES]:
        out.print(f"    {escape(failure['message'])}")
    if outcome.failed > SHOWN_FAILURES:
        out.print(f"    … and {outcome.failed - SHOWN_FAILURES} more")


def _print_would_index(articles: list[Article]) -> None:
    if not articles:
        return
    table = Table("published (KST)", "relevance", "topics", "title / URL", box=None)
    for a in articles:
        row = _article_json(a)
        when = row["published"][:16].replace("T", " ") if row["published"] else "–"
        title = f"{escape(a.title or '(no title)')}\n[dim]{escape(a.url)}[/]"
        table.add_row(when, f"{a.relevance:.2f}", escape(", ".join(a.topics)), title)
    out.print(table)


def _article_json(article: Article) -> dict[str, Any]:
    from crawler.vocabulary import SEOUL

    published = article.published.astimezone(SEOUL).isoformat() if article.published else None
    return {
        "title": article.title,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "published": published,
        "relevance": round(article.relevance, 3),
        "topics": list(article.topics),
        "source": article.source,
    }


def summary_json(summary: CrawlSummary, dry_run: bool) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ok": summary.ok,
        "dry_run": dry_run,
        "sources": [o.to_json() for o in summary.outcomes.values()],
        "counts": dict(summary.counts),
        "errors_by_kind": dict(summary.errors_by_kind),
        "skipped_by_reason": dict(summary.skipped_by_reason),
        "engine": summary.engine,
        "spool_pending": summary.spool_pending,
    }
    if dry_run:
        result["would_index"] = [_article_json(a) for a in summary.would_index]
    return result


def _by_kind(counter: Counter[str]) -> str:
    return ", ".join(f"{escape(k)} {v}" for k, v in sorted(counter.items()))
