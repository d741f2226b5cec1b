"""`newswatch crawl` with extraction and tagging in a pool of 2 worker processes.

- the pool indexes exactly what the crawl's own process indexes (pool of 1);
- a worker killed with SIGKILL in the middle of a crawl loses no article: the
  pages it held are extracted again by a new pool, and every article is
  indexed once.

The suite's other crawl tests run with the default pool (one worker per core)
and, with NEWSWATCH_TEST_EXTRACT_WORKERS=1, in the crawl's process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest

from crawler.engine.client import SearchStore
from tests.e2e.conftest import COMMAND_TIMEOUT_SECONDS, NEWSWATCH, Workspace
from tests.e2e.site_articles import all_articles
from tests.fixture_site import FixtureSite, SiteArticle

REPO = Path(__file__).resolve().parents[2]
# Fields that differ between two crawls of the same pages whatever extracts them.
CRAWL_TIME_FIELDS = {"fetched", "first_seen", "indexed_at", "timeline"}
# Enough pages that the crawl is still fetching well after the kill: at ~50-100
# pages/s on the test machine a crawl of 300 takes 3-6 s; the kill comes at 60.
GENERATED_ARTICLES = 300
KILL_AT_FETCHES = 60
CITIES = ["대구시", "부산시", "세종시", "서울시", "인천시", "광주시", "대전시", "수원시"]
PARTNERS = ["중국 항저우", "스페인 바르셀로나", "싱가포르", "핀란드 헬싱키", "베트남 다낭"]


def generated_articles(n: int) -> list[SiteArticle]:
    """n distinct, relevant smart-city articles (numbers make every text its own)."""
    start = datetime.fromisoformat("2024-03-01T09:00:00+09:00")
    articles = []
    for i in range(n):
        city, partner = CITIES[i % len(CITIES)], PARTNERS[i % len(PARTNERS)]
        paragraphs = [
            f"{city}는 {partner}와 스마트시티 분야 업무협약을 맺었다고 {i % 28 + 1}일 밝혔다.",
            f"협약에 따라 두 도시는 자율주행 버스 {i + 3}대와 데이터 허브 {i * 7 % 50 + 2}곳을 "
            f"함께 운영하고, 지능형 교통 신호 {i * 13 % 400 + 10}개를 연결한다.",
            f"{city} 관계자는 \u201c{partner}의 시티브레인 사례를 {i + 2021}년까지 우리 "
            "여건에 맞게 적용하겠다\u201d고 말했다.",
        ]
        articles.append(
            SiteArticle(
                slug=f"pool-{i:04d}",
                title=f"{city}, {partner}와 스마트시티 협력 ({i}호)",
                paragraphs=paragraphs,
                published=start + timedelta(minutes=17 * i),
            )
        )
    return articles


def indexed(store: SearchStore) -> dict[str, dict[str, Any]]:
    store.request("POST", "/newswatch-articles/_refresh")
    hits = store.request(
        "POST",
        "/newswatch-articles/_search",
        {"size": 1000, "query": {"match_all": {}}},
    )["hits"]["hits"]
    found: dict[str, dict[str, Any]] = {}
    for hit in hits:
        path = hit["_source"]["url"].rsplit("/", 1)[-1]
        assert path not in found, f"{path} indexed twice"
        found[path] = {k: v for k, v in hit["_source"].items() if k not in CRAWL_TIME_FIELDS}
    return found


def forget_everything(workspace: Workspace, store: SearchStore) -> None:
    """No documents and no state: the next crawl starts as the first one did."""
    store.request(
        "POST",
        "/newswatch-articles/_delete_by_query",
        {"query": {"match_all": {}}},
        params={"refresh": "true"},
    )
    shutil.rmtree(workspace.root / "state")


def crawl_config(workspace: Workspace, source: dict[str, Any], workers: int) -> None:
    workspace.write_config(
        [source],
        crawl={
            "allow_hosts": ["127.0.0.1"],
            "state_dir": str(workspace.root / "state"),
            "download_timeout": 10,
            "extract_workers": workers,
        },
    )


def test_a_pool_of_two_indexes_what_the_crawl_process_indexes(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    with FixtureSite(all_articles()) as site:
        source = {"name": "testilbo", "type": "feed", "urls": [f"{site.url}/rss.xml"]}
        results = {}
        for workers in (2, 1):
            crawl_config(workspace, source, workers)
            crawl = workspace.run("crawl")
            assert crawl.returncode == 0, crawl.stderr
            results[workers] = indexed(ready_store)
            forget_everything(workspace, ready_store)
    assert len(results[2]) == 4
    assert by_story(results[2]) == by_story(results[1])


def by_story(documents: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Story ids replaced by the story's members: a story's id is its first copy seen,
    and which copy a crawl sees first depends on concurrent fetches, in either mode."""
    members: dict[str, list[str]] = {}
    for path, document in documents.items():
        members.setdefault(document["story_id"], []).append(path)
    return {
        path: {**document, "story_id": sorted(members[document["story_id"]])}
        for path, document in documents.items()
    }


