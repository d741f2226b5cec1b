"""Several news sites on loopback ports, each answering its pages after a fixed delay.

Each site is a FixtureSite (its own port, so its own host for politeness)
that sleeps `delay` seconds before every answer and records, per site, how
many requests were in progress at once (politeness across workers is one).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from contextlib import ExitStack
from datetime import datetime, timedelta
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


# Words the generated articles are made of: the mission's vocabulary, so each article
# is relevant, drawn at random, so two articles share few character 5-grams and
# each is its own story (a story's later-found earlier copy would be re-indexed as
# "not the original", which would look like a second indexing).
_WORDS = [
    "스마트시티",
    "디지털트윈",
    "자율주행",
    "데이터허브",
    "지능형교통",
    "시티브레인",
    "국제협력",
    "업무협약",
    "대표단",
    "시장",
    "부시장",
    "해외도시",
    "자매도시",
    "교류",
    "실증",
    "플랫폼",
    "교통신호",
    "구급차",
    "도착시간",
    "사고신고",
    "알리바바",
    "항저우",
    "바르셀로나",
    "헬싱키",
    "싱가포르",
    "대구시",
    "부산시",
    "세종시",
    "인천시",
    "시민",
    "기업",
    "대학",
    "연구원",
    "전문가",
    "예산",
    "사업",
    "계획",
    "정책",
    "조례",
    "박람회",
    "간담회",
    "설명회",
    "에너지",
    "태양광",
    "수소",
    "충전소",
    "상수도",
    "버스",
    "지하철",
    "정류장",
    "보행로",
    "자전거",
    "주차장",
]


def _paragraph(rng: random.Random) -> str:
    return " ".join(rng.sample(_WORDS, 14)) + "을 논의했다."


def scale_articles(sites: int, per_site: int, seed: int = 16) -> list[list[SiteArticle]]:
    """Distinct relevant smart-city articles, `per_site` for each of `sites` sites."""
    rng = random.Random(seed)
    start = datetime.fromisoformat("2024-03-04T09:00:00+09:00")
    groups = []
    for s in range(sites):
        group = []
        for i in range(per_site):
            group.append(
                SiteArticle(
                    slug=f"s{s}-a{i}",
                    title=f"스마트시티 국제협력 {s}-{i}: " + " ".join(rng.sample(_WORDS, 4)),
                    paragraphs=[_paragraph(rng) for _ in range(8)],
                    published=start + timedelta(minutes=s * per_site + i),
                )
            )
        groups.append(group)
    return groups
