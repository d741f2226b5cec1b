"""Load and validate the one YAML configuration file.

Unknown keys are rejected, and every error names the file and the field
(`newswatch.yaml: sources[1].schedule: ...`), because a typo in a config that
runs for months unattended must fail loudly at load time, not silently later.
Secrets never live here: only the names of environment variables that hold them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_CONFIG_FILE = "newswatch.yaml"
CONFIG_ENV = "NEWSWATCH_CONFIG"
SEARCH_URL_ENV = "NEWSWATCH_SEARCH_URL"
# The local engine that `make engine` starts (deploy/local-search/).
LOCAL_ENGINE_URL = "http://127.0.0.1:9200"


class ConfigError(Exception):
    """The configuration is missing, unreadable or invalid (exit code 2)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SearchConfig(_Strict):
    url: str | None = None
    # Seconds per request; bulk requests of 500 docs take well under 5 s locally,
    # 30 s leaves room for a busy production cluster.
    timeout: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    verify_certs: bool = True
    # 500 documents (~1-2 MB of Korean text) per bulk request: the elasticsearch-py
    # default, and the knee of the curve in `make bench-index` on the local node.
    bulk_chunk_size: int = Field(default=500, ge=1, le=10_000)

    @field_validator("url")
    @classmethod
    def _url_has_scheme(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"must be an http(s) URL such as {LOCAL_ENGINE_URL}, got {value!r}")
        return value

    def effective_url(self) -> str:
        """`NEWSWATCH_SEARCH_URL` over `search.url` over the local engine."""
        return os.environ.get(SEARCH_URL_ENV) or self.url or LOCAL_ENGINE_URL


class CrawlConfig(_Strict):
    allow_hosts: list[str] = Field(default_factory=list)
    user_agent: str = "newswatch/0.1"
    contact_url: str | None = None
    # Articles scoring below this relevance are counted, not indexed.
    min_relevance: float = Field(default=1.0, ge=0)
    index_irrelevant: bool = False
    state_dir: Path = Path(".newswatch")
    concurrency_per_domain: int = Field(default=2, ge=1, le=16)
    download_timeout: float = Field(default=30.0, gt=0)
    # 10 MB: the largest real Korean article pages we have seen are ~2 MB with inline scripts.
    max_page_bytes: int = Field(default=10 * 1024 * 1024, gt=0)


class IntervalSchedule(_Strict):
    interval: str

    @field_validator("interval")
    @classmethod
    def _interval_format(cls, value: str) -> str:
        parse_interval(value)
        return value


