"""`newswatch crawl` over a site that misbehaves, into the real engine.

The fixture site (tests/fixture_site.py) answers 404, 500 and 429, loops
redirects, serves a gzip bomb, a Tistory-like post, a Naver-blog-like outer
frame, and links to a second loopback address (127.0.0.2, not in
`crawl.allow_hosts`) where a recording server checks that nothing arrives.
Then: re-crawls of an unchanged and of a changed site, and the engine going
away in the middle of a crawl (a proxy in front of it stops listening).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.engine.client import SearchStore
from crawler.vocabulary import SEOUL
from tests.e2e.conftest import COMMAND_TIMEOUT_SECONDS, NEWSWATCH, Workspace
from tests.e2e.site_articles import fault_site_articles, sejong_mou
from tests.engine_proxy import EngineProxy
from tests.fixture_site import (
    BOMB_INFLATED_BYTES,
    BOMB_PATH,
    BROKEN_PATH,
    BUSY_PATH,
    LOOP_PATHS,
    MISSING_PATH,
    NAVER_FRAME_PATH,
    REDIRECT_AWAY_PATH,
    FixtureSite,
    OutsideServer,
    gzip_bomb,
)

# Small, so the gzip bomb (256 MB inflated from ~250 kB) is refused early.
MAX_PAGE_BYTES = 1024 * 1024
# Small, so bulk requests happen during the crawl, not only at its end.
BULK_CHUNK_SIZE = 2
THROTTLED_PATH = "/news/incheon-dubai.html"
# What the fault site's seven articles come to: baseball is not relevant.
INDEXED_PATHS = {
    "/news/daegu-hangzhou.html",
    "/news/daegu-hangzhou-copy.html",
    "/entry/245",
    "/news/sejong-barcelona.html",
    "/news/busan-euckr.html",
    THROTTLED_PATH,
}
DAEGU_STORY = {"/news/daegu-hangzhou.html", "/news/daegu-hangzhou-copy.html", "/entry/245"}
ARTICLE_PATHS = {*INDEXED_PATHS, "/news/baseball.html"}
# Requests for the pages that fail, in every crawl of /faults.html (none is ever marked seen).
FAILING_PAGE_HITS = Counter(
    {
        MISSING_PATH: 1,
        BROKEN_PATH: 3,  # the first try and RETRY_TIMES (2) retries
        BUSY_PATH: 4,  # the first try and 3 waits of Retry-After: 1 (MAX_TIMES)
        LOOP_PATHS[0]: 1,  # loop-a → loop-b → loop-a: the second loop-a is a duplicate
        LOOP_PATHS[1]: 1,
        BOMB_PATH: 1,
        NAVER_FRAME_PATH: 1,  # no text of its own, so never marked seen
        REDIRECT_AWAY_PATH: 1,
    }
)


# -- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture()
def outside() -> Iterator[OutsideServer]:
    with OutsideServer("127.0.0.2") as server:
        yield server


@pytest.fixture()
def fault_site(outside: OutsideServer) -> Iterator[FixtureSite]:
    gzip_bomb()  # built before the site starts serving (~1.5 s, once per session)
    with FixtureSite(fault_site_articles(), outside_url=outside.url) as site:
        site.throttle_once(THROTTLED_PATH)
        yield site


def write_config(workspace: Workspace, sources: list[dict[str, Any]]) -> None:
    workspace.write_config(
        sources,
        crawl={
            "allow_hosts": ["127.0.0.1"],
            "state_dir": str(workspace.root / "state"),
            "download_timeout": 10,
            "max_page_bytes": MAX_PAGE_BYTES,
        },
        search={"bulk_chunk_size": BULK_CHUNK_SIZE},
    )


def faults_source(site: FixtureSite) -> dict[str, Any]:
    return {
        "name": "faults",
        "type": "site",
        "start_urls": [f"{site.url}/faults.html"],
        "allow": [r"/news/", r"/entry/", r"/loop-", r"/naver/", r"/redirect-away", r"PostView"],
        "article_pattern": r"/(news|entry|naver)/|PostView",
    }


def run_measured(workspace: Workspace, *args: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """`Workspace.run`, also returning the crawl process's peak resident memory in bytes."""
    env = dict(os.environ)
    env["NEWSWATCH_SEARCH_URL"] = workspace.engine_url
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    stdout, stderr = workspace.root / "stdout.txt", workspace.root / "stderr.txt"
    with stdout.open("w") as out, stderr.open("w") as err:
        proc = subprocess.Popen(
            [*NEWSWATCH, "--config", str(workspace.config_path), *args],
            stdout=out,
            stderr=err,
            text=True,
            env=env,
            cwd=workspace.root,
        )
        killer = threading.Timer(COMMAND_TIMEOUT_SECONDS, proc.kill)
        killer.start()
        try:
            # wait4, not wait: its rusage is this child's own, ru_maxrss in KiB on Linux.
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = subprocess.CompletedProcess(
        proc.args, proc.returncode, stdout.read_text("utf-8"), stderr.read_text("utf-8")
    )
    return result, usage.ru_maxrss * 1024


