"""Progress of `newswatch setup` while it reindexes (crawler.engine.setup.ReindexProgress).

On a terminal, a rich bar per copy (documents done of total, elapsed time),
like the crawl's live table, drawn on stderr and gone when it ends. Elsewhere
(a pipe, a log file, a service unit), plain lines on stderr: the first poll,
then at most one line every PLAIN_EVERY_SECONDS, and the last.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from scheduler.cli.commands.common import err

if TYPE_CHECKING:
    from crawler.engine.setup import ProgressCallback, ReindexProgress

# The engine copies some 2,000-5,000 small articles a second on the local node, so
# a million-document index takes minutes; one line in 10 s keeps a log to tens of lines.
PLAIN_EVERY_SECONDS = 10.0


@contextmanager
def reindex_progress(console: Console = err) -> Iterator[ProgressCallback]:
    if console.is_terminal:
        with _bar(console) as callback:
            yield callback
    else:
        yield _plain_lines(console)


@contextmanager
def _bar(console: Console) -> Iterator[ProgressCallback]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        tasks: dict[tuple[str, str], TaskID] = {}

        def draw(step: ReindexProgress) -> None:
            key = (step.source, step.dest)
            if key not in tasks:
                label = escape(f"reindexing {step.source} → {step.dest}")
                tasks[key] = bar.add_task(label, total=step.total or None)
            bar.update(tasks[key], completed=step.done, total=step.total or None)

        yield draw


def _plain_lines(console: Console) -> ProgressCallback:
    printed: dict[tuple[str, str], float] = {}

    def line(step: ReindexProgress) -> None:
        key, now = (step.source, step.dest), time.monotonic()
        recent = key in printed and now - printed[key] < PLAIN_EVERY_SECONDS
        if recent and not step.completed:
            return
        printed[key] = now
        done = " (copied)" if step.completed else ""
        console.print(
            f"reindexing {escape(step.source)} → {escape(step.dest)}: "
            f"{step.done:,} of {step.total:,} documents{done}"
        )

    return line
