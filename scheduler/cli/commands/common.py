"""Shared helpers for commands: consoles, config loading, engine connection."""

from __future__ import annotations

import argparse
from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawler.config import Config, ConfigError, load_config
from crawler.engine.client import SearchStore
from crawler.vocabulary import SEOUL

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class UsageError(Exception):
    """Bad arguments that argparse cannot catch (exit code 2)."""


def error(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")


def kst(moment: datetime | None, *, now: datetime | None = None) -> str:
    """A time for people, in Asia/Seoul: "12-02 15:04", with the year when it is not this one.

    Tables say "(KST)" in the column header; 11 characters leave room at 80 columns.
    """
    if moment is None:
        return ""
    local = moment.astimezone(SEOUL)
    this_year = (now or datetime.now(SEOUL)).astimezone(SEOUL).year
    return local.strftime("%m-%d %H:%M" if local.year == this_year else "%Y-%m-%d %H:%M")


def narrow_table(*headers: str, whole: tuple[str, ...] = ()) -> Table:
    """A table readable at 80 columns: cells wrap, long words fold instead of ending in
    "…"; times (header ending in "(KST)") and the `whole` columns (names) stay on one line."""
    table = Table(box=None, pad_edge=False)
    for header in headers:
        if header.endswith("(KST)"):
            table.add_column(header.replace(" (KST)", "\n(KST)"), no_wrap=True, min_width=11)
        else:
            table.add_column(header, overflow="fold", no_wrap=header in whole)
    return table


def config_of(args: argparse.Namespace) -> Config:
    return load_config(args.config)


def engine_hint(args: argparse.Namespace) -> None:
    """After "engine unreachable": how to start the engine the command used, by its port."""
    try:
        hint = config_of(args).search.engine_hint()
    except ConfigError:
        return
    err.print(f"  hint: {escape(hint)}")


def connect(config: Config) -> SearchStore:
    return SearchStore.connect(config.search)
