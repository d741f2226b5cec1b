"""Alerts: watches as percolator queries, sweeps over new articles, notifications once per story.

Public surface (what the scheduler and the CLI call):
- `sync_watches(store, config) -> SyncReport` — make the percolator index match the config.
- `run_sweep(store, config, state_dir, now=None) -> SweepReport` — one sweep.
- `parse_watch_query` / `WatchSyntaxError` — the watch syntax (config validation uses it).
"""

from __future__ import annotations

from crawler.query.syntax import WatchSyntaxError, parse_watch_query
from scheduler.alerts.sweep import AlertsNotReady, SweepReport, SweepSettings, run_sweep
from scheduler.alerts.watches import SyncReport, sync_watches

__all__ = [
    "AlertsNotReady",
    "SweepReport",
    "SweepSettings",
    "SyncReport",
    "WatchSyntaxError",
    "parse_watch_query",
    "run_sweep",
    "sync_watches",
]
