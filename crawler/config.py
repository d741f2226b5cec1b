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
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from crawler.config_errors import describe_validation_error
from crawler.redact import redact_credentials
from crawler.watch_syntax import WatchSyntaxError, parse_watch_query

DEFAULT_CONFIG_FILE = "newswatch.yaml"
CONFIG_ENV = "NEWSWATCH_CONFIG"
SEARCH_URL_ENV = "NEWSWATCH_SEARCH_URL"
# The local engine that `make engine` starts (deploy/local-search/engine.sh): loopback,
# on NEWSWATCH_ENGINE_PORT, 9200 when unset (the port engine.sh and the Makefile use).
ENGINE_PORT_ENV = "NEWSWATCH_ENGINE_PORT"
LOCAL_ENGINE_PORT = 9200


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
            raise ValueError(f"must be an http(s) URL such as http://127.0.0.1:9200, got {value!r}")
        return value

    def effective_url(self) -> str:
        """`NEWSWATCH_SEARCH_URL` over `search.url` over the local engine."""
        return os.environ.get(SEARCH_URL_ENV) or self.url or local_engine_url()

    def uses_local_engine(self) -> bool:
        return not (os.environ.get(SEARCH_URL_ENV) or self.url)

    def engine_hint(self) -> str:
        """What to do when the engine in use does not answer, naming its URL and port."""
        url = redact_credentials(self.effective_url())
        if not self.uses_local_engine():
            return f"check that the engine at {url} runs ({SEARCH_URL_ENV} or search.url)"
        port = local_engine_port()
        command = (
            "make engine" if port == LOCAL_ENGINE_PORT else f"{ENGINE_PORT_ENV}={port} make engine"
        )
        return f"start the local engine on port {port} with `{command}`"


def local_engine_port() -> int:
    text = os.environ.get(ENGINE_PORT_ENV, "").strip()
    if not text:
        return LOCAL_ENGINE_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"{ENGINE_PORT_ENV} must be a port number, got {text!r}")
    return int(text)


def local_engine_url() -> str:
    """The engine `make engine` starts: 127.0.0.1 on NEWSWATCH_ENGINE_PORT (default 9200)."""
    return f"http://127.0.0.1:{local_engine_port()}"


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
    # Processes that extract and tag pages while the crawl's own process fetches
    # (crawler/processing/). None: one per core; 0 or 1: in the crawl's process.
    extract_workers: int | None = Field(default=None, ge=0, le=64)

    # --- the scheduler service, `newswatch run` (scheduler/service/); durations in seconds ---
    # Crawls running at once across all sources. Each is a child process of ~150 MB
    # (Scrapy + extraction); 2 keeps a small VM responsive and still overlaps slow sites.
    max_concurrent_crawls: int = Field(default=2, ge=1, le=32)
    # A crawl still running after this is killed (SIGTERM, then SIGKILL) and recorded as
    # `timeout`. 30 min: our largest site crawl (200 pages at 2 per domain) takes ~5 min.
    run_timeout: float = Field(default=1800.0, gt=0)
    # On SIGTERM/SIGINT, running crawls get this long to stop at a safe point before
    # SIGKILL; below Docker's and systemd's stop timeouts once those are set to 60 s.
    stop_timeout: float = Field(default=30.0, gt=0)
    # Each run starts up to this many seconds late, at random, so sources with the same
    # schedule do not all hit the network and the engine in the same second. Capped at a
    # tenth of each source's period (scheduler/service/timetable.py, JITTER_SHARE_OF_PERIOD):
    # a 5 s interval gets at most 0.5 s, a cron every minute 6 s.
    jitter: float = Field(default=30.0, ge=0)
    # How late a missed run may still start; None: always (coalesced into one run).
    misfire_grace_time: float | None = Field(default=None, gt=0)
    # A source that produced no new page for this long is flagged `stale` (per-source
    # `stale_after` overrides). 2 days: quiet weekends should not page anyone.
    stale_after: float = Field(default=2 * 86400.0, gt=0)
    # Consecutive failed/timed-out/crashed runs before a source is flagged `failing`:
    # 3 rides out a single network blip or engine restart.
    failures_before_flag: int = Field(default=3, ge=1)
    # APScheduler job store; None: SQLite in state_dir. A postgresql:// URL also works.
    job_store_url: str | None = None
    # Prometheus /metrics and /healthz. Loopback by default; a container sets 0.0.0.0.
    # 9464: unassigned in Prometheus' port allocation list. None disables, 0 picks a free port.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=9464, ge=0, le=65535)
    log_format: Literal["text", "json"] = "text"
    # Notifier names told when a source is flagged stale/failing or recovers.
    health_notify: list[str] = Field(default_factory=list)

    @field_validator("state_dir")
    @classmethod
    def state_dir_is_a_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(
                f"{value} exists and is not a directory: point state_dir at a folder"
                " (a missing one is created)"
            )
        return value


class IntervalSchedule(_Strict):
    interval: str

    @field_validator("interval", mode="before")
    @classmethod
    def _interval_has_unit(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f"{value} has no unit: write {value}s (or 15m, 2h, 1d)")
        return value

    @field_validator("interval")
    @classmethod
    def _interval_format(cls, value: str) -> str:
        parse_interval(value)
        return value


