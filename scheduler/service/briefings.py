"""The service's briefing jobs: one cron job per briefing with a `schedule`, kept in step
with the config at start and at every reload.

Jobs live in the in-memory job store: a briefing missed while the service was
down is not made late at start (a 7 a.m. report at noon misleads more than it
helps); with `period: since_last` the next one covers the gap, and the missed
one can be made and sent by hand (`newswatch brief NAME --since ... --send`).
A failed briefing is logged and never stops the timetable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from crawler.config import Config
from crawler.engine.client import EngineError, SearchStore
from crawler.vocabulary import SEOUL
from scheduler.briefing import archive
from scheduler.briefing.fonts import FontMissing
from scheduler.briefing.make import make_and_send
from scheduler.briefing.period import resolve_period

log = logging.getLogger(__name__)

JOB_PREFIX = "briefing:"


class BriefingJobs:
    def __init__(self, config: Callable[[], Config]) -> None:
        self._config = config

    def reconcile(self, scheduler: BaseScheduler) -> list[str]:
        """Add, replace or remove the briefing jobs; the names scheduled."""
        config = self._config()
        wanted = {b.name: b.schedule for b in config.briefings if b.schedule}
        for job in scheduler.get_jobs(jobstore="volatile"):
            if job.id.startswith(JOB_PREFIX) and job.id[len(JOB_PREFIX) :] not in wanted:
                scheduler.remove_job(job.id, jobstore="volatile")
        for name, schedule in wanted.items():
            scheduler.add_job(
                self.run,
                CronTrigger.from_crontab(schedule, timezone=SEOUL),
                args=(name,),
                id=f"{JOB_PREFIX}{name}",
                name=f"briefing {name}",
                jobstore="volatile",
                replace_existing=True,
                max_instances=1,
                coalesce=True,
            )
        return sorted(wanted)

    def run(self, name: str) -> None:
        config = self._config()
        settings = next((b for b in config.briefings if b.name == name), None)
        if settings is None:
            return  # removed by a reload while the job was due
        try:
            store = SearchStore.connect(config.search)
        except EngineError as exc:
            log.error("briefing %s not made: %s", name, exc)
            return
        try:
            now = datetime.now(SEOUL)
            last = archive.last_end(config.crawl.state_dir, store, name)
            start, end = resolve_period(settings, now, last_end=last)
            outcome = make_and_send(store, config, settings, start, end, now=now)
            if outcome.failed:
                log.error("briefing %s: not delivered to %s", name, ", ".join(outcome.failed))
        except (EngineError, FontMissing, OSError, ValueError) as exc:
            log.error("briefing %s failed: %s", name, exc)
        finally:
            store.close()
