"""`scale:`: Redis for several crawl workers and schedulers (crawler.scale); off by default."""

from __future__ import annotations

from pydantic import Field

from crawler.config.fields import Strict


class ScaleConfig(Strict):
    # Name of the environment variable holding the Redis URL (it may hold a
    # password, so never the URL itself). None: one machine, local files only.
    redis_url_env: str | None = None
    # Every key newswatch writes starts with this, so one Redis can serve several
    # installations (or test runs) side by side.
    key_prefix: str = Field(default="newswatch", min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    # Seconds between the end of one request to a host and the start of the next,
    # across all workers: one request at a time per host, then this pause. 0.5 s is
    # the single-machine AutoThrottle start delay, so a host sees the same pace
    # whether one worker or twenty crawl it.
    host_delay: float = Field(default=0.5, ge=0, le=60)
    # Requests in flight per worker (Scrapy's CONCURRENT_REQUESTS): with one request
    # per host at a time, a worker needs at least this many hosts to stay busy.
    worker_concurrency: int = Field(default=16, ge=1, le=512)
    # A worker that has not renewed its heartbeat for this long is dead: the
    # requests it held go back to the frontier. 10 s is five missed beats.
    worker_ttl: float = Field(default=10.0, ge=1, le=300)
    # The scheduler leader's lease: a standby takes over at most this long (plus
    # one poll, a third of it) after the leader stopped renewing. 15 s keeps the
    # takeover well inside the 30 s the service promises.
    leader_ttl: float = Field(default=15.0, ge=2, le=120)

    # Days a seen URL is kept in Redis after it was last marked (None: for ever, as
    # the SQLite store does). Measured 915 B per URL: a million articles a day keep
    # ~0.9 GB per day of window (docs/scale.md); 90 covers sitemaps that list
    # articles for months.
    seen_days: int | None = Field(default=None, ge=1, le=3650)

    @property
    def enabled(self) -> bool:
        return self.redis_url_env is not None
