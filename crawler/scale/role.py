"""What a crawl process does on the shared frontier: seed a run, or work for whoever seeded."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.config import Config
from crawler.scale.book import FrontierBook
from crawler.scale.connection import connect


@dataclass(frozen=True, slots=True)
class CrawlRole:
    # True for `newswatch crawl` and the service's runs: start the sources' runs.
    seeding: bool = True
    # `newswatch worker --idle-exit S`: stop after S seconds without work (None: never).
    idle_exit: float | None = None


def open_frontier(config: Config, role: CrawlRole) -> FrontierBook | None:
    """This process's frontier book, or None when the config keeps crawls local."""
    if not config.scale.enabled:
        return None
    return FrontierBook(
        connect(config),
        config.scale,
        download_timeout=config.crawl.download_timeout,
        seeding=role.seeding,
        idle_exit=role.idle_exit,
    )
