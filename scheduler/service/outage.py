"""An engine outage, told once when it starts and once when it ends.

The service talks to the engine from alert sweeps (every 10 s) and run
shipping (every 30 s); while it is down every one of those fails. Logging each
failure buried the log in identical WARNINGs, so the parts that talk to the
engine report here: the first failure is a WARNING, the first success after it
an INFO line with the outage's length, everything between is DEBUG.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)


class EngineOutage:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def failed(self, what: str, error: Exception) -> None:
        """`what` (e.g. "alert sweep") could not reach the engine."""
        with self._lock:
            starting, self._since = self._since is None, self._since or time.monotonic()
        if starting:
            log.warning(
                "%s: %s; alert sweeps and run shipping wait for the engine and retry quietly "
                "(crawls spool their articles); a line follows when it is back",
                what,
                error,
            )
        else:
            log.debug("%s: engine still down: %s", what, error)

    def reached(self) -> None:
        """The engine answered."""
        with self._lock:
            since, self._since = self._since, None
        if since is not None:
            log.info("search engine is back after %.0f s of outage", time.monotonic() - since)
