"""Several news sites on loopback ports, each answering its pages after a fixed delay.

Each site is a FixtureSite (its own port, so its own host for politeness)
that sleeps `delay` seconds before every answer and records, per site, how
many requests were in progress at once (politeness across workers is one).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from contextlib import ExitStack
from typing import Any, Self

from tests.fixture_site import FixtureSite, Route, SiteArticle


class SlowSite(FixtureSite):
    def __init__(self, articles: list[SiteArticle], delay: float, name: str) -> None:
        super().__init__(articles, name=name)
        self.delay = delay
        self.active = 0
        self.max_active = 0
        self.stamps: list[float] = []
        self._gauge = threading.Lock()
        handler: Any = self.httpd.RequestHandlerClass
        # No 40 ms delayed-ACK wait per response (see benchmarks/bench_crawl.serve).
        handler.disable_nagle_algorithm = True
        self.httpd.socket.listen(128)

    def route(self, path: str, headers: dict[str, str]) -> Route | None:
        with self._gauge:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            time.sleep(self.delay)
            return super().route(path, headers)
        finally:
            with self._gauge:
                self.active -= 1
                self.stamps.append(time.monotonic())


class SlowSites:
    """`with SlowSites(groups, delay) as sites:` one SlowSite per article group."""

    def __init__(self, groups: list[list[SiteArticle]], delay: float) -> None:
        self.sites = [SlowSite(g, delay, f"느린일보{i}") for i, g in enumerate(groups)]
        self._stack = ExitStack()

    def __enter__(self) -> Self:
        for site in self.sites:
            self._stack.enter_context(site)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def sitemap_urls(self) -> list[str]:
        return [f"{site.url}/sitemap.xml" for site in self.sites]

    def article_hits(self) -> Counter[str]:
        """Requests per article page, keyed by site URL + path."""
        hits: Counter[str] = Counter()
        for site in self.sites:
            with site.lock:
                hits.update(site.url + p for p in site.hits if p.startswith("/news/"))
        return hits

    def max_concurrency(self) -> int:
        return max(site.max_active for site in self.sites)

    def fetch_span(self) -> float:
        """Seconds from the first to the last answer across all sites."""
        stamps = [s for site in self.sites for s in site.stamps]
        return max(stamps) - min(stamps) if stamps else 0.0


def scale_articles(sites: int, per_site: int) -> list[list[SiteArticle]]:
    """Distinct relevant articles (the mission's seed text with its own headline), per site."""
    from datetime import datetime, timedelta

    from tests.conftest import SEED_FILE

    lines = [line.strip() for line in SEED_FILE.read_text(encoding="utf-8").splitlines()]
    seed = [line for line in lines[4:] if len(line) > 40]
    start = datetime.fromisoformat("2024-03-04T09:00:00+09:00")
    groups = []
    for s in range(sites):
        group = []
        for i in range(per_site):
            group.append(
                SiteArticle(
                    slug=f"s{s}-a{i}",
                    title=f"스마트시티 협력 {s}-{i}호: 대구시 항저우 방문 후속",
                    paragraphs=[f"{s}번 매체 {i}번 기사: 스마트시티 국제 협력 소식.", *seed],
                    published=start + timedelta(minutes=s * per_site + i),
                )
            )
        groups.append(group)
    return groups