def summary(stdout: str) -> dict[str, int]:
    """The printed summary's figures: counts by name, `skipped:<reason>`, `errors:<kind>`."""
    figures: dict[str, int] = {}
    for line in stdout.splitlines():
        line = line.strip()
        section, _, rest = line.partition(": ")
        if section in ("skipped", "errors"):
            for name, count in re.findall(r"(\S+) (\d+)", rest):
                figures[f"{section}:{name}"] = int(count)
        elif line.startswith(("fetched ", "bulk actions:")):
            for name, count in re.findall(r"([a-z_]+) (\d+)", line):
                figures[name] = int(count)
    return figures


def documents(store: SearchStore) -> dict[str, dict[str, Any]]:
    """Indexed articles by URL path, each with `_id` and `_version` added."""
    store.request("POST", "/newswatch-articles/_refresh")
    hits = store.request(
        "POST",
        "/newswatch-articles/_search",
        {"size": 100, "version": True, "query": {"match_all": {}}},
    )["hits"]["hits"]
    by_path: dict[str, dict[str, Any]] = {}
    for hit in hits:
        path = hit["_source"]["url"].split("/", 3)[3]
        assert "/" + path not in by_path, f"{path} indexed twice"
        by_path["/" + path] = {**hit["_source"], "_id": hit["_id"], "_version": hit["_version"]}
    return by_path


def count(store: SearchStore) -> int:
    store.request("POST", "/newswatch-articles/_refresh")
    return int(store.request("GET", "/newswatch-articles/_count")["count"])


# -- the faulty site ---------------------------------------------------------------------


