"""A loopback server (127.0.0.1, port 0) answering from a function: hostile inputs.

Each test passes `route(path, site_url) -> Route | None` (None: 404) and reads the paths it
was asked for; the fixture news site (tests/fixture_site.py) stays a news site.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer

from tests.fixture_site import Route
from tests.quiet_http import QuietHandler

Router = Callable[[str, str], "Route | None"]


class HostileSite:
    def __init__(self, route: Router) -> None:
        self.hits: list[str] = []
        self.lock = threading.Lock()
        site = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with site.lock:
                    site.hits.append(self.path)
                answer = route(self.path, site.url) or Route(
                    404, b"not found", {"content-type": "text/plain"}
                )
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HostileSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fetched_paths(self) -> list[str]:
        with self.lock:
            return list(self.hits)


def xml(text: str) -> Route:
    return Route(200, text.encode(), {"content-type": "application/xml"})


def sitemap_index(urls: list[str]) -> Route:
    items = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return xml(
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
    )


def urlset(urls: list[str]) -> Route:
    items = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return xml(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>')
