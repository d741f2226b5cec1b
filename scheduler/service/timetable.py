"""The timetable: one APScheduler job per enabled source, kept in step with the config.

Job options, each on purpose:
- `max_instances=1`: never two crawls of one source at once (they would fetch
  the same pages and race on the seen store); a fire while the source still
  runs is skipped and counted (`newswatch_runs_skipped_total`).
- `coalesce=True`: after downtime, all the missed fires of a source collapse
  into one run; one crawl catches up everything a feed or sitemap lists, so
  running it N times back to back would only fetch the same listing N times.
- `misfire_grace_time` (crawl.misfire_grace_time, default None = no limit):
  a late run is still worth doing for news, so by default a missed run always
  runs once when the service is back; a bound drops runs that are too late.
- jitter (crawl.jitter): each fire moves up to that many seconds later, so
  sources on the same schedule do not start in the same second; capped at a
  tenth of the source's period (JITTER_SHARE_OF_PERIOD), because APScheduler
  counts the next period from the jittered fire: a 5 s source with 30 s of
  jitter would run every ~20 s.

Jobs live in a persistent store and carry `key`, a digest of the schedule
settings they were built from: at start and at reload a job whose key is
unchanged is kept as it is (its next run time, and an adapted interval,
survive a restart); a changed one is replaced, a removed one deleted.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config import Config, Source
from crawler.vocabulary import SEOUL
from scheduler.service.settings import adaptive_bounds, interval_of

log = logging.getLogger(__name__)

# Textual reference, so the persistent job store can find the function again.
JOB_FUNCTION = "scheduler.service.jobs:run_source"
# When a run is productive the interval is halved (catch the follow-ups of a
# breaking story soon); when quiet it grows by half (back off gently). Failed
# runs leave it alone: a failure says nothing about how much news there is.
ADAPT_FASTER, ADAPT_SLOWER = 0.5, 1.5
# Jitter never exceeds this share of a source's period. Each period grows by
# U(0, jitter), so at 10 % a source runs on average at most 5 % less often than
# configured, and every schedule of 5 min or more keeps the default 30 s spread.
JITTER_SHARE_OF_PERIOD = 0.1
# Cron periods are read from this many upcoming gaps, the shortest counting:
# "0 9,18 * * *" has a 9 h and a 15 h gap.
CRON_GAPS_SAMPLED = 4


@dataclass
class Reconciled:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [
            f"{what} {', '.join(names)}"
            for what, names in (
                ("added", self.added),
                ("changed", self.changed),
                ("removed", self.removed),
            )
            if names
        ]
        return "; ".join(parts) or "no schedule changes"


def schedule_key(config: Config, source: Source) -> str:
    """Digest of everything that shapes a source's job (not its crawl settings)."""
    shape: dict[str, Any] = {
        "schedule": source.schedule
        if isinstance(source.schedule, str)
        else source.schedule.interval,
        "adaptive": adaptive_bounds(source),
        "jitter": jitter_of(config, source),
        "misfire": config.crawl.misfire_grace_time,
    }
    return hashlib.sha1(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


def build_trigger(source: Source, jitter: float, interval: float | None = None) -> BaseTrigger:
    """The source's trigger, its jitter capped at JITTER_SHARE_OF_PERIOD of its period."""
    seconds = interval if interval is not None else interval_of(source)
    if seconds is None:
        assert isinstance(source.schedule, str)
        cron = CronTrigger.from_crontab(source.schedule, timezone=SEOUL)
        # from_crontab() takes no jitter argument
        cron.jitter = capped_jitter(jitter, shortest_cron_gap(cron)) or None
        return cron
    return IntervalTrigger(seconds=seconds, timezone=SEOUL, jitter=capped_jitter(jitter, seconds))


def capped_jitter(jitter: float, period: float) -> float | None:
    """At most JITTER_SHARE_OF_PERIOD of the period; None (APScheduler's "no jitter") for 0."""
    return min(jitter, JITTER_SHARE_OF_PERIOD * period) or None


def shortest_cron_gap(cron: CronTrigger) -> float:
    """Seconds between the closest two of the next CRON_GAPS_SAMPLED + 1 fires."""
    fires: list[datetime] = []
    moment = datetime.now(SEOUL)
    for _ in range(CRON_GAPS_SAMPLED + 1):
        fire = cron.get_next_fire_time(fires[-1] if fires else None, moment)
        if fire is None:
            break
        fires.append(fire)
        moment = fire + timedelta(seconds=1)
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(fires)]
    return min(gaps, default=float("inf"))


