"""`newswatch crawl` over the fixture site, into the real engine."""

from __future__ import annotations

import re
import socket
from typing import Any

from crawler.engine.client import SearchStore
from tests.e2e.conftest import Workspace
from tests.e2e.site_articles import SiteArticle
from tests.fixture_site import FixtureSite


def docs(store: SearchStore) -> dict[str, dict[str, Any]]:
    store.request("POST", "/newswatch-articles/_refresh")
    hits = store.request(
        "POST", "/newswatch-articles/_search", {"size": 100, "query": {"match_all": {}}}
    )["hits"]["hits"]
    return {h["_source"]["url"].rsplit("/", 1)[-1]: h["_source"] for h in hits}


def feed_source(site: FixtureSite, name: str = "testilbo") -> dict[str, Any]:
    return {"name": name, "type": "feed", "urls": [f"{site.url}/rss.xml"]}


def test_feed_crawl_indexes_relevant_articles_once(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config([feed_source(site)])
    result = workspace.run("crawl")
    assert result.returncode == 0, result.stderr
    assert "fetched 5" in result.stdout and "irrelevant 1" in result.stdout, result.stdout
    indexed = docs(ready_store)
    assert sorted(indexed) == [
        "busan-euckr.html",
        "daegu-hangzhou-copy.html",
        "daegu-hangzhou.html",
        "sejong-barcelona.html",
    ]
    original, copy = indexed["daegu-hangzhou.html"], indexed["daegu-hangzhou-copy.html"]
    assert original["story_id"] == copy["story_id"]
    assert original["is_original"] is True and copy["is_original"] is False
    assert indexed["sejong-barcelona.html"]["story_id"] != original["story_id"]
    assert indexed["busan-euckr.html"]["title"] == "부산시, 싱가포르와 스마트시티 해외 협력 강화"
    assert original["published"] == "2018-12-19T15:27:00+09:00"
    assert original["source"] == "testilbo"

    # Second run: the feed answers 304, nothing is fetched or indexed again.
    before = len(site.fetched_paths())
    again = workspace.run("crawl")
    assert again.returncode == 0, again.stderr
    assert "new 0" in again.stdout
    assert site.fetched_paths()[before:] == ["/robots.txt", "/rss.xml"]
    assert len(docs(ready_store)) == 4


def test_a_new_article_is_the_only_page_fetched(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config([feed_source(site)])
    assert workspace.run("crawl").returncode == 0
    before = len(site.fetched_paths())
    site.add(
        SiteArticle(
            slug="seoul-helsinki",
            title="서울시, 헬싱키와 스마트시티 데이터 협력",
            paragraphs=[
                "서울시는 핀란드 헬싱키시와 스마트시티 데이터 공유를 위한 업무협약을 맺었다."
                " 양 도시는 디지털 트윈 기술을 함께 실증한다."
            ]
            * 2,
            published=__import__("datetime").datetime.fromisoformat("2024-06-01T09:00:00+09:00"),
        )
    )
    result = workspace.run("crawl")
    assert result.returncode == 0, result.stderr
    assert site.fetched_paths()[before:] == ["/robots.txt", "/rss.xml", "/news/seoul-helsinki.html"]
    assert "new 1" in result.stdout
    assert "seoul-helsinki.html" in docs(ready_store)


def test_sitemap_from_robots_txt_and_robots_rules(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config(
        [{"name": "testilbo-sitemap", "type": "sitemap", "urls": [f"{site.url}/robots.txt"]}]
    )
    result = workspace.run("crawl")
    assert result.returncode == 0, result.stderr
    assert len(docs(ready_store)) == 4
    assert "/sitemap.xml" in site.fetched_paths()


def test_site_crawl_follows_allowed_links_only(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config(
        [
            {
                "name": "testilbo-site",
                "type": "site",
                "start_urls": [f"{site.url}/list.html"],
                "allow": [r"/news/", r"/private/"],
                "article_pattern": r"/news/",
            }
        ]
    )
    result = workspace.run("crawl")
    assert result.returncode == 0, result.stderr
    assert len(docs(ready_store)) == 4
    paths = site.fetched_paths()
    assert "/about.html" not in paths  # not allowed by the patterns
    assert "/private/secret.html" not in paths  # refused by robots.txt
    assert "robots_txt 1" in result.stdout


def test_refused_address_is_never_fetched(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config(
        [
            {
                "name": "testilbo-out",
                "type": "site",
                "start_urls": [
                    f"{site.url}/redirect-out.html",
                    f"http://127.0.0.2:{site.port}/list.html",
                ],
            }
        ]
    )
    result = workspace.run("crawl")
    assert "blocked" in result.stdout, result.stdout
    assert all("elsewhere" not in p for p in site.fetched_paths())
    assert docs(ready_store) == {}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_engine_down_spools_then_replays_without_duplicates(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config([feed_source(site)])
    down = workspace.run("crawl", engine_url=f"http://127.0.0.1:{closed_port()}")
    assert down.returncode == 0, down.stderr
    # 4 articles, plus 1 update when the syndicated copy happened to be fetched
    # before its original and was demoted (fetch order is concurrent).
    spooled = int(re.search(r"spooled (\d+)", down.stdout).group(1))  # type: ignore[union-attr]
    assert spooled in (4, 5), down.stdout
    assert "indexed 0" in down.stdout
    assert docs(ready_store) == {}
    up = workspace.run("crawl")
    assert up.returncode == 0, up.stderr
    indexed = docs(ready_store)
    assert len(indexed) == 4
    assert indexed["daegu-hangzhou.html"]["is_original"] is True
    assert indexed["daegu-hangzhou-copy.html"]["is_original"] is False
    again = workspace.run("crawl")
    assert again.returncode == 0
    assert len(docs(ready_store)) == 4
    assert "waiting in spool: 0" in again.stdout


def test_dry_run_indexes_nothing(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config([feed_source(site)])
    result = workspace.run("crawl", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would index 4" in result.stdout
    assert docs(ready_store) == {}
    # Nothing was marked seen: a real crawl afterwards indexes everything.
    assert workspace.run("crawl").returncode == 0
    assert len(docs(ready_store)) == 4


def test_unknown_source_is_a_usage_error(workspace: Workspace, site: FixtureSite) -> None:
    workspace.write_config([feed_source(site)])
    result = workspace.run("crawl", "nosuch")
    assert result.returncode == 2
    assert "unknown source 'nosuch'" in result.stderr and "testilbo" in result.stderr
