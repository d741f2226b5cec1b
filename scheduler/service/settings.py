"""Values the service derives from the config, and where it keeps its state."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crawler.config import Config, IntervalSchedule, Source, parse_interval

# Default adaptive bounds when min_interval/max_interval are unset: a quarter and
# four times the configured interval (the same defaults crawler.config validates with).
ADAPTIVE_DEFAULT_SPAN = 4.0


@dataclass(frozen=True, slots=True)
class ServicePaths:
    """Files under `crawl.state_dir/service/`, beside the crawler's spool and seen store."""

    state_dir: Path

    @classmethod
    def of(cls, config: Config) -> ServicePaths:
        return cls(config.crawl.state_dir)

    @property
    def root(self) -> Path:
        return self.state_dir / "service"

    @property
    def runs_db(self) -> Path:
        return self.root / "runs.sqlite"

    @property
    def jobs_db(self) -> Path:
        return self.root / "jobs.sqlite"

    # What moving a damaged job store aside costs (said in the error that names it).
    JOBS_REBUILD = "`newswatch run` builds the timetable again from the config"

    @property
    def lock(self) -> Path:
        return self.root / "service.lock"

    @property
    def info(self) -> Path:
        return self.root / "service.json"

    @property
    def reload_result(self) -> Path:
        return self.root / "reload.json"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def configs(self) -> Path:
        return self.root / "configs"

    @property
    def spool(self) -> Path:
        return self.state_dir / "spool"

    def ensure(self) -> None:
        for folder in (self.root, self.results, self.configs):
            folder.mkdir(parents=True, exist_ok=True)


def job_store_url(config: Config) -> str:
    if config.crawl.job_store_url:
        return config.crawl.job_store_url
    return f"sqlite:///{ServicePaths.of(config).jobs_db.resolve()}"


def run_timeout(config: Config, source: Source) -> float:
    return parse_interval(source.run_timeout) if source.run_timeout else config.crawl.run_timeout


def stale_after(config: Config, source: Source) -> float:
    return parse_interval(source.stale_after) if source.stale_after else config.crawl.stale_after


def interval_of(source: Source) -> float | None:
    """The configured interval in seconds, or None for a cron schedule."""
    if isinstance(source.schedule, IntervalSchedule):
        return parse_interval(source.schedule.interval)
    return None


def adaptive_bounds(source: Source) -> tuple[float, float] | None:
    """(shortest, longest) interval for an adaptive source, else None."""
    base = interval_of(source)
    if not source.adaptive or base is None:
        return None
    span = ADAPTIVE_DEFAULT_SPAN
    low = parse_interval(source.min_interval) if source.min_interval else base / span
    high = parse_interval(source.max_interval) if source.max_interval else base * span
    return low, high
