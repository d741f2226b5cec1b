"""`newswatch crawl` against hostile inputs (issue 15, "unbounded or silent").

Each test serves one trap on loopback (tests/hostile_site.py) and asserts the
count the crawl summary names for it, and a bound on what the trap could cost
(requests, time or memory).
"""

from __future__ import annotations

import random
import re
import time
from typing import Any

from crawler.engine.client import SearchStore
from tests.e2e.conftest import Workspace
from tests.e2e.test_crawl_faults import run_measured, summary
from tests.fixture_site import Route, gzip_bomb
from tests.hostile_site import (
    HostileSite,
    big_head_page,
    big_text_page,
    sitemap_index,
    urlset,
    xml,
)

MAX_PAGE_BYTES = 1024 * 1024


def write_config(workspace: Workspace, sources: list[dict[str, Any]]) -> None:
    workspace.write_config(
        sources,
        crawl={
            "allow_hosts": ["127.0.0.1"],
            "state_dir": str(workspace.root / "state"),
            "download_timeout": 10,
            "max_page_bytes": MAX_PAGE_BYTES,
        },
    )


def endless_index(path: str, site_url: str) -> Route | None:
    """/idx/<n>.xml is a sitemap index linking /idx/<n+1>.xml: a chain without end."""
    found = re.fullmatch(r"/idx/(\d+)\.xml", path)
    return sitemap_index([f"{site_url}/idx/{int(found[1]) + 1}.xml"]) if found else None


