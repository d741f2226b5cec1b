"""BufferedIndexer and Spool against the real local engine (fails, never skips, without it)."""

from __future__ import annotations

import json
import shutil
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.config import SearchConfig
from crawler.engine import client as store_module
from crawler.engine.client import Credentials, SearchStore
from crawler.engine.indexer import BufferedIndexer
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.engine.setup import run_setup
from crawler.engine.spool import Spool
from crawler.models import Article

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


def test_a_write_block_keeps_actions_spooled_until_it_is_lifted(
    ready_store: SearchStore, tmp_path: Path
) -> None:
    """index.blocks.write (maintenance, shrink): refused per item with 403, kept, not rejected."""
    articles = make_articles(12)
    spool = Spool(tmp_path / "spool")
    ready_store.request("PUT", f"/{ARTICLES_ALIAS}/_settings", {"index.blocks.write": True})
    try:
        with BufferedIndexer(ready_store, spool, batch_size=5) as indexer:
            for article in articles:
                indexer.add(article.to_action())
    finally:
        ready_store.request("PUT", f"/{ARTICLES_ALIAS}/_settings", {"index.blocks.write": False})
    stats = indexer.stats
    assert (stats.indexed_new, stats.failed, stats.spooled) == (0, 0, 12)
    # The first batch was refused (counted once each, though every later flush sent it
    # again); the later batches waited behind it in the spool, unsent.
    assert stats.refused_by_kind == {"cluster_block_exception": 5}
    assert stats.errors_by_kind() == {"index:cluster_block_exception": 5}
    assert (spool.pending(), spool.rejected()) == (12, 0)

    after = BufferedIndexer(ready_store, spool)
    assert after.replay_spool().replayed == 12
    assert count(ready_store) == 12
    assert spool.pending() == 0


def test_a_missing_alias_is_never_created_by_a_write_and_setup_brings_it_back(
    ready_store: SearchStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ready_store.request("DELETE", f"/newswatch-articles-v1/_alias/{ARTICLES_ALIAS}")
    spool = Spool(tmp_path / "spool")
    with BufferedIndexer(ready_store, spool) as indexer:
        for article in make_articles(3):
            indexer.add(article.to_action())
    assert indexer.stats.refused_by_kind == {"index_not_found_exception": 3}
    assert "run `newswatch setup`" in caplog.text
    assert spool.pending() == 3
    # No concrete index squats on the alias's name.
    assert ready_store.request("GET", f"/{ARTICLES_ALIAS}", ignore=(404,)) is None

    report = run_setup(ready_store)
    assert any("alias was missing; restored on newswatch-articles-v1" in a for a in report.actions)
    assert BufferedIndexer(ready_store, spool).replay_spool().replayed == 3
    assert count(ready_store) == 3


def test_over_long_keyword_values_are_indexed_not_rejected(
    ready_store: SearchStore, tmp_path: Path
) -> None:
    """Lucene refuses terms over 32766 bytes; `ignore_above` keeps the document."""
    long = "가" * 12_000  # 36,000 UTF-8 bytes
    article = Article(
        url="https://news.example.kr/long?q=" + "x" * 40_000,
        title="대구시 스마트시티",
        text="본문",
        fetched=FETCHED,
        site_name=long,
        section=long,
    )
    spool = Spool(tmp_path / "spool")
    with BufferedIndexer(ready_store, spool) as indexer:
        indexer.add(article.to_action())
    assert (indexer.stats.indexed_new, indexer.stats.failed) == (1, 0), indexer.stats
    source = get_doc(ready_store, article.id)["_source"]
    assert source["site_name"] == long and len(source["canonical_url"]) > 40_000


def test_spool_retry_sends_what_an_older_mapping_rejected(
    ready_store: SearchStore, tmp_path: Path
) -> None:
    """Rejected under the template before ignore_above; requeued, it is indexed now."""
    article = make_articles(1)[0]
    spool = Spool(tmp_path / "spool")
    record = {
        "status": 400,
        "kind": "illegal_argument_exception",
        "reason": "Document contains at least one immense term in field=site_name",
        "action": article.to_action(),
    }
    (spool.rejected_dir / "indexer-1.jsonl").write_text(json.dumps(record) + "\n", "utf-8")
    assert spool.rejected() == 1
    assert spool.requeue_rejected() == 1
    result = spool.replay(ready_store)
    assert (result.replayed, result.rejected, result.remaining) == (1, 0, 0)
    assert count(ready_store) == 1