def test_a_faulty_site_is_crawled_and_only_its_articles_are_indexed(
    workspace: Workspace,
    fault_site: FixtureSite,
    outside: OutsideServer,
    ready_store: SearchStore,
) -> None:
    write_config(workspace, [faults_source(fault_site)])
    result, peak_rss = run_measured(workspace, "crawl")
    assert result.returncode == 0, result.stdout + result.stderr
    figures = summary(result.stdout)

    # Seven articles and the Naver-like frame reached extraction; the frame has no text.
    assert {k: figures[k] for k in ("fetched", "extracted", "relevant", "irrelevant")} == {
        "fetched": 8,
        "extracted": 7,
        "relevant": 6,
        "irrelevant": 1,
    }, result.stdout
    assert figures["new"] == 6 and figures["updated"] == 0, result.stdout
    assert figures["duplicates"] == 2, result.stdout  # two copies of the Daegu story
    assert figures["spooled"] == 0 and figures["failed"] == 0, result.stdout
    # 6 documents, plus one `is_original: false` update per copy that was the story's
    # original until an earlier-published copy arrived (fetch order is concurrent).
    assert 6 <= figures["indexed"] <= 8, result.stdout
    assert {k: v for k, v in figures.items() if k.startswith(("errors:", "skipped:"))} == {
        "errors:http_404": 1,
        "errors:http_500": 1,  # one page, though asked three times
        "errors:http_429": 1,  # /news/busy.html only: the page throttled once was fetched
        "errors:blocked:loopback": 2,  # the link to 127.0.0.2 and the redirect there
        "errors:decompressed_too_large": 1,  # the gzip bomb
        "skipped:no_text": 1,  # the Naver-like frame (see test_naver_frame_...)
        "skipped:redirect_loop": 1,  # loop-a → loop-b → loop-a
    }, result.stdout

    # Exactly the articles, once each; copies of one story share its id.
    docs = documents(ready_store)
    assert set(docs) == INDEXED_PATHS
    daegu_story = {docs[p]["story_id"] for p in DAEGU_STORY}
    assert len(daegu_story) == 1
    assert daegu_story <= {docs[p]["_id"] for p in DAEGU_STORY}  # the first copy seen
    assert [p for p in DAEGU_STORY if docs[p]["is_original"]] == ["/news/daegu-hangzhou.html"]
    for path in INDEXED_PATHS - DAEGU_STORY:
        assert docs[path]["story_id"] == docs[path]["_id"], path
        assert docs[path]["is_original"] is True, path
    blog = docs["/entry/245"]
    assert blog["kind"] == "blog"
    assert blog["title"] == "권영진 대구시장 중국 항저우 알리바바 본사 방문"
    assert blog["published"] == "2018-12-20T09:10:00+09:00"

    # Every request the site saw: articles once (the throttled one twice), bounded retries,
    # the redirect loop ended after one round, the frame's PostView never asked for.
    hits = Counter(fault_site.fetched_paths())
    expected = Counter({"/robots.txt": 1, "/faults.html": 1})
    expected.update({path: 1 for path in ARTICLE_PATHS})
    expected[THROTTLED_PATH] = 2  # 429 with Retry-After: 1, then 200
    expected.update(FAILING_PAGE_HITS)
    assert hits == expected
    # Nothing outside the site: the server on 127.0.0.2 was never reached.
    assert outside.requests() == []

    # The bomb was refused after ~1 MB of inflating, not inflated to 512 MB: the whole
    # crawl's peak memory stays below the bomb's inflated size.
    assert len(gzip_bomb()) < MAX_PAGE_BYTES < BOMB_INFLATED_BYTES
    assert peak_rss < BOMB_INFLATED_BYTES, f"peak RSS {peak_rss / 2**20:.0f} MiB"
    assert "exceeded DOWNLOAD_MAXSIZE" in result.stderr, result.stderr

    # Second crawl of the unchanged site: no article page is asked for again; only the
    # list page and the pages that failed (a later run should retry those).
    before = len(fault_site.fetched_paths())
    again = workspace.run("crawl")
    assert again.returncode == 0, again.stdout + again.stderr
    rerun = Counter(fault_site.fetched_paths()[before:])
    assert not set(rerun) & ARTICLE_PATHS, rerun
    assert rerun == Counter({"/robots.txt": 1, "/faults.html": 1}) + FAILING_PAGE_HITS
    refigures = summary(again.stdout)
    assert refigures["new"] == 0 and refigures["updated"] == 0 and refigures["indexed"] == 0
    assert refigures["skipped:seen"] == 7, again.stdout
    assert outside.requests() == []
    assert {p: d["_version"] for p, d in documents(ready_store).items()} == {
        p: d["_version"] for p, d in docs.items()
    }


def test_naver_frame_on_another_host_is_not_followed(
    workspace: Workspace, fault_site: FixtureSite, ready_store: SearchStore
) -> None:
    """`naver_blog_frame_url` recognises frames on blog.naver.com / m.blog.naver.com only
    (and always rewrites to https://blog.naver.com/PostView.naver), so a frame page on
    any other host is extracted as it is: no text, skipped, its iframe not fetched."""
    source = {**faults_source(fault_site), "start_urls": [fault_site.url + NAVER_FRAME_PATH]}
    write_config(workspace, [source])
    result = workspace.run("crawl")
    assert result.returncode == 0, result.stderr
    assert "skipped: no_text 1" in result.stdout, result.stdout
    assert not [p for p in fault_site.fetched_paths() if p.startswith("/PostView")]
    assert documents(ready_store) == {}


