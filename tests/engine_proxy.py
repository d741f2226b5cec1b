"""A forwarding HTTP proxy on 127.0.0.1 (port 0) in front of the real engine, that can
"stop the engine" in the middle of a crawl: after a chosen number of bulk requests it
stops listening (connections are refused, as from a stopped node) until `start()`.

Only loopback: the upstream must be the local test engine. Every request and its
outcome is recorded, so a test can tell what reached the engine.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.quiet_http import QuietHandler

# Per forwarded request; a local bulk of a few documents takes milliseconds.
UPSTREAM_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ProxiedRequest:
    method: str
    path: str
    status: int | None  # None: refused (the proxy was going down)


class EngineProxy:
    def __init__(
        self,
        upstream: str,
        *,
        stop_after_bulks: int | None = None,
        on_bulk: Callable[[int], None] | None = None,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.hostname != "127.0.0.1" or parts.port is None:
            raise ValueError(f"the proxy forwards to a loopback engine only, not {upstream}")
        self.upstream_host: str = parts.hostname
        self.upstream_port: int = parts.port
        # After this many bulk requests were forwarded, the proxy stops by itself (once).
        self.stop_after_bulks = stop_after_bulks
        # Called with the bulk request's number (1, 2, ...) once the engine answered it,
        # before the answer is passed on: e.g. to write-block the index mid-crawl.
        self.on_bulk = on_bulk
        self.bulks_answered = 0
        self.tripped = False
        self.requests: list[ProxiedRequest] = []
        self.lock = threading.Lock()
        self.down = False
        self.port = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bulk_requests(self) -> list[ProxiedRequest]:
        with self.lock:
            return [r for r in self.requests if r.path.split("?")[0].endswith("/_bulk")]

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> None:
        """Listen (again, on the same port once one was chosen): the engine is back."""
        with self.lock:
            self.down = False
        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        httpd.daemon_threads = True
        self.port = int(httpd.server_address[1])
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: new connections are refused, open ones are closed unanswered."""
        with self.lock:
            self.down = True
            httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()

    def __enter__(self) -> EngineProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- forwarding ---------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                with proxy.lock:
                    down = proxy.down
                if down:
                    # A keep-alive connection opened before the stop: drop it unanswered.
                    with proxy.lock:
                        proxy.requests.append(ProxiedRequest(self.command, self.path, None))
                    self.close_connection = True
                    return
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "connection", "content-length")
                }
                upstream = http.client.HTTPConnection(
                    proxy.upstream_host, proxy.upstream_port, timeout=UPSTREAM_TIMEOUT_SECONDS
                )
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                finally:
                    upstream.close()
                if proxy.on_bulk is not None and self.path.split("?")[0].endswith("/_bulk"):
                    with proxy.lock:
                        proxy.bulks_answered += 1
                        number = proxy.bulks_answered
                    proxy.on_bulk(number)
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("connection", "content-length", "transfer-encoding"):
                        self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                self.wfile.flush()
                proxy._record(ProxiedRequest(self.command, self.path, answer.status))

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        return Handler

    def _record(self, request: ProxiedRequest) -> None:
        with self.lock:
            self.requests.append(request)
            bulks = sum(1 for r in self.requests if r.path.split("?")[0].endswith("/_bulk"))
            going_down = (
                not self.tripped
                and self.stop_after_bulks is not None
                and bulks >= self.stop_after_bulks
            )
            if going_down:
                self.tripped = True
                self.down = True  # from now on, requests are dropped unanswered
        if going_down:
            # Not from this handler thread's own call stack: shutdown() waits for serve_forever.
            threading.Thread(target=self.stop, daemon=True).start()
