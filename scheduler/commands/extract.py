"""`newswatch extract FILE.html --url URL [--json] [--fetched ISO8601]`."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Filled in when crawler.extraction lands."""
