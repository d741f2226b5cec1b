"""The `newswatch` command line."""

from scheduler.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
