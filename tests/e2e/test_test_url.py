"""`newswatch test-url SOURCE URL` over the loopback fixture site, as a user runs it.

A good article is fetched, matched against the site source's rules and printed,
and nothing is indexed or marked seen; a URL the source's deny pattern excludes
says which pattern; a 404 and a guard refusal (127.0.0.2, not in
crawl.allow_hosts) exit 1 with the crawl's own messages. Loopback only.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from crawler.engine.client import SearchStore
from tests.e2e.conftest import Workspace
from tests.fixture_site import MISSING_PATH, FixtureSite, OutsideServer

DENY = "sejong-"


def site_source(site: FixtureSite) -> dict[str, Any]:
    return {
        "name": "testilbo",
        "type": "site",
        "start_urls": [f"{site.url}/list.html"],
        "allow": ["/news/"],
        "deny": [DENY],
        "article_pattern": r"/news/[a-z-]+\.html$",
        "schedule": {"interval": "1h"},
    }


def json_result(workspace: Workspace, url: str) -> tuple[int, dict[str, Any]]:
    done = workspace.run("test-url", "testilbo", url, "--json")
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def articles_in_engine(store: SearchStore) -> int:
    store.request("POST", "/newswatch-articles/_refresh")
    return int(store.request("GET", "/newswatch-articles/_count")["count"])


def test_good_article_is_shown_and_nothing_is_indexed_or_marked_seen(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config([site_source(site)])
    url = site.article_url("daegu-hangzhou")

    done = workspace.run("test-url", "testilbo", url)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "권영진 대구시장, 항저우 알리바바 본사 방문" in done.stdout
    assert "HTTP 200" in done.stdout
    assert "allow: '/news/'" in done.stdout
    assert "2018-12-19 15:27 KST" in done.stdout
    assert "a crawl would index it" in done.stdout
    assert "/news/daegu-hangzhou.html" in site.fetched_paths()
    assert articles_in_engine(ready_store) == 0
    state = workspace.root / "state"
    assert not (state / "seen.sqlite").exists()
    assert not (state / "stories.sqlite").exists()

    code, result = json_result(workspace, url)
    assert code == 0
    assert result["ok"] and result["would_index"]
    assert result["fetch"]["status"] == 200 and result["fetch"]["url"] == url
    assert result["rules"]["allow"] == ["/news/"] and result["rules"]["extracted"]
    assert result["article"]["title"].startswith("권영진 대구시장")
    assert result["article"]["published"].startswith("2018-12-19")
    assert result["article"]["topics"]
    assert articles_in_engine(ready_store) == 0


def seen_rows(state: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(state / "seen.sqlite")) as db:
        return db.execute("SELECT * FROM seen ORDER BY url").fetchall()


def test_page_a_crawl_indexed_is_reported_seen_and_nothing_changes(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config([site_source(site)])
    crawled = workspace.run("crawl", "testilbo")
    assert crawled.returncode == 0, crawled.stdout + crawled.stderr
    state = workspace.root / "state"
    rows, indexed = seen_rows(state), articles_in_engine(ready_store)
    assert rows and indexed

    done = workspace.run("test-url", "testilbo", site.article_url("daegu-hangzhou"))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "already seen" in done.stdout and "skipped as unchanged" in done.stdout
    assert "a crawl would not index it" in done.stdout
    assert seen_rows(state) == rows
    assert articles_in_engine(ready_store) == indexed


def test_denied_url_names_the_deny_pattern(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config([site_source(site)])
    url = site.article_url("sejong-barcelona")

    done = workspace.run("test-url", "testilbo", url)

    assert done.returncode == 0, done.stdout + done.stderr  # fetched and extracted
    assert f"deny: '{DENY}'" in done.stdout
    assert "a crawl does not follow links to it: a deny pattern matches" in done.stdout
    assert "a crawl would not index it" in done.stdout
    code, result = json_result(workspace, url)
    assert code == 0
    assert result["rules"]["deny"] == [DENY]
    assert not result["rules"]["followed"] and not result["would_index"]


def test_missing_page_exits_1_with_the_reason(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config([site_source(site)])
    url = site.url + MISSING_PATH

    done = workspace.run("test-url", "testilbo", url)

    assert done.returncode == 1, done.stdout + done.stderr
    assert f"HTTP 404 Not Found from {url}" in done.stdout
    code, result = json_result(workspace, url)
    assert code == 1 and not result["ok"]
    assert result["fetch"]["failure"]["reason"] == "http_404"


def test_address_outside_allow_hosts_is_refused_by_the_guard(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config([site_source(site)])
    with OutsideServer("127.0.0.2") as outside:
        url = f"{outside.url}/news/daegu-hangzhou.html"
        done = workspace.run("test-url", "testilbo", url)
        assert outside.hits == []
    assert done.returncode == 1, done.stdout + done.stderr
    assert "crawl.allow_hosts" in done.stdout
    assert "fetch: failed (blocked:" in done.stdout


@pytest.mark.parametrize(
    ("source", "url", "expected"),
    [
        ("nosuch", "http://127.0.0.1/x.html", "configured: testilbo"),
        ("testilbo", "ftp://127.0.0.1/x.html", "http:// or https://"),
        ("testilbo", "127.0.0.1/x.html", "http:// or https://"),
    ],
)
def test_unknown_source_or_bad_url_exits_2(
    workspace: Workspace, site: FixtureSite, source: str, url: str, expected: str
) -> None:
    workspace.write_config([site_source(site)])
    done = workspace.run("test-url", source, url)
    assert done.returncode == 2, done.stdout + done.stderr
    assert expected in done.stderr
