"""A small Korean news site served for real on 127.0.0.1 (port 0) for crawl tests.

Articles are generated from data (`SiteArticle`), so tests can add one while
the site runs ("a new article appears") or edit one ("an article changes":
new paragraphs and a `modified` time, which the feed and sitemap report). The
site serves an RSS feed with ETag/Last-Modified (304 when unchanged), a
sitemap index and urlset with lastmod, robots.txt (with a Sitemap line and a
Disallow), a list page, an EUC-KR page, a page that hangs (bounded), and a
redirect to 127.0.0.2.

Faults, linked only from `/faults.html` and `/faults-rss.xml` (so the plain
list page and feed stay as they were): a page that is gone (404), one that
always fails (500), one that is always rate-limited (429, `Retry-After: 1`),
pages rate-limited once (`throttle_once`), a redirect loop
(/loop-a.html → /loop-b.html → /loop-a.html), a gzip bomb (`BOMB_INFLATED_BYTES`
of zeros in a small gzip body), a Naver-blog-like outer frame whose iframe
`mainFrame` points at a PostView page on this host, and links to
`outside_url` (a server on 127.0.0.2 that crawls must never reach), directly
and through a redirect. Articles with `layout="tistory"` are rendered as a
Tistory blog post (at /entry/<slug>).
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import hashlib
import html
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from tests.quiet_http import LoopbackServer, QuietHandler

# How long /slow.html holds the connection before giving up by itself: longer than
# any crawl timeout used in tests, short enough that a forgotten server stops.
SLOW_PAGE_SECONDS = 30.0

# The gzip bomb: this many zero bytes once inflated, sent as a ~250 kB gzip
# body. Far above any `crawl.max_page_bytes` a test sets (1 MB), and above the
# crawler's whole resident size, so inflating it would show in the process's
# peak memory. Built once per test session (~1.5 s of zlib).
# 512 MB: well above a crawl's own peak with its extraction pool (~260 MB), so a peak
# below it shows the bomb was refused, not inflated.
BOMB_INFLATED_BYTES = 512 * 1024 * 1024

# Fault pages (paths on the fixture site).
MISSING_PATH = "/news/deleted.html"  # 404
BROKEN_PATH = "/news/broken.html"  # always 500
BUSY_PATH = "/news/busy.html"  # always 429 with Retry-After: 1
LOOP_PATHS = ("/loop-a.html", "/loop-b.html")  # redirect to each other
BOMB_PATH = "/news/bomb.html"  # gzip bomb
REDIRECT_AWAY_PATH = "/redirect-away.html"  # 302 to outside_url
NAVER_BLOG_ID = "smartbusan_lab"
NAVER_LOG_NO = "223351234567"
NAVER_FRAME_PATH = f"/naver/{NAVER_BLOG_ID}/{NAVER_LOG_NO}"  # outer frame page
NAVER_POSTVIEW_PATH = f"/PostView.naver?blogId={NAVER_BLOG_ID}&logNo={NAVER_LOG_NO}"
OUTSIDE_PATHS = ("/news/outside.html", "/news/away.html")  # on outside_url

Layout = Literal["news", "tistory"]


@dataclass
class SiteArticle:
    slug: str
    title: str
    paragraphs: list[str]
    published: datetime
    author: str = "김민수 기자"
    section: str = "지역"
    charset: str = "utf-8"
    # When set, the feed (atom:updated), the sitemap (lastmod) and the page say it changed.
    modified: datetime | None = None
    layout: Layout = "news"
    # The page's rel=canonical href when it should differ from the article's URL
    # (e.g. the same path with tracking parameters); default: the URL itself.
    canonical: str | None = None
    # A blog repost's source line: (outlet, URL of the original), "출처: 내일신문 [기사 원문]".
    cites: tuple[str, str] | None = None

    @property
    def path(self) -> str:
        return f"/entry/{self.slug}" if self.layout == "tistory" else f"/news/{self.slug}.html"

    @property
    def lastmod(self) -> datetime:
        return self.modified or self.published


@dataclass
class Route:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class FixtureSite(LoopbackServer):
    def __init__(
        self,
        articles: list[SiteArticle] | None = None,
        name: str = "테스트일보",
        *,
        outside_url: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.name = name
        self.articles: list[SiteArticle] = list(articles or [])
        self.hits: list[str] = []
        self.lock = threading.Lock()
        # A server the crawler must never reach (127.0.0.2, not in allow_hosts).
        self.outside_url = outside_url
        # Paths whose first request answers 429 with Retry-After: 1.
        self._throttle_once: set[str] = set()
        site = self

        class Handler(QuietHandler):
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
                    # The crawler hanging up (its timeout, the test's end) is the
                    # expected way out, not an error of the fixture.
                    with contextlib.suppress(OSError):
                        while time.monotonic() < deadline:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            time.sleep(0.5)
                    return
                self.send_response(route.status)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

        self.listen(Handler, host)

    def add(self, article: SiteArticle) -> None:
        with self.lock:
            self.articles.append(article)

    def replace(self, article: SiteArticle) -> None:
        """Swap the article with the same slug for `article` (an edit on the live site)."""
        with self.lock:
            slugs = [a.slug for a in self.articles]
            self.articles[slugs.index(article.slug)] = article

    def throttle_once(self, path: str) -> None:
        """The next request for `path` answers 429 with `Retry-After: 1`, later ones as usual."""
        with self.lock:
            self._throttle_once.add(path)

    def article_url(self, slug: str) -> str:
        with self.lock:
            found = [a for a in self.articles if a.slug == slug]
        path = found[0].path if found else f"/news/{slug}.html"
        return f"{self.url}{path}"

    def fetched_paths(self) -> list[str]:
        with self.lock:
            return list(self.hits)

    def fault_links(self) -> list[str]:
        """Every fault this site can show, as absolute URLs (what /faults.html links to)."""
        links = [
            self.url + path
            for path in (MISSING_PATH, BROKEN_PATH, BUSY_PATH, LOOP_PATHS[0], BOMB_PATH)
        ]
        links.append(self.url + NAVER_FRAME_PATH)
        if self.outside_url:
            links.append(self.outside_url + OUTSIDE_PATHS[0])
            links.append(self.url + REDIRECT_AWAY_PATH)
        return links

    # -- routing ----------------------------------------------------------------
    def route(self, path: str, headers: dict[str, str]) -> Route | None:
        query = parse_qs(urlsplit(path).query)
        path = path.split("?", 1)[0]
        with self.lock:
            articles = list(self.articles)
            if path in self._throttle_once:
                self._throttle_once.discard(path)
                return Route(429, b"slow down", {"retry-after": "1", "content-type": "text/plain"})
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
                f"<url><loc>{self.url}{a.path}</loc>"
                f"<lastmod>{a.lastmod.isoformat()}</lastmod></url>"
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
            if path == article.path:
                return self.article_page(article)
        if path.startswith("/private/"):
            return _html("<html><body><p>robots.txt forbids this page.</p></body></html>")
        return self.fault_route(path, query, articles, headers)

    def fault_route(
        self,
        path: str,
        query: dict[str, list[str]],
        articles: list[SiteArticle],
        headers: dict[str, str],
    ) -> Route | None:
        if path == "/faults.html":
            links = [self.url + a.path for a in articles] + self.fault_links()
            items = "".join(f'<li><a href="{html.escape(u)}">링크</a></li>' for u in links)
            return _html(f"<html><body><h1>전체 기사</h1><ul>{items}</ul></body></html>")
        if path == "/faults-rss.xml":
            return self.feed(articles, headers, extra_links=self.fault_links())
        if path == BROKEN_PATH:
            return Route(500, b"internal error", {"content-type": "text/plain"})
        if path == BUSY_PATH:
            return Route(429, b"slow down", {"retry-after": "1", "content-type": "text/plain"})
        if path in LOOP_PATHS:
            other = LOOP_PATHS[1 - LOOP_PATHS.index(path)]
            return Route(302, b"", {"location": self.url + other})
        if path == BOMB_PATH:
            return Route(
                200,
                gzip_bomb(),
                {"content-type": "text/html; charset=utf-8", "content-encoding": "gzip"},
            )
        if path == REDIRECT_AWAY_PATH and self.outside_url:
            return Route(302, b"", {"location": self.outside_url + OUTSIDE_PATHS[1]})
        if path == NAVER_FRAME_PATH:
            return self.naver_frame_page()
        if path == "/PostView.naver" and query.get("logNo") == [NAVER_LOG_NO]:
            return self.naver_postview_page()
        return None

    def feed(
        self,
        articles: list[SiteArticle],
        headers: dict[str, str],
        extra_links: Sequence[str] = (),
    ) -> Route:
        items = "".join(
            f"<item><title>{html.escape(a.title)}</title>"
            f"<link>{self.url}{a.path}</link>"
            f"<pubDate>{email.utils.format_datetime(a.published)}</pubDate>"
            + (f"<atom:updated>{a.modified.isoformat()}</atom:updated>" if a.modified else "")
            + "</item>"
            for a in articles
        )
        items += "".join(
            f"<item><title>링크</title><link>{html.escape(u)}</link></item>" for u in extra_links
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            f"<title>{self.name}</title><link>{self.url}/</link>{items}</channel></rss>"
        ).encode()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if headers.get("If-None-Match") == etag:
            return Route(304, b"", {"etag": etag})
        return Route(200, body, {"content-type": "application/rss+xml", "etag": etag})

    def article_page(self, a: SiteArticle) -> Route:
        if a.layout == "tistory":
            return self.tistory_page(a)
        stamp = a.published.strftime("%Y.%m.%d %H:%M")
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in a.paragraphs)
        page = f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="{a.charset}">
<title>{html.escape(a.title)} - {self.name}</title>
<meta property="og:title" content="{html.escape(a.title)}">
<meta property="og:site_name" content="{self.name}">
<meta property="article:published_time" content="{a.published.isoformat()}">
<link rel="canonical" href="{html.escape(a.canonical or self.article_url(a.slug))}">
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

    def tistory_page(self, a: SiteArticle) -> Route:
        """A Tistory post (skin markup, `meta name=by`), on this host as on a custom domain."""
        stamp = a.published.strftime("%Y. %m. %d. %H:%M")
        paragraphs = '<p data-ke-size="size16">&nbsp;</p>'.join(
            f"<p>{html.escape(p)}</p>" for p in a.paragraphs
        )
        if a.cites:
            outlet, original = (html.escape(part) for part in a.cites)
            paragraphs += f'<p>출처: {outlet} <a href="{original}">기사 원문 보기</a></p>'

        page = f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8">
<title>{html.escape(a.title)}</title>
<meta name="by" content="TISTORY">
<meta property="og:type" content="article">
<meta property="og:site_name" content="스마트시티 다이어리">
<meta property="og:title" content="{html.escape(a.title)}">
<link rel="canonical" href="{self.url}{a.path}">
</head><body id="tt-body-page"><div id="wrap">
<header id="header"><h1><a href="/">스마트시티 다이어리</a></h1></header>
<div id="content"><div class="article">
<div class="hgroup"><div class="category"><a href="/category">카테고리 없음</a></div>
<h1>{html.escape(a.title)}</h1>
<div class="post-meta"><span class="author">{html.escape(a.author)}</span>
<span class="date">{stamp}</span></div></div>
<div class="entry-content"><div class="tt_article_useless_p_margin">{paragraphs}</div>
<div class="container_postbtn"><button class="btn_post">공감</button></div>
<div class="another_category"><h4>다른 글</h4></div></div>
<div class="tags">태그 <a href="/tag/스마트시티">스마트시티</a></div>
</div></div>
<footer id="footer"><p>Designed by TISTORY.</p></footer>
</div></body></html>"""
        return _html(page)

    def naver_frame_page(self) -> Route:
        """Naver Blog's outer page: no post text, only the iframe `mainFrame` with the post."""
        src = html.escape(NAVER_POSTVIEW_PATH + "&redirect=Dlog&widgetTypeCall=true")
        page = f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8">