# -- re-crawls: unchanged and changed --------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "entry", "unchanged_hits"),
    [
        ("feed", "/rss.xml", ["/robots.txt", "/rss.xml"]),
        ("sitemap", "/sitemap_index.xml", ["/robots.txt", "/sitemap_index.xml", "/sitemap.xml"]),
    ],
)
def test_recrawl_fetches_only_what_changed_and_updates_it_in_place(
    workspace: Workspace,
    ready_store: SearchStore,
    kind: str,
    entry: str,
    unchanged_hits: list[str],
) -> None:
    with FixtureSite(fault_site_articles()) as site:
        write_config(workspace, [{"name": "testilbo", "type": kind, "urls": [site.url + entry]}])
        first = workspace.run("crawl")
        assert first.returncode == 0, first.stdout + first.stderr
        docs = documents(ready_store)
        assert set(docs) == INDEXED_PATHS

        # Unchanged: nothing new, no article page fetched.
        before = len(site.fetched_paths())
        again = workspace.run("crawl")
        assert again.returncode == 0, again.stderr
        assert site.fetched_paths()[before:] == unchanged_hits
        figures = summary(again.stdout)
        assert figures["fetched"] == 0 and figures["new"] == 0 and figures["indexed"] == 0
        assert documents(ready_store) == docs

        # One article is edited on the live site; its feed entry / sitemap lastmod says so.
        changed = sejong_mou()
        changed.paragraphs = [
            *changed.paragraphs[:2],
            "세종시는 협약에 따라 내년 상반기 바르셀로나에 공무원 연수단을 파견할 예정이다.",
        ]
        changed.modified = datetime.now(SEOUL).replace(microsecond=0)
        site.replace(changed)
        before = len(site.fetched_paths())
        edited = workspace.run("crawl")
        assert edited.returncode == 0, edited.stderr
        assert site.fetched_paths()[before:] == [*unchanged_hits, "/news/sejong-barcelona.html"]
        figures = summary(edited.stdout)
        assert (figures["fetched"], figures["new"], figures["updated"]) == (1, 0, 1), edited.stdout
        assert figures["indexed"] == 1

    after = documents(ready_store)
    assert count(ready_store) == len(docs) == 6
    old, new = docs["/news/sejong-barcelona.html"], after["/news/sejong-barcelona.html"]
    assert new["_id"] == old["_id"]
    assert new["_version"] == old["_version"] + 1
    assert "공무원 연수단을 파견" in new["text"] and "공무원 연수단" not in old["text"]
    assert "국가시범도시" not in new["text"]  # the paragraph the edit removed
    assert new["story_id"] == old["story_id"]
    # Everything else untouched.
    for path in INDEXED_PATHS - {"/news/sejong-barcelona.html"}:
        assert after[path]["_version"] == docs[path]["_version"], path


# -- the engine goes away mid-crawl --------------------------------------------------------


def test_engine_stopped_during_a_crawl_loses_and_duplicates_nothing(
    workspace: Workspace, ready_store: SearchStore, engine: str
) -> None:
    with (
        FixtureSite(fault_site_articles()) as site,
        EngineProxy(engine, stop_after_bulks=1) as proxy,
    ):
        write_config(
            workspace, [{"name": "testilbo", "type": "feed", "urls": [site.url + "/rss.xml"]}]
        )
        # The crawl's first bulk request reaches the engine; then the proxy stops listening.
        down = workspace.run("crawl", engine_url=proxy.url)
        assert down.returncode == 0, down.stdout + down.stderr
        assert proxy.tripped
        # Forwarded: the first bulk only. Later ones on a kept-alive connection were
        # dropped unanswered (status None), new connections refused.
        assert [r.status for r in proxy.bulk_requests() if r.status is not None] == [200]
        figures = summary(down.stdout)
        assert figures["indexed"] >= 1 and figures["spooled"] >= 1, down.stdout
        assert figures["new"] == 6, down.stdout
        partial = documents(ready_store)
        assert 1 <= len(partial) < 6

        # The engine is back (same address); the next run replays the spool first.
        proxy.start()
        up = workspace.run("crawl", engine_url=proxy.url)
        assert up.returncode == 0, up.stdout + up.stderr
        assert "waiting in spool: 0" in up.stdout, up.stdout
        assert f"replayed from spool {figures['spooled']}" in up.stdout, up.stdout
        assert summary(up.stdout)["new"] == 0  # nothing fetched again: the feed is unchanged
        docs = documents(ready_store)
        assert set(docs) == INDEXED_PATHS  # every article, each once (documents() checks)
        assert count(ready_store) == 6
        assert [p for p in DAEGU_STORY if docs[p]["is_original"]] == ["/news/daegu-hangzhou.html"]
        assert len({docs[p]["story_id"] for p in DAEGU_STORY}) == 1

        again = workspace.run("crawl", engine_url=proxy.url)
        assert again.returncode == 0, again.stderr
        assert "waiting in spool: 0" in again.stdout
        assert count(ready_store) == 6
    # The proxy is closed: nothing listens on its port any more.
    assert proxy.down