def test_a_sitemap_index_chain_stops_at_its_configured_depth(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    with HostileSite(endless_index) as site:
        source = {"name": "chain", "type": "sitemap", "urls": [f"{site.url}/idx/0.xml"]}
        write_config(workspace, [{**source, "max_index_depth": 2}])
        started = time.monotonic()
        result = workspace.run("crawl")
        elapsed = time.monotonic() - started
        paths = site.fetched_paths()
    assert "Traceback" not in result.stderr, result.stderr
    assert [p for p in paths if p.startswith("/idx/")] == ["/idx/0.xml", "/idx/1.xml", "/idx/2.xml"]
    assert summary(result.stdout)["skipped:sitemap_depth"] == 1, result.stdout
    assert elapsed < 60, elapsed


# 15,000 dead links in one urlset: ~850 kB of XML, under MAX_PAGE_BYTES.
DEAD_LINKS = 15_000
MAX_URLS = 5


def dead_links(path: str, site_url: str) -> Route | None:
    if path == "/sitemap.xml":
        return urlset([f"{site_url}/p/{n}.html" for n in range(DEAD_LINKS)])
    return None  # every page: 404


def test_a_huge_sitemap_is_capped_per_run_and_its_404s_are_not_refetched(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    with HostileSite(dead_links) as site:
        source = {"name": "huge", "type": "sitemap", "urls": [f"{site.url}/sitemap.xml"]}
        write_config(workspace, [{**source, "max_urls": MAX_URLS}])
        first = workspace.run("crawl")
        first_pages = [p for p in site.fetched_paths() if p.startswith("/p/")]
        before = len(site.fetched_paths())
        second = workspace.run("crawl")
        second_pages = [p for p in site.fetched_paths()[before:] if p.startswith("/p/")]
    assert "Traceback" not in first.stderr + second.stderr, first.stderr + second.stderr
    figures = summary(first.stdout)
    assert len(first_pages) == MAX_URLS, first.stdout + first.stderr[-3000:]
    assert figures["skipped:url_cap"] == DEAD_LINKS - MAX_URLS, first.stdout
    assert figures.get("errors:http_404") == MAX_URLS, first.stdout + first.stderr[-2000:]
    # The next run: the 404s are remembered (retry in a day), the next five are asked.
    refigures = summary(second.stdout)
    assert refigures["skipped:failed_recently"] == MAX_URLS, second.stdout
    assert len(second_pages) == MAX_URLS and not set(first_pages) & set(second_pages)


def sitemap_traps(path: str, site_url: str) -> Route | None:
    if path == "/index.xml":
        return sitemap_index([f"{site_url}/bomb.xml.gz", f"{site_url}/laughs.xml"])
    if path == "/bomb.xml.gz":  # a gzip file (not Content-Encoding): the spider inflates it
        return Route(200, gzip_bomb(), {"content-type": "application/x-gzip"})
    if path == "/laughs.xml":
        lol = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
        return xml(
            f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY l0 "lol">{lol}]>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{site_url}/news/&l9;.html</loc></url></urlset>"
        )
    return None


def test_gzip_bomb_and_billion_laughs_sitemaps_are_counted(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    gzip_bomb()  # built before timing (~1.5 s, once per session)
    with HostileSite(sitemap_traps) as site:
        write_config(
            workspace, [{"name": "traps", "type": "sitemap", "urls": [f"{site.url}/index.xml"]}]
        )
        started = time.monotonic()
        result = workspace.run("crawl")
        elapsed = time.monotonic() - started
        paths = site.fetched_paths()
    assert "Traceback" not in result.stderr, result.stderr
    figures = summary(result.stdout)
    assert figures["skipped:decompression"] == 1, result.stdout
    assert figures["skipped:xml_entities"] == 1, result.stdout
    assert not [p for p in paths if p.startswith("/news/")]  # no cut URL was fetched
    assert elapsed < 60, elapsed


def robots_failing(path: str, site_url: str) -> Route | None:
    if path == "/robots.txt":
        return Route(500, b"<html><body>Internal Server Error</body></html>", {})
    if path == "/sitemap.xml":
        return urlset([f"{site_url}/news/a.html"])
    return None


def test_robots_txt_answering_500_disallows_the_whole_site_for_the_run(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    with HostileSite(robots_failing) as site:
        write_config(
            workspace, [{"name": "down", "type": "sitemap", "urls": [f"{site.url}/sitemap.xml"]}]
        )
        started = time.monotonic()
        result = workspace.run("crawl")
        elapsed = time.monotonic() - started
        paths = site.fetched_paths()
    assert "Traceback" not in result.stderr, result.stderr
    assert paths == ["/robots.txt"] * 3  # the first try and RETRY_TIMES (2) retries
    assert summary(result.stdout)["skipped:robots_unavailable"] == 1, result.stdout
    assert "robots.txt answered HTTP 500" in result.stdout, result.stdout
    assert result.returncode == 1  # nothing fetched because of an error: not a success
    assert elapsed < 60, elapsed


LONG_PATH = "/news/" + "a" * 3000 + ".html"


def dropping_site(path: str, site_url: str) -> Route | None:
    if path == "/list.html":
        links = ["/loop-a.html", "/chain/0.html", LONG_PATH, "/news/deep.html"]
        anchors = "".join(f'<a href="{site_url}{link}">기사</a>' for link in links)
        return Route(200, f"<html><body>{anchors}</body></html>".encode(), {})
    if path in ("/loop-a.html", "/loop-b.html"):
        other = "/loop-b.html" if path == "/loop-a.html" else "/loop-a.html"
        return Route(302, b"", {"location": site_url + other})
    if found := re.fullmatch(r"/chain/(\d+)\.html", path):  # redirects without end
        return Route(302, b"", {"location": f"{site_url}/chain/{int(found[1]) + 1}.html"})
    if path == "/news/deep.html":  # JSON-LD nested far past Python's recursion limit
        ld = "[" * 100_000 + "]" * 100_000
        page = f'<html><head><script type="application/ld+json">{ld}</script></head>'
        body = "<p>대구시는 항저우를 방문해 스마트시티 협력을 논의했다.</p>" * 10
        return Route(200, f"{page}<body><article>{body}</article></body></html>".encode(), {})
    return None


def test_redirect_loops_long_chains_and_long_links_are_counted_and_lines_bounded(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    with HostileSite(dropping_site) as site:
        source = {
            "name": "drops",
            "type": "site",
            "start_urls": [f"{site.url}/list.html"],
            "allow": [r"/loop-", r"/chain/", r"/news/"],
            "article_pattern": r"/(news|chain|loop-)",
        }
        write_config(workspace, [source])
        started = time.monotonic()
        result = workspace.run("crawl")
        elapsed = time.monotonic() - started
        paths = site.fetched_paths()
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    figures = summary(result.stdout)
    assert figures.get("skipped:redirect_loop") == 1, result.stdout
    assert figures.get("skipped:redirect_limit") == 1, result.stdout
    assert figures.get("skipped:long_url") == 1, result.stdout
    assert figures["extracted"] == 1, result.stdout  # the JSON-LD bomb page, without its JSON-LD
    assert LONG_PATH not in paths
    assert paths.count("/loop-a.html") == 1 and paths.count("/loop-b.html") == 1
    assert len([p for p in paths if p.startswith("/chain/")]) == 6  # REDIRECT_MAX_TIMES + 1
    longest = max(map(len, (result.stdout + result.stderr).splitlines()))
    assert longest < 10_000, longest
    assert elapsed < 60, elapsed


# The crawl process's peak over both oversized pages (issue 15's target; measured
# 247 MiB, was 1,055 MiB: see make bench-bigpage).
BIG_PAGE_PEAK_BYTES = 400 * 1024 * 1024


def test_oversized_pages_are_extracted_in_bounded_memory(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    rng = random.Random(15)
    pages = {"/big.html": big_text_page(rng), "/bighead.html": big_head_page(rng)}

    def route(path: str, site_url: str) -> Route | None:
        if path == "/sitemap.xml":
            return urlset([site_url + p for p in pages])
        return Route(200, pages[path], {"content-type": "text/html"}) if path in pages else None

    with HostileSite(route) as site:
        workspace.write_config(
            [{"name": "big", "type": "sitemap", "urls": [f"{site.url}/sitemap.xml"]}],
            crawl={"allow_hosts": ["127.0.0.1"], "state_dir": str(workspace.root / "state")},
        )
        result, peak_rss = run_measured(workspace, "crawl")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    figures = summary(result.stdout)
    assert (figures["fetched"], figures["extracted"], figures["new"]) == (2, 2, 2), result.stdout
    assert "skipped:no_text" not in figures, result.stdout  # the body after the big head
    assert peak_rss < BIG_PAGE_PEAK_BYTES, f"peak RSS {peak_rss / 2**20:.0f} MiB"