<title>부산시, 싱가포르와 스마트 항만도시 협력 MOU 체결 : 네이버 블로그</title>
</head><body>
<div id="hiddenFrame"></div>
<iframe id="mainFrame" name="mainFrame" src="{src}" frameborder="0"
 title="메인 본문 영역" style="width:100%;height:100%"></iframe>
</body></html>"""
        return _html(page)

    def naver_postview_page(self) -> Route:
        """The post behind the frame (Smart Editor ONE markup)."""
        paragraphs = (
            "(부산=연합뉴스) 김상민 기자 = 부산시가 싱가포르 정부와 스마트 항만도시 조성을 위한 "
            "협력에 나선다.",
            "부산시는 14일 싱가포르 스마트국가디지털정부청과 스마트시티 분야 업무협약(MOU)을 "
            "체결했다고 밝혔다.",
            "양측은 항만 물류 데이터 공유 플랫폼 구축과 디지털 트윈 공동 실증을 추진하기로 했다.",
        )
        body = "".join(
            '<div class="se-component se-text"><div class="se-module se-module-text">'
            f'<p class="se-text-paragraph"><span>{html.escape(p)}</span></p></div></div>'
            for p in paragraphs
        )
        page = f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="UTF-8">
<title>부산시, 싱가포르와 스마트 항만도시 협력 MOU 체결 : 네이버 블로그</title>
<meta property="og:title" content="부산시, 싱가포르와 스마트 항만도시 협력 MOU 체결">
<meta property="og:site_name" content="네이버 블로그 | 스마트부산 연구노트">
</head><body class="se_body"><div class="blog2_container"><div class="se-viewer">
<div class="se-component se-documentTitle">
<div class="se-module se-module-text se-title-text"><p><span>부산시, 싱가포르와 스마트 항만도시
 협력 MOU 체결</span></p></div>
<span class="writer"><span class="nick">부산도시연구자</span></span>
<span class="se_publishDate">2024. 2. 14. 18:05</span></div>
<div class="se-main-container">{body}</div></div></div></body></html>"""
        return _html(page)


@functools.cache
def gzip_bomb() -> bytes:
    """`BOMB_INFLATED_BYTES` of zeros, gzipped (one member, ~1000:1); built once."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [packer.compress(zeros) for _ in range(BOMB_INFLATED_BYTES >> 20)]
    parts.append(packer.flush())
    return b"".join(parts)


def _xml(text: str) -> Route:
    return Route(200, text.encode(), {"content-type": "application/xml"})


def _html(text: str) -> Route:
    return Route(200, text.encode(), {"content-type": "text/html; charset=utf-8"})


class OutsideServer(LoopbackServer):
    """A server on 127.0.0.2 (port 0): an address crawls must refuse. Records every request."""

    def __init__(self, host: str = "127.0.0.2") -> None:
        self.hits: list[str] = []
        self.lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                with server.lock:
                    server.hits.append(self.path)
                body = b"<html><body><p>you should not be here</p></body></html>"
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.listen(Handler, host)

    def requests(self) -> list[str]:
        with self.lock:
            return list(self.hits)
