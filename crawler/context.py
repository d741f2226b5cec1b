"""The services one crawl shares between its spiders and pipelines.

Built once per crawl by `crawler.runner`, handed to each spider as an
argument (pipelines read it from the spider), and closed when the crawl ends.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from crawler.config import Config
from crawler.engine.indexer import BufferedIndexer
from crawler.engine.spool import Spool
from crawler.processing import InlineProcessor, PageProcessor
from crawler.scale.book import FrontierBook
from crawler.scale.seen import SeenLedger
from crawler.scale.stories import StoryAssigner
from crawler.state.stories import TextSignature
from crawler.tagging import Tagger


@dataclass
class CrawlContext:
    config: Config
    tagger: Tagger
    # SQLite in state_dir, or Redis when several machines share the crawl (crawler.scale).
    seen: SeenLedger
    stories: StoryAssigner
    # None in a dry run: nothing is indexed, spooled or marked as seen.
    indexer: BufferedIndexer | None
    spool: Spool | None = None
    dry_run: bool = False
    # The shared Redis frontier (crawler.scale), when the config turns it on.
    frontier: FrontierBook | None = None
    # Extraction and tagging: a worker pool (runner.open_context) or, by default, inline.
    pages: PageProcessor | None = None
    # Dedup signatures made with the extraction, by doc id, until DedupPipeline takes them.
    signatures: dict[str, TextSignature] = field(default_factory=dict)
    # One thread sends bulk batches, in order, off the reactor thread.
    sender: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk")
    )

    def __post_init__(self) -> None:
        if self.pages is None:
            self.pages = InlineProcessor(self.tagger, self.config.crawl)

    @property
    def state_dir(self) -> Path:
        return self.config.crawl.state_dir

    def close(self) -> None:
        self.sender.shutdown(wait=True)
        if self.frontier is not None:
            self.frontier.retire()
        if self.pages is not None:
            self.pages.close()
        self.seen.close()
        self.stories.close()
