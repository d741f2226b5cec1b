"""Commands that talk to the search engine: setup, index, search, doctor."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crawler.doctor import run_checks
from crawler.index_setup import run_setup
from crawler.indexing import article_actions, index_actions
from crawler.jsonl import LineError, read_articles
from crawler.models import Article
from crawler.prefetch import prefetch
from crawler.search import HIGHLIGHT_POST, HIGHLIGHT_PRE, search_articles
from scheduler.alerts.watches import sync_watches
from scheduler.commands.common import UsageError, config_of, connect, err, out
from scheduler.commands.setup_progress import reindex_progress
from scheduler.terminal import printable


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("setup", help="create or upgrade templates, indices and aliases")
    p.set_defaults(handler=cmd_setup)

    p = sub.add_parser("index", help="bulk-load normalized articles from a JSON Lines file")
    p.add_argument("file", type=Path, metavar="FILE.jsonl")
    p.set_defaults(handler=cmd_index)

    p = sub.add_parser("search", help="ranked hits with highlighted snippets")
    p.add_argument("query", nargs="+", help='words (ANDed), "phrases", a | b, -exclude')
    p.add_argument("--size", type=int, default=10, help="number of hits (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON for machines")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("doctor", help="check config, engine, Korean analysis and indices")
    p.set_defaults(handler=cmd_doctor)


def cmd_setup(args: argparse.Namespace) -> int:
    config = config_of(args)
    store = connect(config)
    try:
        with reindex_progress() as progress:
            report = run_setup(store, progress=progress, replicas=config.search.replicas)
        # Watches live in the percolator index that setup just made sure of.
        watches = sync_watches(store, config)
    finally:
        store.close()
    out.print(f"engine: {store.info.flavor} {store.info.version} at {store.url}")
    for action in report.actions:
        out.print(f"  {escape(action)}")
    out.print(f"  {escape(watches.summary())}")
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    config = config_of(args)
    store = connect(config)
    rejected: list[LineError] = []

    def valid_articles() -> Any:
        for item in read_articles(path):
            if isinstance(item, Article):
                yield item
            else:
                rejected.append(item)
                err.print(f"[yellow]skipped[/] {escape(str(item))}")

    with _progress() as progress:
        task = progress.add_task(f"indexing {path.name}", total=None)
        # Two bulk chunks read, validated and turned into actions ahead, in a thread:
        # that work overlaps the engine's work on the previous chunk.
        ahead = prefetch(article_actions(valid_articles()), depth=2 * config.search.bulk_chunk_size)
        try:
            report = index_actions(store, ahead, on_result=lambda ok: progress.advance(task))
        finally:
            store.close()
    out.print(
        f"{path}: indexed {report.indexed:,} ({report.created:,} new, {report.updated:,} updated), "
        f"failed {report.failed:,}, skipped lines {len(rejected):,}"
    )
    for line in report.first_errors:
        err.print(f"  [red]failed[/] {escape(line)}")
    return 1 if report.failed or rejected else 0


def cmd_search(args: argparse.Namespace) -> int:
    if args.size < 1:
        raise UsageError("--size must be at least 1")
    config = config_of(args)
    store = connect(config)
    query = " ".join(args.query)
    try:
        total, hits = search_articles(store, query, args.size)
    finally:
        store.close()
    if args.json:
        payload = {"query": query, "total": total, "hits": [asdict(hit) for hit in hits]}
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return 0
    out.print(f"{total:,} articles match {escape(query)!r}")
    for rank, hit in enumerate(hits, 1):
        meta = printable(" · ".join(x for x in (hit.site_name, hit.published) if x))
        out.print(f"\n[bold]{rank}. {_emphasis(hit.title)}[/]  [dim]{escape(meta)}[/]")
        out.print(f"   {_emphasis(hit.snippet)}")
        out.print(f"   [blue]{escape(printable(hit.url))}[/]")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    failed = 0
    for check in run_checks(args.config):
        mark = "[green]ok[/]  " if check.ok else "[red]FAIL[/]"
        out.print(f"{mark} {escape(check.name)}: {escape(printable(check.detail))}")
        failed += not check.ok
    return 1 if failed else 0


def _emphasis(text: str) -> str:
    """Crawled text with the engine's highlight markers as bold (scheduler.terminal)."""
    marked = escape(printable(text))
    return marked.replace(HIGHLIGHT_PRE, "[bold yellow]").replace(HIGHLIGHT_POST, "[/]")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
