"""Prometheus metrics and the /metrics + /healthz endpoint.

A registry of our own (not prometheus-client's global one) so tests and two
services in one process never share counters. Counters restart at zero with
the service, as Prometheus expects; `last success` is seeded from the local
history so a restart does not look like a source that never succeeded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from scheduler.service.runs import RunRecord

log = logging.getLogger(__name__)

# Run durations from a feed's 2 s to the 30 min default timeout.
DURATION_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600)
DELIVERY_RESULTS = ("sent", "failed", "deferred", "uncertain")


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.runs = Counter("newswatch_runs", "Finished runs", ["source", "status"], registry=r)
        self.skipped = Counter(
            "newswatch_runs_skipped",
            "Fires not run (still running, missed, outside active hours)",
            ["source", "reason"],
            registry=r,
        )
        self.pages = Counter("newswatch_pages_fetched", "Pages fetched", ["source"], registry=r)
        self.indexed = Counter(
            "newswatch_articles_indexed", "Articles indexed", ["source"], registry=r
        )
        self.errors = Counter("newswatch_errors", "Errors by kind", ["source", "kind"], registry=r)
        self.duration = Histogram(
            "newswatch_run_duration_seconds",
            "Run duration",
            ["source"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.last_success = Gauge(
            "newswatch_last_success_timestamp_seconds",
            "End of the last successful run",
            ["source"],
            registry=r,
        )
        self.spool = Gauge(
            "newswatch_spool_pending_actions", "Bulk actions waiting in the spool", registry=r
        )
        self.running = Gauge("newswatch_running_crawls", "Crawls running now", registry=r)
        self.flagged = Gauge(
            "newswatch_source_flagged",
            "1 when a source is flagged",
            ["source", "reason"],
            registry=r,
        )
        self.interval = Gauge(
            "newswatch_source_interval_seconds", "Current interval", ["source"], registry=r
        )
        self.deliveries = Counter(
            "newswatch_alert_deliveries",
            "Alert deliveries tried by the service's sweeps: sent, failed (queued for a retry), "
            "deferred (its channel failed earlier in the same sweep), uncertain (an attempt "
            "interrupted by a crash on a channel without an idempotency key: not re-sent)",
            ["result"],
            registry=r,
        )
        for result in DELIVERY_RESULTS:
            self.deliveries.labels(result)  # exported at 0 from the start
        self.queued = Gauge(
            "newswatch_alert_deliveries_queued",
            "Alert deliveries waiting for a first try or a retry, after the last sweep",
            registry=r,
        )

    def observe_deliveries(
        self, sent: int, failed: int, deferred: int, uncertain: int, queued: int
    ) -> None:
        counts = (sent, failed, deferred, uncertain)
        for result, count in zip(DELIVERY_RESULTS, counts, strict=True):
            self.deliveries.labels(result).inc(count)
        self.queued.set(queued)

    def observe(self, run: RunRecord) -> None:
        self.runs.labels(run.source, run.status).inc()
        self.pages.labels(run.source).inc(run.counts.get("fetched", 0))
        self.indexed.labels(run.source).inc(run.counts.get("indexed", 0))
        for kind, count in run.errors_by_kind.items():
            self.errors.labels(run.source, kind).inc(count)
        if run.status in ("timeout", "crashed"):
            self.errors.labels(run.source, f"run_{run.status}").inc()
        if run.duration is not None:
            self.duration.labels(run.source).observe(run.duration)
        if run.status == "ok" and run.ended is not None:
            self.last_success.labels(run.source).set(run.ended.timestamp())


class MetricsServer:
    """GET /metrics (Prometheus text format) and GET /healthz (200 when healthy, else 503)."""

    def __init__(
        self, metrics: ServiceMetrics, healthy: Callable[[], tuple[bool, str]], host: str, port: int
    ) -> None:
        registry = metrics.registry

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] == "/metrics":
                    self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
                elif self.path.split("?")[0] == "/healthz":
                    ok, why = healthy()
                    self._send(200 if ok else 503, why.encode() + b"\n", "text/plain")
                else:
                    self._send(404, b"not found\n", "text/plain")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="metrics", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
