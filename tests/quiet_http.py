"""The base of every loopback HTTP server the tests and benchmarks start."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler without the per-request access log.

    `BaseHTTPRequestHandler` writes one stderr line per request; pytest shows a
    failing test's stderr, where hundreds of such lines from a crawl would bury
    the failure. What the tests need to know about requests they record
    themselves (e.g. `FixtureSite.fetched_paths`).
    """

    def log_message(self, format: str, *args: object) -> None:
        return


class LoopbackServer:
    """A threaded HTTP server on a free port of a loopback address, served inside `with`."""

    httpd: ThreadingHTTPServer
    port: int
    url: str

    def listen(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> None:
        self.httpd = ThreadingHTTPServer((host, 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
