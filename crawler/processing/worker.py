"""What runs inside a pool worker process: warm-up once, then one page per call.

The initializer builds the Tagger and runs one small page through extraction,
so trafilatura, lxml and the lexicon are loaded before the first real page
(a cold worker spent ~0.3 s on its first page), and lowers its priority
(WORKER_NICENESS). Each worker leaves the crawl's
process group: Ctrl-C and the service's stop (scheduler/service/isolation.py
signals the crawl's whole group) are for the crawl's process, which decides
how to stop and still needs its workers to finish the pages in flight; it
shuts the pool down itself (and the executor terminates the workers of a
broken pool one by one, with SIGTERM, which they must therefore obey). A
worker exits when the crawl's process is gone, so a crawl killed with SIGKILL
leaves no orphans behind.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import UTC, datetime

from crawler.config import Config, CrawlConfig
from crawler.items import PageItem
from crawler.processing.page import PageOutcome, process_page
from crawler.tagging import Tagger

# How often a worker checks that the crawl's process is still there: a second
# is invisible next to a crawl and costs nothing.
PARENT_CHECK_SECONDS = 1.0
# Workers yield the CPU to the crawl's process: its reactor's response time is what
# AutoThrottle reads as the site's latency (and so sets the request rate from), while
# the workers only need the cores' spare time. 10 (a tenth of the weight of a default
# process): 1,000 loopback pages, paired runs on the shared 2-core machine, 24.8 -> 44.0
# and 32.9 -> 36.6 pages/s. A starved pool slows fetching through Scrapy's back-pressure.
WORKER_NICENESS = 10
WARM_UP_PAGE = (
    "<html><head><title>스마트시티 협력</title></head><body><article>"
    "<h1>스마트시티 협력</h1><p>대구시는 항저우와 스마트시티 분야 업무협약을 맺었다고 밝혔다.</p>"
    "</article></body></html>"
).encode()

_tagger: Tagger | None = None
_crawl: CrawlConfig | None = None


def start_worker(config: Config, crawl_pid: int) -> None:
    """The pool's initializer (see the module docstring)."""
    global _tagger, _crawl
    os.setpgrp()
    os.nice(WORKER_NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(crawl_pid,), daemon=True).start()
    _tagger = Tagger.from_config(config)
    _crawl = config.crawl
    warm_up = PageItem(
        url="http://warm-up.invalid/",
        body=WARM_UP_PAGE,
        headers={"Content-Type": "text/html; charset=utf-8"},
        fetched=datetime.now(UTC),
        source="warm-up",
    )
    process_page(warm_up, _tagger, _crawl)


def process_in_worker(item: PageItem) -> PageOutcome:
    assert _tagger is not None and _crawl is not None, "start_worker() runs first"
    return process_page(item, _tagger, _crawl)


def worker_pid() -> int:
    """A no-op task: submitting one per worker starts (and warms) the pool ahead of pages."""
    return os.getpid()


def _exit_with(crawl_pid: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        try:
            os.kill(crawl_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # the pid went to another user's process
            os._exit(1)
