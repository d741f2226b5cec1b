"""A loopback server (127.0.0.1, port 0) answering from a function: hostile inputs.

Each test passes `route(path, site_url) -> Route | None` (None: 404) and reads the paths it
was asked for; the fixture news site (tests/fixture_site.py) stays a news site.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

from tests.fixture_site import Route
from tests.quiet_http import LoopbackServer, QuietHandler

Router = Callable[[str, str], "Route | None"]


class HostileSite(LoopbackServer):
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

        self.listen(Handler)

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


# Oversized pages (make bench-bigpage, tests/e2e/test_crawl_hostile.py): under the
# default crawl.max_page_bytes (10 MB), over extraction's 2 MB cut.
BIG_TEXT_BYTES = 8_500_000
BIG_HEAD_BYTES = 8_800_000
LEAD = (
    "대구시는 스마트시티 협력을 위해 중국 항저우 알리바바 본사를 방문해 시티브레인 교통 사업을"
    " 살펴보고 업무협약 체결을 논의했다고 밝혔다."
)


def korean_words(rng: random.Random, count: int) -> str:
    """Random two-to-four-syllable Hangul words: text whose shingles do not repeat."""
    words = (
        "".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(rng.randint(2, 4)))
        for _ in range(count)
    )
    return " ".join(words)


def big_text_page(rng: random.Random) -> bytes:
    paragraphs = [f"<p>{LEAD}</p>"]
    size = 0
    while size < BIG_TEXT_BYTES:
        paragraph = f"<p>{korean_words(rng, 60)}.</p>\n"
        paragraphs.append(paragraph)
        size += len(paragraph.encode())
    body = "".join(paragraphs)
    return page("<title>대구시 스마트시티 협력</title>", f"<article>{body}</article>")


def big_head_page(rng: random.Random) -> bytes:
    script = "var data = %s;" % ("[" + ",".join(str(rng.random()) for _ in range(20_000)) + "]")
    scripts = []
    while sum(map(len, scripts)) < BIG_HEAD_BYTES:
        scripts.append(f"<script>{script}</script>\n")
    body = "".join(f"<p>{LEAD} {korean_words(rng, 40)}.</p>" for _ in range(8))
    title = "<title>대구시 항저우 방문</title>"
    return page(title + "".join(scripts), f"<article><h1>대구시 항저우 방문</h1>{body}</article>")


def page(head: str, body: str) -> bytes:
    html = f'<!doctype html><html lang="ko"><head><meta charset="utf-8">{head}</head>'
    return f"{html}<body>{body}</body></html>".encode()
