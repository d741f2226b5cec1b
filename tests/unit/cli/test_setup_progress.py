"""`newswatch setup`'s reindex progress: a rich bar on a terminal, throttled lines elsewhere."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from crawler.engine.setup import ReindexProgress
from scheduler.cli.commands import setup_progress
from scheduler.cli.commands.setup_progress import reindex_progress


def step(done: int, completed: bool = False) -> ReindexProgress:
    return ReindexProgress("newswatch-articles-v1", "newswatch-articles-v2", done, 3000, completed)


def test_plain_lines_show_the_first_poll_then_throttle_then_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter([0.0, 1.0, 11.0, 12.0])
    monkeypatch.setattr(setup_progress.time, "monotonic", lambda: next(clock))
    buffer = io.StringIO()
    with reindex_progress(Console(file=buffer, width=200)) as progress:
        for done in (1000, 1500, 2000):
            progress(step(done))
        progress(step(3000, completed=True))
    lines = buffer.getvalue().splitlines()
    assert lines == [
        "reindexing newswatch-articles-v1 → newswatch-articles-v2: 1,000 of 3,000 documents",
        "reindexing newswatch-articles-v1 → newswatch-articles-v2: 2,000 of 3,000 documents",
        "reindexing newswatch-articles-v1 → newswatch-articles-v2: 3,000 of 3,000 documents"
        " (copied)",
    ]


def test_terminal_draws_a_bar_with_documents_done_of_total() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    with reindex_progress(console) as progress:
        progress(step(1000))
        progress(step(3000, completed=True))
    assert "3000/3000" in buffer.getvalue()
