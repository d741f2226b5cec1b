"""Extraction and tagging in a pool of worker processes, awaited from the reactor.

Scrapy runs on one thread, so one crawl used one core while extraction and
tagging (~3 ms of CPU a page) held the reactor. `PagePool` hands each page to
a `concurrent.futures.ProcessPoolExecutor` and awaits the future through
asyncio (the crawl's reactor is Twisted's asyncio reactor), so the reactor
keeps fetching while the workers extract. Arguments and results are pickled
by the executor's own threads, not on the reactor thread.

Workers are forked from a forkserver that has imported extraction and tagging
once, so a worker (and a replacement after a crash) starts in milliseconds and
shares those pages; each then builds its Tagger and runs a warm-up page.

A worker that dies (OOM killer, kill -9, a crash in lxml) breaks the whole
executor: every page in flight fails with BrokenProcessPool. The pool then
starts a new executor and submits those pages again, up to `ATTEMPTS` times
each; a page that outlives that is given up with `WorkerLostError`, which the
pipeline counts (`errors/worker_lost`) and does not mark seen, so the next
crawl fetches it again. Nothing is dropped without a count.

`InlineProcessor` is the same interface in the crawl's own process
(`crawl.extract_workers` 0 or 1).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from crawler.config import Config, CrawlConfig
from crawler.items import PageItem
from crawler.processing.page import PageOutcome, process_page
from crawler.processing.worker import process_in_worker, start_worker, worker_pid
from crawler.tagging import Tagger

log = logging.getLogger(__name__)

# Tries per page across pool restarts. A page in flight when another page killed its
# worker succeeds on the second; a page that kills three pools in a row is the cause.
ATTEMPTS = 3
GIL_SWITCH_SECONDS = 0.0005
# Imported once by the forkserver, inherited by every worker it forks.
PRELOAD = ["crawler.processing.worker"]


class WorkerLostError(RuntimeError):
    """A page's worker process died on every attempt."""


class PageProcessor(Protocol):
    async def process(
        self, item: PageItem, on_retry: Callable[[], None] | None = None
    ) -> PageOutcome: ...

    def close(self) -> None: ...


class InlineProcessor:
    """Extraction and tagging on the reactor thread, as before the pool existed."""

    def __init__(self, tagger: Tagger, crawl: CrawlConfig) -> None:
        self.tagger = tagger
        self.crawl = crawl

    async def process(
        self, item: PageItem, on_retry: Callable[[], None] | None = None
    ) -> PageOutcome:
        return process_page(item, self.tagger, self.crawl)

    def close(self) -> None:
        pass


class PagePool:
    """`size` warm worker processes; see the module docstring for crashes."""

    def __init__(self, config: Config, size: int) -> None:
        self.config = config
        self.size = size
        self.restarts = 0
        # The reactor thread now shares the GIL with the executor's feeder and
        # result threads; at the default 5 ms it waited up to that long for the GIL
        # after each submit and socket send (cProfile: ~3 ms per submit under load),
        # which AutoThrottle reads as site latency. 0.5 ms: 1,000 pages on loopback,
        # paired runs, 24.3 -> 27.0 and 42.5 -> 43.3 pages/s.
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        executor = ProcessPoolExecutor(
            self.size,
            mp_context=context,
            initializer=start_worker,
            initargs=(self.config, os.getpid()),
        )
        # The executor starts workers only on demand: one no-op task per worker
        # starts them all now, so they warm up while the first pages are fetched.
        for _ in range(self.size):
            executor.submit(worker_pid)
        return executor

    async def process(
        self, item: PageItem, on_retry: Callable[[], None] | None = None
    ) -> PageOutcome:
        for attempt in range(1, ATTEMPTS + 1):
            executor = self._executor
            try:
                return await asyncio.wrap_future(executor.submit(process_in_worker, item))
            except BrokenProcessPool:
                self._replace(executor)
                if attempt < ATTEMPTS and on_retry is not None:
                    on_retry()
        raise WorkerLostError(
            f"a worker process died on each of {ATTEMPTS} attempts to extract {item.url}"
        )

    def worker_pids(self) -> list[int]:
        """The live workers' process ids (for tests and benchmarks)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(processes)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A new executor, once per broken one (all its pages in flight fail together)."""
        if self._executor is not broken:
            return
        self.restarts += 1
        log.warning("a page worker process died; starting a new pool (restart %d)", self.restarts)
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = self._start()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def available_cores() -> int:
    """Cores this process may run on (a container's or taskset's limit, not the host's)."""
    return len(os.sched_getaffinity(0))


def pool_size(config: Config) -> int:
    wanted = config.crawl.extract_workers
    return available_cores() if wanted is None else wanted


def open_processor(config: Config, tagger: Tagger) -> PageProcessor:
    """The pool of `crawl.extract_workers` processes, or in-process for 0 or 1.

    With the shared Redis frontier on, pages are processed in-process: there the
    crawl workers are the unit of parallelism, and a worker killed with its pool
    left the frontier's leases waiting on pool children (tests/e2e/test_scale_frontier).
    """
    size = pool_size(config)
    if size <= 1 or config.scale.enabled:
        return InlineProcessor(tagger, config.crawl)
    return PagePool(config, size)