def jitter_of(config: Config, source: Source) -> float:
    """The jitter the source's configured schedule gets: crawl.jitter, capped."""
    trigger = build_trigger(source, config.crawl.jitter)
    return float(getattr(trigger, "jitter", None) or 0.0)


def reconcile(scheduler: BaseScheduler, config: Config) -> Reconciled:
    report = Reconciled()
    existing = {job.id: job for job in scheduler.get_jobs(jobstore="default")}
    for source in config.sources:
        if not source.enabled:
            continue
        key = schedule_key(config, source)
        job = existing.pop(source.name, None)
        if job is not None and job.kwargs.get("key") == key:
            report.kept.append(source.name)
            continue
        # A source new to the job store crawls right away (within the jitter), not
        # one whole interval or cron period later: a fresh install or a newly added
        # source should show articles in minutes. Known sources keep their times.
        first: dict[str, Any] = {}
        if job is None:
            first["next_run_time"] = datetime.now(SEOUL) + timedelta(
                seconds=random.uniform(0, jitter_of(config, source))
            )
        scheduler.add_job(
            JOB_FUNCTION,
            build_trigger(source, config.crawl.jitter),
            id=source.name,
            name=source.name,
            kwargs={"source": source.name, "key": key},
            jobstore="default",
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=config.crawl.misfire_grace_time,
            **first,
        )
        (report.added if job is None else report.changed).append(source.name)
    for name in existing:
        scheduler.remove_job(name, jobstore="default")
        report.removed.append(name)
    return report


def current_interval(scheduler: BaseScheduler, name: str) -> float | None:
    job = scheduler.get_job(name, jobstore="default")
    if job is None or not isinstance(job.trigger, IntervalTrigger):
        return None
    return float(job.trigger.interval.total_seconds())


def adapt(
    scheduler: BaseScheduler, config: Config, source: Source, *, productive: bool
) -> float | None:
    """Shorten or lengthen an adaptive source's interval; the new interval, or None."""
    bounds = adaptive_bounds(source)
    now = current_interval(scheduler, source.name)
    if bounds is None or now is None:
        return now
    wanted = now * (ADAPT_FASTER if productive else ADAPT_SLOWER)
    new = min(max(wanted, bounds[0]), bounds[1])
    if abs(new - now) > 1e-6:
        trigger = build_trigger(source, config.crawl.jitter, new)
        scheduler.reschedule_job(source.name, jobstore="default", trigger=trigger)
        log.info("source %s: interval %.0f s -> %.0f s", source.name, now, new)
    return new


def window_opening(active_hours: str | None, now: datetime, jitter: float) -> datetime | None:
    """None when `now` is inside the window; else when the window next opens (plus jitter)."""
    if active_hours is None:
        return None
    start_text, end_text = active_hours.split("-")
    start, end = _clock(start_text), _clock(end_text)
    local = now.astimezone(SEOUL)
    clock = local.time()
    inside = start <= clock < end if start <= end else (clock >= start or clock < end)
    if inside:
        return None
    opening = datetime.combine(local.date(), start, tzinfo=SEOUL)
    if opening <= local:
        opening += timedelta(days=1)
    return opening + timedelta(seconds=random.uniform(0, jitter))


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    return time.max if hours == 24 else time(hours, minutes)
