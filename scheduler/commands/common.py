"""Shared helpers for commands: consoles, config loading, engine connection."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from crawler.config import Config, ConfigError, load_config
from crawler.store import SearchStore

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class UsageError(Exception):
    """Bad arguments that argparse cannot catch (exit code 2)."""


def error(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")


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
