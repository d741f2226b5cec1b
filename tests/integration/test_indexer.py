"""BufferedIndexer and Spool against the real local engine (fails, never skips, without it)."""

from __future__ import annotations

import shutil
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler import store as store_module
from crawler.config import SearchConfig
from crawler.indexer import BufferedIndexer
from crawler.models import ARTICLES_ALIAS, Article
from crawler.spool import Spool
from crawler.store import Credentials, SearchStore

pytestmark = pytest.mark.engine

FETCHED = datetime.fromisoformat("2024-03-10T09:00:00+09:00")


def make_articles(n: int) -> list[Article]:
    return [
        Article(
            url=f"https://news.example.kr/smartcity/{i}",
            title=f"대구시 스마트시티 협력 {i}",
            text=f"대구시가 항저우와 스마트시티 협력을 논의했다. 기사 번호 {i}.",
            fetched=FETCHED,
            published=FETCHED - timedelta(hours=i),
            lang="ko",
        )
        for i in range(n)
    ]


def closed_port_url() -> str:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def down_store(live: SearchStore) -> SearchStore:
    """A store whose engine has gone away after connecting (connect itself would refuse)."""
    url = closed_port_url()
    settings = SearchConfig(url=url, max_retries=0, timeout=5.0)
    client = store_module._build_client(live.flavor, url, settings, Credentials())
    return SearchStore(url, live.info, client, settings)


def count(store: SearchStore) -> int:
    store.request("POST", f"/{ARTICLES_ALIAS}/_refresh")
    return int(store.request("GET", f"/{ARTICLES_ALIAS}/_count")["count"])


def get_doc(store: SearchStore, doc_id: str) -> dict[str, Any]:
    found: dict[str, Any] = store.request("GET", f"/{ARTICLES_ALIAS}/_doc/{doc_id}")
    return found


def test_unreachable_engine_spools_everything_then_replays_exactly_once(
    ready_store: SearchStore, tmp_path: Path
) -> None:
    articles = make_articles(30)
    spool = Spool(tmp_path / "spool")
    offline = down_store(ready_store)
    with BufferedIndexer(offline, spool, batch_size=10) as indexer:
        for article in articles:
            indexer.add(article.to_action())
    offline.close()
    assert indexer.stats.spooled == 30
    assert (indexer.stats.indexed_new, indexer.stats.failed) == (0, 0)
    assert spool.pending() == 30
    assert count(ready_store) == 0

    # Keep a copy of the segments: a crash after sending but before deleting
    # leaves them in place, and they must then be harmless to send again.
    backup = tmp_path / "backup"
    shutil.copytree(spool.directory, backup)

    online = BufferedIndexer(ready_store, spool)
    first = online.replay_spool()
    assert (first.replayed, first.rejected, first.remaining, first.stopped) == (30, 0, 0, None)
    assert count(ready_store) == 30

    for segment in backup.glob("seg-*.jsonl"):
        shutil.copy(segment, spool.directory / segment.name)
    assert spool.pending() == 30
    second = online.replay_spool()
    assert (second.replayed, second.remaining) == (30, 0)
    assert count(ready_store) == 30  # same ids: overwritten, not duplicated
    doc = get_doc(ready_store, articles[7].id)
    assert doc["_version"] == 2
    assert doc["_source"]["url"] == articles[7].url
    assert online.stats.replayed == 60


def test_new_batches_wait_behind_the_spool_so_old_versions_never_win(
    ready_store: SearchStore, tmp_path: Path
) -> None:
    article = make_articles(1)[0]
    spool = Spool(tmp_path / "spool")
    offline = down_store(ready_store)
    with BufferedIndexer(offline, spool) as indexer:
        indexer.add(article.to_action())
    offline.close()
    newer = Article(
        url=article.url, title="수정된 제목", text=article.text, fetched=FETCHED, lang="ko"
    )
    with BufferedIndexer(ready_store, spool) as indexer:
        indexer.add(newer.to_action())
    assert indexer.stats.replayed == 1
    assert indexer.stats.indexed_updated == 1
    assert get_doc(ready_store, article.id)["_source"]["title"] == "수정된 제목"


def test_mapping_violations_are_counted_by_kind_and_the_rest_indexed(
    ready_store: SearchStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = make_articles(5)
    bad_date = make_articles(6)[5].to_action()
    bad_date["_source"]["published"] = "지난주 화요일"  # "last Tuesday": not a date
    unknown_field = Article(
        url="https://news.example.kr/extra", title="t", text="x", fetched=FETCHED
    ).to_action()
    unknown_field["_source"]["not_in_mapping"] = 1  # the articles mapping is strict
    spool = Spool(tmp_path / "spool")
    with BufferedIndexer(ready_store, spool) as indexer:
        for action in [a.to_action() for a in good[:3]] + [bad_date, unknown_field]:
            indexer.add(action)
        for article in good[3:]:
            indexer.add(article.to_action())
    stats = indexer.stats
    assert (stats.indexed_new, stats.failed, stats.spooled) == (5, 2, 0)
    assert set(stats.failed_by_kind) <= {
        "mapper_parsing_exception",  # OpenSearch, Elasticsearch < 8.7
        "document_parsing_exception",  # Elasticsearch >= 8.7
        "strict_dynamic_mapping_exception",
    }
    assert sum(stats.failed_by_kind.values()) == 2
    assert "strict_dynamic_mapping_exception" in stats.failed_by_kind
    assert count(ready_store) == 5
    # Logged with the doc id, and kept for a person to look at.
    assert bad_date["_id"] in caplog.text and unknown_field["_id"] in caplog.text
    [rejected] = spool.rejected_files()
    assert len(rejected.read_text("utf-8").splitlines()) == 2
    assert spool.pending() == 0


def test_recrawl_updates_and_demotion_updates_is_original(
    ready_store: SearchStore, tmp_path: Path
) -> None:
    first, second = make_articles(2)
    spool = Spool(tmp_path / "spool")
    with BufferedIndexer(ready_store, spool) as indexer:
        indexer.add(first.to_action())
        indexer.add(second.to_action())
        indexer.add(first.to_action())  # the same URL again: overwrites
        indexer.mark_not_original([second.id, "0" * 40])  # the second id was never indexed
    stats = indexer.stats
    assert (stats.indexed_new, stats.indexed_updated) == (2, 2)
    assert stats.failed_by_kind == {"document_missing_exception": 1}
    assert count(ready_store) == 2
    assert get_doc(ready_store, second.id)["_source"]["is_original"] is False
    assert get_doc(ready_store, first.id)["_source"]["is_original"] is True


def test_without_an_engine_everything_is_spooled(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    with BufferedIndexer(None, spool, batch_size=2) as indexer:
        for article in make_articles(5):
            indexer.add(article.to_action())
    assert indexer.stats.spooled == 5
    assert len(spool.segments()) == 3
    assert indexer.replay_spool().remaining == 5
