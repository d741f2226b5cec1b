"""The baseline of `make bench-crawl`: a bare Scrapy spider with plain trafilatura.

It reads one sitemap (Scrapy's own SitemapSpider: indexes, urlsets), downloads
every page listed and runs `trafilatura.extract` on each, indexing nothing and
remembering nothing. It is the floor any crawler of these pages pays: the
fetch and the text extraction. bench_crawl.py runs it as a subprocess with the
same Scrapy settings `newswatch crawl` uses (concurrency, AutoThrottle,
robots.txt, timeouts; passed as JSON) and prints one JSON line at the end:
pages downloaded, pages with text, characters of text.

    python benchmarks/bench_crawl_baseline.py SITEMAP_URL [--settings JSON]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from typing import Any

import trafilatura
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.spiders import SitemapSpider


class BaselineSpider(SitemapSpider):
    name = "baseline"

    def __init__(self, sitemap_url: str, totals: dict[str, int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sitemap_urls = [sitemap_url]
        self.totals = totals

    def parse(self, response: Response, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self.totals["pages"] += 1
        text = trafilatura.extract(response.body, url=response.url)
        if text:
            self.totals["with_text"] += 1
            self.totals["chars"] += len(text)
        return iter(())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sitemap_url")
    parser.add_argument("--settings", default="{}", help="Scrapy settings as a JSON object")
    args = parser.parse_args()
    settings: dict[str, Any] = {"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}
    settings.update(json.loads(args.settings))
    totals = {"pages": 0, "with_text": 0, "chars": 0}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BaselineSpider)
    finish: dict[str, str] = {}

    def closed(spider: Any, reason: str) -> None:
        finish["reason"] = reason

    crawler.signals.connect(closed, signal=signals.spider_closed)
    process.crawl(crawler, sitemap_url=args.sitemap_url, totals=totals)
    process.start()
    print(json.dumps({**totals, "finish_reason": finish.get("reason", "not started")}))


if __name__ == "__main__":
    main()
