"""Run history for `newswatch crawl`: a manual crawl is a run like a scheduled one.

As for the service (execute.py), each source's run is recorded `running`
before the crawl starts and finished after it, with trigger `manual`, so
`newswatch status` shows manual crawls, and a crawl killed half-way is
found `running` and recorded `interrupted` when the service next starts.
The service ships these rows to the runs index with its own.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from crawler.config import Config, Source
from scheduler.service.runs import RunHistory, RunRecord, RunStatus, now_utc
from scheduler.service.settings import ServicePaths

if TYPE_CHECKING:
    from crawler.reporting.summary import CrawlSummary


class ManualRuns:
    def __init__(self, config: Config, sources: Sequence[Source]) -> None:
        self._history = RunHistory(ServicePaths.of(config).runs_db)
        host, pid, started = socket.gethostname(), os.getpid(), now_utc()
        self.records = [
            RunRecord(uuid.uuid4().hex, s.name, s.type, started, "manual", host, pid=pid)
            for s in sources
        ]
        for record in self.records:
            self._history.begin(record)
            self._history.set_pid(record.run_id, pid)

    def finish(self, summary: CrawlSummary) -> None:
        """Each source's run as the crawl left it: ok, partial or failed."""
        ended = now_utc()
        for record in self.records:
            outcome = summary.outcomes.get(record.source)
            if outcome is None:
                self._end(record, "failed", "the source's spider did not start")
                continue
            record.ended, record.status = ended, outcome.status
            record.exit_code = 1 if outcome.status == "failed" else 0
            record.counts, record.errors_by_kind = outcome.counts, outcome.errors_by_kind
            record.failures, record.last_error = outcome.failures, outcome.describe()
            self._history.finish(record)
        self._history.close()

    def abort(self, status: RunStatus, error: str) -> None:
        """The crawl raised or was interrupted: every run ends so, with the reason."""
        for record in self.records:
            self._end(record, status, error)
        self._history.close()

    def _end(self, record: RunRecord, status: RunStatus, error: str) -> None:
        record.ended, record.status, record.last_error = now_utc(), status, error
        record.exit_code = 1
        self._history.finish(record)
