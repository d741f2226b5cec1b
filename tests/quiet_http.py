"""The base of every loopback HTTP server the tests and benchmarks start."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler without the per-request access log.

    `BaseHTTPRequestHandler` writes one stderr line per request; pytest shows a
    failing test's stderr, where hundreds of such lines from a crawl would bury
    the failure. What the tests need to know about requests they record
    themselves (e.g. `FixtureSite.fetched_paths`).
    """

    def log_message(self, format: str, *args: object) -> None:
        return