def parse_interval(value: str) -> float:
    """'90s', '15m', '2h', '1d' → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", value)
    if not match:
        raise ValueError(f"interval must look like 30s, 15m, 2h or 1d, got {value!r}")
    seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"interval must be positive, got {value!r}")
    return seconds


Schedule = str | IntervalSchedule


class _SourceBase(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    schedule: Schedule = Field(default_factory=lambda: IntervalSchedule(interval="1h"))
    content_mode: Literal["full", "snippet"] = "full"
    kind: Literal["news", "blog", "press"] | None = None
    enabled: bool = True

    @field_validator("schedule")
    @classmethod
    def _cron_is_valid(cls, value: Schedule) -> Schedule:
        if isinstance(value, str):
            validate_cron(value)
        return value


def validate_cron(expression: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expression, timezone="Asia/Seoul")
    except ValueError as exc:
        raise ValueError(f"not a valid cron expression {expression!r}: {exc}") from None


class FeedSource(_SourceBase):
    type: Literal["feed"]
    urls: list[str] = Field(min_length=1)


class SitemapSource(_SourceBase):
    type: Literal["sitemap"]
    urls: list[str] = Field(min_length=1)


class SiteSource(_SourceBase):
    type: Literal["site"]
    start_urls: list[str] = Field(min_length=1)
    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    max_depth: int = Field(default=2, ge=0)
    max_pages: int = Field(default=200, ge=1)

    @field_validator("allow", "deny")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
        return patterns


class SearchSource(_SourceBase):
    type: Literal["search"]
    queries: list[str] = Field(min_length=1)
    engines: list[Literal["google_news", "naver_news", "naver_blog", "daum_web", "daum_blog"]] = (
        Field(default_factory=lambda: ["google_news"])
    )
    # Naver allows 25,000 calls a day per application; leave room for other sources.
    daily_call_budget: int = Field(default=1000, ge=1)


class BlogSource(_SourceBase):
    type: Literal["blog"]
    platform: Literal["tistory", "naver"]
    blog_id: str = Field(min_length=1)


Source = Annotated[
    FeedSource | SitemapSource | SiteSource | SearchSource | BlogSource,
    Field(discriminator="type"),
]


class NotifierConfig(_Strict):
    type: Literal["webhook", "slack", "discord", "teams", "email", "telegram"]
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    # e-mail
    host: str | None = None
    port: int | None = None
    starttls: bool = True
    username_env: str | None = None
    password_env: str | None = None
    sender: str | None = None
    to: list[str] = Field(default_factory=list)
    # telegram
    token_env: str | None = None
    chat_id: str | None = None


class WatchConfig(_Strict):
    name: str = Field(min_length=1)
    query: str = Field(min_length=1)
    notify: list[str] = Field(default_factory=list)
    mode: Literal["immediate", "digest"] = "immediate"
    digest_schedule: str | None = None
    min_relevance: float | None = None


class GazetteerConfig(_Strict):
    """Names added to the built-in gazetteer (crawler/data/gazetteer.yaml)."""

    korean_bodies: list[str] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    officials: list[str] = Field(default_factory=list)
    projects: list[str] = Field(default_factory=list)


class Config(_Strict):
    search: SearchConfig = Field(default_factory=SearchConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    # Topic group name → keywords. None means "use the built-in mission topics".
    topics: dict[str, list[str]] | None = None
    gazetteer: GazetteerConfig = Field(default_factory=GazetteerConfig)
    sources: list[Source] = Field(default_factory=list)
    watches: list[WatchConfig] = Field(default_factory=list)
    notifiers: dict[str, NotifierConfig] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> Config:
        _require_unique([s.name for s in self.sources], "sources", "source name")
        _require_unique([w.name for w in self.watches], "watches", "watch name")
        for i, watch in enumerate(self.watches):
            for name in watch.notify:
                if name not in self.notifiers:
                    raise ValueError(
                        f"watches[{i}].notify: unknown notifier {name!r} "
                        f"(known: {', '.join(sorted(self.notifiers)) or 'none'})"
                    )
        return self


def _require_unique(names: list[str], field: str, what: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{field}[{i}].name: duplicate {what} {name!r}")
        seen.add(name)


def config_path(explicit: str | Path | None = None) -> tuple[Path, bool]:
    """The config file to read, and whether the user named it (then it must exist)."""
    if explicit:
        return Path(explicit), True
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]), True
    return Path(DEFAULT_CONFIG_FILE), False


def load_config(explicit: str | Path | None = None) -> Config:
    """Read and validate the config; a missing default file means all defaults."""
    path, named = config_path(explicit)
    if not path.exists():
        if named:
            raise ConfigError(f"{path}: config file not found")
        return Config()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_config(raw, path)


def parse_config(raw: Any, path: Path | str = "<config>") -> Config:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(raw).__name__}")
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        lines.append(f"{_format_location(err['loc'])}: {_clean_message(err['msg'])}")
    return "; ".join(lines[:5]) + (f" (and {len(lines) - 5} more)" if len(lines) > 5 else "")


def _format_location(loc: tuple[int | str, ...]) -> str:
    out = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _is_union_label(part, previous):
            pass  # pydantic's union-branch labels are not user-facing field names
        else:
            out += f".{part}" if out else str(part)
        previous = part
    return out or "(top level)"


_SOURCE_TYPES = frozenset({"feed", "sitemap", "site", "search", "blog"})


def _is_union_label(part: str, previous: int | str | None) -> bool:
    if part in {"str", "IntervalSchedule"}:
        return True
    return isinstance(previous, int) and part in _SOURCE_TYPES


def _clean_message(message: str) -> str:
    return message.removeprefix("Value error, ")
