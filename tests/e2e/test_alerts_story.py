"""Alerts and `index` as a user meets them: crawls of loopback sites, `newswatch` commands.

- A blog repost crawled before the news article it quotes: the webhook names the
  original's URL and outlet, and the story alerts each watch once.
- A fresh install with 20 old matching articles sends nothing until a new one arrives.
- `extract --jsonl` piped into `index -` over a crawled page keeps the crawl's fields.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.engine.client import SearchStore
from crawler.vocabulary import SEOUL
from tests.conftest import RecordingServer
from tests.e2e.conftest import NEWSWATCH, Workspace
from tests.e2e.site_articles import daegu_original, daegu_syndicated, daegu_tistory_repost
from tests.fixture_site import FixtureSite, SiteArticle

# A second loopback address: the news site is on another host than the blog, as in life.
NEWS_HOST = "127.0.0.2"


def ok(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    return 200, {}, {"ok": True}


def crawl_settings(workspace: Workspace, *hosts: str) -> dict[str, Any]:
    return {
        "allow_hosts": list(hosts),
        "state_dir": str(workspace.root / "state"),
        "download_timeout": 10,
    }


def feed(site: FixtureSite, name: str) -> dict[str, Any]:
    return {"name": name, "type": "feed", "urls": [f"{site.url}/rss.xml"]}


def payloads(hook: RecordingServer) -> list[dict[str, Any]]:
    return [json.loads(r["body"]) for r in hook.requests]


def docs(store: SearchStore) -> dict[str, dict[str, Any]]:
    store.request("POST", "/newswatch-articles/_refresh")
    body = {"size": 100, "query": {"match_all": {}}}
    hits = store.request("POST", "/newswatch-articles/_search", body)["hits"]["hits"]
    return {h["_source"]["url"]: h["_source"] for h in hits}


def succeeds(workspace: Workspace, *args: str) -> str:
    result = workspace.run(*args)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def test_a_repost_crawled_before_its_original_alerts_once_naming_the_original(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    # Korean local time: the blog page shows its date without an offset, read as KST.
    now = datetime.now(SEOUL)
    original = dataclasses.replace(daegu_original(), published=now - timedelta(hours=5))
    with (
        FixtureSite([original], name="내일신문", host=NEWS_HOST) as news,
        FixtureSite([], name="스마트시티 다이어리") as blog,
        RecordingServer(ok) as hook,
    ):
        original_url = news.article_url(original.slug)
        repost = dataclasses.replace(
            daegu_tistory_repost(),
            published=now - timedelta(hours=1),
            cites=("내일신문", original_url),
        )
        blog.add(repost)
        workspace.write_config(
            [feed(blog, "blog"), feed(news, "naeil")],
            crawl=crawl_settings(workspace, "127.0.0.1", NEWS_HOST),
            notifiers={"team": {"type": "webhook", "url": hook.url, "timeout": 5}},
            # Both were published before the watch was made: a day of backfill lets them in.
            watches=[
                {"name": w, "query": q, "notify": ["team"], "backfill": "1d"}
                for w, q in (("daegu", "대구 시티브레인"), ("hangzhou", "항저우 알리바바"))
            ],
        )
        succeeds(workspace, "setup")
        succeeds(workspace, "crawl", "blog")
        succeeds(workspace, "alerts", "sweep")
        sent = payloads(hook)
        assert sorted(p["watch"] for p in sent) == ["daegu", "hangzhou"]
        for payload in sent:
            (article,) = payload["articles"]
            assert article["url"] == blog.article_url(repost.slug)
            assert article["is_copy"] is True
            assert (article["original_outlet"], article["original_url"]) == (
                "내일신문",
                original_url,
            )
            assert f"copy of 내일신문 {original_url}" in payload["text"]

        succeeds(workspace, "crawl", "naeil")
        swept = succeeds(workspace, "alerts", "sweep")
        assert "2 repeats of alerted stories" in swept, swept
        succeeds(workspace, "alerts", "sweep")
        assert len(hook.requests) == 2  # one per (watch, story), the original added none

    indexed = docs(ready_store)
    blog_doc, news_doc = indexed[blog.article_url(repost.slug)], indexed[original_url]
    assert blog_doc["story_id"] == news_doc["story_id"]  # one story
    assert news_doc["is_original"] is True and blog_doc["is_original"] is False
    history = json.loads(succeeds(workspace, "alerts", "history", "--json"))
    assert sorted((r["watch"], r["status"]) for r in history) == [
        ("daegu", "sent"),
        ("hangzhou", "sent"),
    ]


def old_article(n: int, published: datetime) -> SiteArticle:
    """Short, distinct texts (under dedup's 200 characters): each one its own story."""
    cities = ["항저우", "바르셀로나", "헬싱키", "싱가포르", "암스테르담"]
    return SiteArticle(
        slug=f"old-{n}",
        title=f"대구시, {cities[n % 5]}와 스마트시티 협력 {n}차 회의",
        paragraphs=[f"대구시가 {cities[n % 5]}와 스마트시티 {n}차 협력 회의를 열었다."],
        published=published,
    )


def test_a_fresh_install_sends_nothing_for_old_articles_until_a_new_one_arrives(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    three_days_ago = datetime.now(SEOUL) - timedelta(days=3)
    backlog = [old_article(n, three_days_ago + timedelta(minutes=n)) for n in range(20)]
    with FixtureSite(backlog) as site, RecordingServer(ok) as hook:
        workspace.write_config(
            [feed(site, "testilbo")],
            notifiers={"team": {"type": "webhook", "url": hook.url, "timeout": 5}},
            watches=[{"name": "daegu", "query": "대구 스마트시티", "notify": ["team"]}],
        )
        succeeds(workspace, "setup")
        assert "new 20" in succeeds(workspace, "crawl")
        first = succeeds(workspace, "alerts", "sweep")
        assert "20 older than their watch's start" in first, first
        succeeds(workspace, "alerts", "sweep")  # a new process: the start is remembered
        assert hook.requests == []
        preview = " ".join(succeeds(workspace, "alerts", "test", "daegu", "--days", "7").split())
        assert "0 of the 20 shown would alert" in preview, preview
        assert preview.count("(before the watch's start, no alert)") == 20, preview

        site.add(old_article(20, datetime.now(SEOUL)))
        assert "new 1" in succeeds(workspace, "crawl")
        succeeds(workspace, "alerts", "sweep")
        assert [p["articles"][0]["url"] for p in payloads(hook)] == [site.article_url("old-20")]

        # Asked for once: a week back brings the backlog in, each story once.
        succeeds(workspace, "alerts", "sweep", "--backfill", "7d")
        assert len(hook.requests) == 21
        succeeds(workspace, "alerts", "sweep", "--backfill", "7d")
        assert len(hook.requests) == 21
        bad = workspace.run("alerts", "sweep", "--backfill", "week")
        assert bad.returncode == 2 and "--backfill" in bad.stderr


def without_dates(page: bytes) -> bytes:
    """The page as another tool might have saved it: no date meta, no byline stamp."""
    text = page.decode("utf-8")
    text = re.sub(r'<meta property="article:published_time"[^>]*>', "", text)
    text = re.sub(r'<div class="byline">.*?</div>', "", text)
    return text.encode("utf-8")


def test_extract_jsonl_piped_into_index_keeps_the_crawl_s_source_story_and_date(
    workspace: Workspace, ready_store: SearchStore
) -> None:
    with FixtureSite([daegu_original(), daegu_syndicated()]) as site:
        workspace.write_config([feed(site, "testilbo")])
        succeeds(workspace, "crawl")
        url = site.article_url("daegu-hangzhou-copy")
        with urllib.request.urlopen(url, timeout=10) as response:
            page = without_dates(response.read())
    crawled = docs(ready_store)[url]
    assert crawled["is_original"] is False and crawled["published"]

    saved = workspace.root / "copy.html"
    saved.write_bytes(page)
    cli = " ".join(NEWSWATCH) + f" --config {workspace.config_path}"
    pipeline = f"{cli} extract - --url '{url}' --jsonl < {saved} | {cli} index -"
    env = {
        **os.environ,
        "NEWSWATCH_SEARCH_URL": workspace.engine_url,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=workspace.root,
    )
    assert result.returncode == 0, result.stderr
    assert "<stdin>: indexed 1 (0 new, 1 updated)" in result.stdout, result.stdout

    extracted = subprocess.run(
        ["bash", "-c", f"{cli} extract - --url '{url}' --jsonl < {saved}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    line = json.loads(extracted.stdout)
    assert line["published"] is None and line["source"] is None and line["story_id"] is None

    after = docs(ready_store)[url]
    assert after["source"] == crawled["source"] == "testilbo"
    assert (after["story_id"], after["is_original"]) == (crawled["story_id"], False)
    assert after["published"] == crawled["published"]
    assert after["fetched"] != crawled["fetched"]  # the re-extracted line did land