def parse_interval(value: str) -> float:
    """'90s', '15m', '2h', '1d' → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", value)
    if not match and re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", value):
        raise ValueError(f"{value.strip()} has no unit: write {value.strip()}s (or 15m, 2h, 1d)")
    if not match:
        raise ValueError(f"interval must look like 30s, 15m, 2h or 1d, got {value!r}")
    seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"interval must be positive, got {value!r}")
    return seconds


def _schedule_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict | IntervalSchedule):
        return "IntervalSchedule"
    return None


# A cron string or {interval: ...}; the input's shape picks the branch, so an error
# names only the branch the user meant (tags are the labels config_errors hides).
Schedule = Annotated[
    Annotated[str, Tag("str")] | Annotated[IntervalSchedule, Tag("IntervalSchedule")],
    Discriminator(
        _schedule_kind,
        custom_error_type="schedule_shape",
        custom_error_message="must be a cron string ('*/15 * * * *') or {interval: 15m}",
    ),
]


def _http_url(value: str) -> str:
    """A URL the crawler can fetch: http or https, with a host."""
    parts = urlsplit(value.strip())
    if parts.scheme in ("http", "https") and parts.hostname:
        return value
    if not parts.scheme or "://" not in value:
        raise ValueError(f"{value!r} has no scheme: write https://{value.strip().lstrip('/')}")
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{value!r}: only http and https URLs are crawled, not {parts.scheme}")
    raise ValueError(f"{value!r} has no host name")


HttpUrl = Annotated[str, AfterValidator(_http_url)]


ContentMode = Literal["full", "snippet"]
Kind = Literal["news", "blog", "press"]


class _SourceBase(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    schedule: Schedule = Field(default_factory=lambda: IntervalSchedule(interval="1h"))
    content_mode: ContentMode = "full"
    # A hint for extraction when the page's own signals are weak.
    kind: Kind | None = None
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


def validate_cron(expression: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expression, timezone="Asia/Seoul")
    except ValueError as exc:
        raise ValueError(f"not a valid cron expression {expression!r}: {exc}") from None


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
        return [_compiles(p) for p in patterns]

    @field_validator("article_pattern")
    @classmethod
    def _article_pattern_compiles(cls, pattern: str | None) -> str | None:
        return None if pattern is None else _compiles(pattern)


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    return pattern


PortalEngine = Literal["google_news", "naver_news", "naver_blog", "daum_web", "daum_blog"]
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


NotifierType = Literal["webhook", "slack", "discord", "teams", "email", "telegram"]
# Channels that post to one URL (given as `url`, or `url_env` when the URL is itself a secret).
_URL_CHANNELS = frozenset({"webhook", "slack", "discord", "teams"})


class NotifierConfig(_Strict):
    type: NotifierType
    # The channel's URL; for telegram the Bot API base (default https://api.telegram.org).
    url: str | None = None
    url_env: str | None = None
    # webhook: HMAC-SHA256 signing secret.
    secret_env: str | None = None
    # e-mail
    host: str | None = None
    # 587: the SMTP submission port, where STARTTLS is the norm.
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username_env: str | None = None
    password_env: str | None = None
    sender: str | None = None
    to: list[str] = Field(default_factory=list)
    # telegram
    token_env: str | None = None
    chat_id: str | None = None
    # Seconds per delivery attempt; a channel slower than this is treated as down and retried.
    timeout: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _required_for_type(self) -> NotifierConfig:
        if self.type in _URL_CHANNELS and not (self.url or self.url_env):
            raise ValueError(f"a {self.type} notifier needs url or url_env")
        if self.type == "email" and not (self.host and self.sender and self.to):
            raise ValueError("an email notifier needs host, sender and to")
        if self.username_env and not self.password_env:
            raise ValueError("username_env needs password_env (SMTP logs in with both)")
        if self.type == "telegram" and not (self.token_env and self.chat_id):
            raise ValueError("a telegram notifier needs token_env and chat_id")
        if self.url is not None and not re.match(r"^https?://[^/\s]+", self.url):
            raise ValueError(f"url must be an http(s) URL, got {self.url!r}")
        return self


class WatchConfig(_Strict):
    name: str = Field(min_length=1, max_length=200)
    query: str = Field(min_length=1)
    notify: list[str] = Field(default_factory=list)
    mode: Literal["immediate", "digest"] = "immediate"
    # Cron (Asia/Seoul) of digest messages, e.g. "0 9 * * mon-fri"; required for mode digest.
    digest_schedule: str | None = None
    min_relevance: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _query_and_schedule(self) -> WatchConfig:
        try:
            parse_watch_query(self.query)
        except WatchSyntaxError as exc:
            raise ValueError(f"watch {self.name!r}: query {self.query!r}: {exc}") from None
        if self.mode == "digest" and not self.digest_schedule:
            raise ValueError(f"watch {self.name!r}: mode digest needs digest_schedule (a cron)")
        if self.mode == "immediate" and self.digest_schedule:
            raise ValueError(f"watch {self.name!r}: digest_schedule is only for mode digest")
        if self.digest_schedule:
            validate_cron(self.digest_schedule)
        return self


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
        for name in self.crawl.health_notify:
            if name not in self.notifiers:
                raise ValueError(
                    f"crawl.health_notify: unknown notifier {name!r} "
                    f"(known: {', '.join(sorted(self.notifiers)) or 'none'})"
                )
        for watch in self.watches:
            for name in watch.notify:
                if name not in self.notifiers:
                    raise ValueError(
                        f"watches[name={watch.name}].notify: unknown notifier {name!r} "
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


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML keeps the last, silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (line {mark.line + 1}): keep one", mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_config(explicit: str | Path | None = None) -> Config:
    """Read and validate the config; a missing default file means all defaults."""
    path, named = config_path(explicit)
    if not path.exists():
        if named:
            raise ConfigError(f"{path}: config file not found")
        return Config()
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
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
        raise ConfigError(f"{path}: {describe_validation_error(exc, Config, raw)}") from None
