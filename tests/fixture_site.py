"""A small Korean news site served for real on 127.0.0.1 (port 0) for crawl tests.

Articles are generated from data (`SiteArticle`), so tests can add one while
the site runs ("a new article appears"). The site serves an RSS feed with
ETag/Last-Modified (304 when unchanged), a sitemap index and urlset with
lastmod, robots.txt (with a Sitemap line and a Disallow), a list page, an
EUC-KR page, a page that hangs (bounded), and a redirect to 127.0.0.2.
"""

from __future__ import annotations

import email.utils
import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# How long /slow.html holds the connection before giving up by itself: longer than
# any crawl timeout used in tests, short enough that a forgotten server stops.
SLOW_PAGE_SECONDS = 30.0


@dataclass
class SiteArticle:
    slug: str
    title: str
    paragraphs: list[str]
    published: datetime
    author: str = "김민수 기자"
    section: str = "지역"
    charset: str = "utf-8"


@dataclass
class Route:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class FixtureSite:
    def __init__(self, articles: list[SiteArticle] | None = None, name: str = "테스트일보") -> None:
        self.name = name
        self.articles: list[SiteArticle] = list(articles or [])
        self.hits: list[str] = []
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with site.lock:
                    site.hits.append(self.path)
                route = site.route(self.path, dict(self.headers))
                if route is None:
                    route = Route(404, b"not found", {"content-type": "text/plain"})
                if route.status == -1:  # the page that never finishes
                    self.send_response(200)
                    self.send_header("content-type", "text/html; charset=utf-8")
                    self.send_header("content-length", "1000000")
                    self.end_headers()
                    deadline = time.monotonic() + SLOW_PAGE_SECONDS
                    try:
                        while time.monotonic() < deadline:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            time.sleep(0.5)
                    except OSError:
                        pass
                    return
                self.send_response(route.status)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FixtureSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add(self, article: SiteArticle) -> None:
        with self.lock:
            self.articles.append(article)

    def article_url(self, slug: str) -> str:
        return f"{self.url}/news/{slug}.html"

    def fetched_paths(self) -> list[str]:
        with self.lock:
            return list(self.hits)

    # -- routing ----------------------------------------------------------------
    def route(self, path: str, headers: dict[str, str]) -> Route | None:
        path = path.split("?", 1)[0]
        with self.lock:
            articles = list(self.articles)
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: /private/\nSitemap: {self.url}/sitemap_index.xml\n"
            return Route(200, body.encode(), {"content-type": "text/plain"})
        if path == "/rss.xml":
            return self.feed(articles, headers)
        if path == "/sitemap_index.xml":
            return _xml(
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{self.url}/sitemap.xml</loc></sitemap></sitemapindex>"
            )
        if path == "/sitemap.xml":
            urls = "".join(
                f"<url><loc>{self.article_url(a.slug)}</loc>"
                f"<lastmod>{a.published.isoformat()}</lastmod></url>"
                for a in articles
            )
            return _xml(
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            )
        if path == "/list.html":
            links = "".join(
                f'<li><a href="/news/{a.slug}.html">{html.escape(a.title)}</a></li>'
                for a in articles
            )
            links += '<li><a href="/private/secret.html">비공개</a></li>'
            links += '<li><a href="/about.html">회사 소개</a></li>'
            return _html(f"<html><body><ul>{links}</ul></body></html>")
        if path == "/slow.html":
            return Route(-1, b"")
        if path == "/redirect-out.html":
            target = f"http://127.0.0.2:{self.port}/news/elsewhere.html"
            return Route(302, b"", {"location": target})
        for article in articles:
            if path == f"/news/{article.slug}.html":
                return self.article_page(article)
        if path.startswith("/private/"):
            return _html("<html><body><p>robots.txt forbids this page.</p></body></html>")
        return None

    def feed(self, articles: list[SiteArticle], headers: dict[str, str]) -> Route:
        items = "".join(
            f"<item><title>{html.escape(a.title)}</title>"
            f"<link>{self.article_url(a.slug)}</link>"
            f"<pubDate>{email.utils.format_datetime(a.published)}</pubDate></item>"
            for a in articles
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{self.name}</title><link>{self.url}/</link>{items}</channel></rss>"
        ).encode()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if headers.get("If-None-Match") == etag:
            return Route(304, b"", {"etag": etag})
        return Route(200, body, {"content-type": "application/rss+xml", "etag": etag})

    def article_page(self, a: SiteArticle) -> Route:
        stamp = a.published.strftime("%Y.%m.%d %H:%M")
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in a.paragraphs)
        page = f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="{a.charset}">
<title>{html.escape(a.title)} - {self.name}</title>
<meta property="og:title" content="{html.escape(a.title)}">
<meta property="og:site_name" content="{self.name}">
<meta property="article:published_time" content="{a.published.isoformat()}">
<link rel="canonical" href="{self.article_url(a.slug)}">
</head><body>
<nav><a href="/">홈</a> <a href="/list.html">전체기사</a></nav>
<article>
<h1>{html.escape(a.title)}</h1>
<div class="byline">{html.escape(a.author)} | 입력 {stamp}</div>
<div id="article-view-content-div" itemprop="articleBody">{paragraphs}</div>
<p class="copyright">무단전재 및 재배포 금지</p>
</article>
<footer>{self.name} · 서울시 중구</footer>
</body></html>"""
        content_type = f"text/html; charset={a.charset}"
        return Route(200, page.encode(a.charset), {"content-type": content_type})


def _xml(text: str) -> Route:
    return Route(200, text.encode(), {"content-type": "application/xml"})


def _html(text: str) -> Route:
    return Route(200, text.encode(), {"content-type": "text/html; charset=utf-8"})
