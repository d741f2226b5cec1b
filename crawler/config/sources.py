"""`sources:`: what is crawled, one model per source type (a union on `type`)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from crawler.config.fields import (
    HttpUrl,
    IntervalSchedule,
    Schedule,
    Strict,
    compiles_regex,
    parse_interval,
    validate_cron,
)
from crawler.vocabulary import ArticleKind, ContentMode, PortalEngine


class _SourceBase(Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    schedule: Schedule = Field(default_factory=lambda: IntervalSchedule(interval="1h"))
    content_mode: ContentMode = "full"
    # A hint for extraction when the page's own signals are weak.
    kind: ArticleKind | None = None
    enabled: bool = True
    # --- scheduling by `newswatch run`; durations like the schedule's: 90s, 15m, 2h, 1d ---
    # Adapt an interval schedule between min_interval and max_interval (default: a
    # quarter and four times the interval): shorter while runs find new pages.
    adaptive: bool = False
    min_interval: str | None = None
    max_interval: str | None = None
    # Runs only inside this daily window, Asia/Seoul, e.g. "07:00-23:00" (may wrap midnight).
    active_hours: str | None = None
    # Overrides crawl.stale_after / crawl.run_timeout for this source.
    stale_after: str | None = None
    run_timeout: str | None = None

    @field_validator("schedule")
    @classmethod
    def _cron_is_valid(cls, value: Schedule) -> Schedule:
        if isinstance(value, str):
            validate_cron(value)
        return value

    @field_validator("min_interval", "max_interval", "stale_after", "run_timeout")
    @classmethod
    def _duration_format(cls, value: str | None) -> str | None:
        if value is not None:
            parse_interval(value)
        return value

    @field_validator("active_hours")
    @classmethod
    def _window_format(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
            r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d", value
        ):
            raise ValueError(f"must look like 07:00-23:00, got {value!r}")
        return value

    @model_validator(mode="after")
    def _adaptive_needs_interval(self) -> _SourceBase:
        if not self.adaptive:
            return self
        if not isinstance(self.schedule, IntervalSchedule):
            raise ValueError("adaptive: needs an interval schedule ({interval: 15m}), not cron")
        base = parse_interval(self.schedule.interval)
        low = parse_interval(self.min_interval) if self.min_interval else base / 4
        high = parse_interval(self.max_interval) if self.max_interval else base * 4
        if not low <= base <= high:
            raise ValueError("adaptive: needs min_interval <= schedule.interval <= max_interval")
        return self


class FeedSource(_SourceBase):
    type: Literal["feed"]
    urls: list[HttpUrl] = Field(min_length=1)


class SitemapSource(_SourceBase):
    type: Literal["sitemap"]
    urls: list[HttpUrl] = Field(min_length=1)
    # Sitemap indexes followed below the listed URL (robots.txt → index → by-year
    # index → urlset is 3); deeper ones are a trap (an index linking a new index).
    max_index_depth: int = Field(default=3, ge=0, le=10)
    # Article pages requested per run; the rest wait for later runs (a known page
    # is not asked again). 1000 is Google News sitemaps' own limit per file.
    max_urls: int = Field(default=1000, ge=1)


class SiteSource(_SourceBase):
    type: Literal["site"]
    start_urls: list[HttpUrl] = Field(min_length=1)
    # URL patterns (regular expressions) of links to follow / never follow.
    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    # Pages whose URL matches are articles (extracted); the others are only
    # followed for links. None: every page except the start URLs is an article.
    article_pattern: str | None = None
    max_depth: int = Field(default=2, ge=0)
    max_pages: int = Field(default=200, ge=1)

    @field_validator("allow", "deny")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        return [compiles_regex(p) for p in patterns]

    @field_validator("article_pattern")
    @classmethod
    def _article_patterncompiles_regex(cls, pattern: str | None) -> str | None:
        return None if pattern is None else compiles_regex(pattern)


# Google News RSS needs no key; the portal APIs are opt-in because they need keys.
DEFAULT_ENGINES: tuple[PortalEngine, ...] = ("google_news",)


class SearchSource(_SourceBase):
    type: Literal["search"]
    queries: list[str] = Field(min_length=1)
    engines: list[PortalEngine] = Field(default_factory=lambda: list(DEFAULT_ENGINES))
    # Naver allows 25,000 calls a day per application; leave room for other sources.
    daily_call_budget: int = Field(default=1000, ge=1)


class BlogSource(_SourceBase):
    type: Literal["blog"]
    platform: Literal["tistory", "naver"]
    blog_id: str = Field(min_length=1)
    # The blog's RSS address is derived from platform and blog_id; set this only
    # for a blog served elsewhere (a custom domain, or a test server).
    feed_url: HttpUrl | None = None

    def effective_feed_url(self) -> str:
        if self.feed_url:
            return self.feed_url
        if self.platform == "tistory":
            return f"https://{self.blog_id}.tistory.com/rss"
        return f"https://rss.blog.naver.com/{self.blog_id}.xml"


Source = Annotated[
    FeedSource | SitemapSource | SiteSource | SearchSource | BlogSource,
    Field(discriminator="type"),
]
