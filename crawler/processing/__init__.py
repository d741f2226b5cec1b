"""Turning fetched pages into tagged Articles, in the crawl's process or a worker pool.

`process_page` is the step (extract → normalize → tag); `open_processor`
gives the crawl a `PageProcessor` that runs it in a pool of
`crawl.extract_workers` processes (default: one per core) or, for 0 or 1,
in the crawl's own process.
"""

from __future__ import annotations

from crawler.processing.page import PageOutcome, kept_as_relevant, process_page
from crawler.processing.pool import (
    InlineProcessor,
    PagePool,
    PageProcessor,
    WorkerLostError,
    open_processor,
    pool_size,
)

__all__ = [
    "InlineProcessor",
    "PageOutcome",
    "PagePool",
    "PageProcessor",
    "WorkerLostError",
    "kept_as_relevant",
    "open_processor",
    "pool_size",
    "process_page",
]
