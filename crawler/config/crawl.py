"""`crawl:` (how pages are fetched, and the service's knobs) and `gazetteer:`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from crawler.config.fields import Strict


class CrawlConfig(Strict):
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


class GazetteerConfig(Strict):
    """Names added to the built-in gazetteer (crawler/data/gazetteer.yaml)."""

    korean_bodies: list[str] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    officials: list[str] = Field(default_factory=list)
    projects: list[str] = Field(default_factory=list)
