"""Commands that talk to the search engine: setup, index, doctor (search: search.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crawler.engine.bulk import article_actions, index_actions
from crawler.engine.doctor import run_checks
from crawler.engine.setup import run_setup
from crawler.models import Article
from scheduler.alerts.watches import sync_watches
from scheduler.cli.commands.common import UsageError, config_of, connect, err, out
from scheduler.cli.commands.setup_progress import reindex_progress
from scheduler.cli.jsonl import LineError, read_articles
from scheduler.cli.prefetch import prefetch
from scheduler.terminal import printable


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("setup", help="create or upgrade templates, indices and aliases")
    p.set_defaults(handler=cmd_setup)

    p = sub.add_parser("index", help="bulk-load normalized articles from a JSON Lines file")
    p.add_argument("file", type=Path, metavar="FILE.jsonl")
    p.set_defaults(handler=cmd_index)

    p = sub.add_parser("doctor", help="check config, engine, Korean analysis and indices")
    p.set_defaults(handler=cmd_doctor)


def cmd_setup(args: argparse.Namespace) -> int:
    config = config_of(args)
    store = connect(config)
    try:
        with reindex_progress() as progress:
            report = run_setup(store, progress=progress)
        # Watches live in the percolator index that setup just made sure of.
        watches = sync_watches(store, config)
    finally:
        store.close()
    out.print(f"engine: {store.info.flavor} {store.info.version} at {store.url}")
    for action in report.actions:
        out.print(f"  {escape(action)}")
    out.print(f"  {escape(watches.summary())}")
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


def cmd_doctor(args: argparse.Namespace) -> int:
    failed = 0
    for check in run_checks(args.config):
        mark = "[green]ok[/]  " if check.ok else "[red]FAIL[/]"
        out.print(f"{mark} {escape(check.name)}: {escape(printable(check.detail))}")
        failed += not check.ok
    return 1 if failed else 0


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