def pool_workers(crawl_pid: int) -> list[psutil.Process]:
    """The crawl's pool workers: the processes its forkserver forked."""
    crawl = psutil.Process(crawl_pid)
    servers = [p for p in crawl.children() if "forkserver" in " ".join(p.cmdline())]
    return [worker for server in servers for worker in server.children()]


def article_fetches(site: FixtureSite) -> int:
    return sum(1 for path in site.fetched_paths() if path.startswith("/news/pool-"))


def kill_a_worker_mid_crawl(site: FixtureSite, crawl: subprocess.Popen[str]) -> dict[str, int]:
    """SIGKILL one pool worker once KILL_AT_FETCHES pages were fetched."""
    deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
    while article_fetches(site) < KILL_AT_FETCHES:
        assert crawl.poll() is None and time.monotonic() < deadline, "crawl ended early"
        time.sleep(0.01)
    workers = pool_workers(crawl.pid)
    assert len(workers) == 2, workers
    os.kill(workers[0].pid, signal.SIGKILL)
    return {"pid": workers[0].pid, "fetched_at_kill": article_fetches(site)}


def test_a_worker_killed_mid_crawl_loses_no_article(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    articles = generated_articles(GENERATED_ARTICLES)
    with FixtureSite(articles) as site:
        source = {
            "name": "poolilbo",
            "type": "sitemap",
            "urls": [f"{site.url}/sitemap_index.xml"],
            "max_urls": GENERATED_ARTICLES,
        }
        crawl_config(workspace, source, workers=2)
        env = dict(os.environ, NEWSWATCH_SEARCH_URL=workspace.engine_url)
        env["PYTHONPATH"] = str(REPO)
        command = [*NEWSWATCH, "--config", str(workspace.config_path), "crawl", "--json"]
        with subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=workspace.root,
        ) as crawl:
            killed: dict[str, int] = {}
            killer = threading.Thread(
                target=lambda: killed.update(kill_a_worker_mid_crawl(site, crawl)), daemon=True
            )
            killer.start()
            try:
                stdout, stderr = crawl.communicate(timeout=COMMAND_TIMEOUT_SECONDS)
            finally:
                crawl.kill()
            killer.join(5)
    assert killed, f"no worker was killed\n{stderr[-3000:]}"
    assert crawl.returncode == 0, stderr[-3000:]
    # The crawl went on fetching after the kill: the worker died mid-crawl.
    assert killed["fetched_at_kill"] < GENERATED_ARTICLES
    assert "a page worker process died; starting a new pool" in stderr
    assert not psutil.pid_exists(killed["pid"]) or psutil.Process(killed["pid"]).status() == (
        psutil.STATUS_ZOMBIE
    )
    summary = json.loads(stdout)
    assert "worker_lost" not in summary["errors_by_kind"], summary
    assert summary["counts"]["indexed"] == GENERATED_ARTICLES, summary
    documents = indexed(ready_store)
    assert sorted(documents) == sorted(f"{a.slug}.html" for a in articles)


@pytest.fixture(autouse=True)
def _no_orphan_workers() -> Any:
    """A crawl's workers end with it (crawler.processing.worker watches the crawl)."""
    before = {p.pid for p in psutil.process_iter()}
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        leftover = [
            p
            for p in psutil.process_iter(["pid", "cmdline"])
            if p.pid not in before and "forkserver" in " ".join(p.info["cmdline"] or [])
        ]
        if not leftover:
            return
        time.sleep(0.2)
    raise AssertionError(f"pool processes outlived their crawl: {leftover}")
