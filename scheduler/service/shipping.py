"""Send finished runs from the local history to the runs index (its alias: RUNS_ALIAS).

Runs are indexed with `_id = run_id`, so a run sent twice (a crash between
sending and marking it shipped) is one document. Nothing is sent while the
alias does not exist: indexing into a missing alias would create a plain
index of that name, which `newswatch setup` then refuses to manage.
"""

from __future__ import annotations

import logging
import threading

from crawler.config import SearchConfig
from crawler.engine.bulk import send
from crawler.engine.client import EngineError, EngineUnreachable, SearchStore
from crawler.engine.indices import RUNS_ALIAS
from scheduler.service.outage import EngineOutage
from scheduler.service.runs import RunHistory

log = logging.getLogger(__name__)

# Runs per bulk request; a run document is < 1 KB, 200 is one small request.
SHIP_BATCH = 200


class RunShipper:
    def __init__(
        self, history: RunHistory, search: SearchConfig, outage: EngineOutage | None = None
    ) -> None:
        self._history = history
        self._search = search
        self._outage = outage or EngineOutage()
        self._busy = threading.Lock()
        self._warned_missing = False

    def ship(self, *, quick: bool = False) -> int:
        """Ship what is waiting; the number of runs shipped. Never raises for the engine.

        `quick`: one attempt, no retries (at shutdown, where the deadline matters more).
        """
        if not self._busy.acquire(blocking=False):
            return 0  # another thread is shipping; it will take these runs too
        try:
            return self._ship(quick)
        except EngineUnreachable as exc:
            self._outage.failed("runs not shipped (kept locally, retried later)", exc)
            return 0
        except EngineError as exc:
            log.info("runs not shipped (kept locally, retried later): %s", exc)
            return 0
        finally:
            self._busy.release()

    def _ship(self, quick: bool) -> int:
        runs = self._history.unshipped(SHIP_BATCH)
        if not runs:
            return 0
        settings = self._search.model_copy(update={"max_retries": 0}) if quick else self._search
        store = SearchStore.connect(settings)
        self._outage.reached()
        try:
            if store.request("GET", f"/_alias/{RUNS_ALIAS}", ignore=(404,)) is None:
                if not self._warned_missing:
                    log.warning(
                        "alias %s does not exist; run `newswatch setup`; runs are kept "
                        "locally until then",
                        RUNS_ALIAS,
                    )
                    self._warned_missing = True
                return 0
            actions = [
                {
                    "_op_type": "index",
                    "_index": RUNS_ALIAS,
                    "_id": run.run_id,
                    "_source": run.to_document(),
                }
                for run in runs
            ]
            shipped = [item.doc_id for item in send(store, actions) if item.ok]
        finally:
            store.close()
        self._history.mark_shipped(shipped)
        if len(shipped) < len(runs):
            log.warning(
                "%d of %d runs refused by the engine; retried later",
                len(runs) - len(shipped),
                len(runs),
            )
        return len(shipped)
