"""`newswatch setup` with rollover and replicas, on the real local node.

The local node (OpenSearch from Maven Central) has no Index State Management
plugin, so setup must say that it skipped the ISM policies and still leave the
indices ready for rollover. The rollover itself is core OpenSearch
(`POST <alias>/_rollover`, what a policy would trigger), so it is run by hand
here: the next backing index gets the template, the alias keeps writing, and
an upgrade copies every backing index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from crawler.engine.bulk import index_articles
from crawler.engine.client import SearchStore
from crawler.engine.indexer import BufferedIndexer
from crawler.engine.setup import current_write_index, run_setup
from crawler.engine.spool import Spool
from crawler.engine.templates import FAMILIES, load_families, mappings_dir
from crawler.models import Article
from tests.conftest import REPO

ARTICLES = "newswatch-articles"
COMMAND_TIMEOUT_SECONDS = 120


def articles(n: int, prefix: str) -> list[Article]:
    fetched = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        Article(
            url=f"https://news.example/{prefix}{i}",
            title=f"스마트시티 {i}",
            text="본문",
            fetched=fetched,
        )
        for i in range(n)
    ]


def setup_command(engine: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NEWSWATCH_SEARCH_URL=engine, PYTHONPATH=str(REPO))
    env.pop("NEWSWATCH_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "setup"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


def test_setup_without_ism_says_what_it_skipped_and_stays_idempotent(
    store: SearchStore, engine: str, tmp_path: Path
) -> None:
    first = setup_command(engine, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    for family in ("articles", "runs"):
        warning = (
            f"warning: newswatch-{family}: rollover policy {family}.ism.json skipped: the "
            f"engine at {engine} has no Index State Management plugin "
            f"(opensearch-index-management"
        )
        assert warning in " ".join(first.stderr.split()), first.stderr
    assert "watches.ism" not in first.stderr and "alerts.ism" not in first.stderr
    second = setup_command(engine, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("is up to date") == len(FAMILIES), (
        second.stdout
    )  # one line per index family
    assert second.stderr.count("rollover policy") == 2, second.stderr
    # Ready for a policy: a numbered write index behind the write alias, no ISM settings.
    aliases = store.request("GET", f"/_alias/{ARTICLES}")
    assert aliases == {f"{ARTICLES}-v1-000001": {"aliases": {ARTICLES: {"is_write_index": True}}}}
    settings = store.request("GET", f"/{ARTICLES}/_settings", params={"flat_settings": "true"})
    assert not any(
        "index_state_management" in k for k in settings[f"{ARTICLES}-v1-000001"]["settings"]
    )


def test_a_rollover_keeps_writing_through_the_alias_and_an_upgrade_copies_every_generation(
    store: SearchStore, tmp_path: Path
) -> None:
    run_setup(store)
    assert index_articles(store, articles(30, "old")).created == 30
    rolled = store.request("POST", f"/{ARTICLES}/_rollover")  # what a policy triggers
    assert rolled["rolled_over"] and rolled["new_index"] == f"{ARTICLES}-v1-000002"
    assert index_articles(store, articles(20, "new")).created == 20
    store.request("POST", f"/{ARTICLES}/_refresh")
    assert store.request("GET", f"/{ARTICLES}-v1-000002/_count")["count"] == 20
    assert store.request("GET", f"/{ARTICLES}/_count")["count"] == 50
    # The new generation has the template's Korean analysis, and setup is content.
    mapping = store.request("GET", f"/{ARTICLES}-v1-000002/_mapping")
    assert (
        mapping[f"{ARTICLES}-v1-000002"]["mappings"]["properties"]["title"]["analyzer"] == "korean"
    )
    assert current_write_index(store, ARTICLES) == f"{ARTICLES}-v1-000002"
    assert all("up to date" in a for a in run_setup(store).actions)

    directory = tmp_path / "index_mappings"
    shutil.copytree(mappings_dir(), directory)
    with (directory / "synonyms.txt").open("a", encoding="utf-8") as handle:
        handle.write("세종, Sejong\n")
    report = run_setup(store, load_families(directory))

    migrated = [a for a in report.actions if "mapping changed" in a and ARTICLES + ":" in a]
    assert migrated and "reindexed 50 of 50" in migrated[0], report.actions
    assert list(store.request("GET", f"/_alias/{ARTICLES}")) == [f"{ARTICLES}-v2-000001"]
    store.request("POST", f"/{ARTICLES}/_refresh")
    assert store.request("GET", f"/{ARTICLES}/_count")["count"] == 50
    # Both old generations are kept for rollback.
    for old in ("v1-000001", "v1-000002"):
        assert store.request("GET", f"/{ARTICLES}-{old}/_count")["count"] in (30, 20)


def test_an_index_from_before_rollover_is_upgraded_to_a_numbered_one(store: SearchStore) -> None:
    """Installations older than rollover have `<alias>-v1`, which cannot roll over."""
    run_setup(store)
    legacy = f"{ARTICLES}-v1"
    store.request("DELETE", f"/{ARTICLES}-v1-000001")
    store.request("PUT", f"/{legacy}", {"aliases": {ARTICLES: {"is_write_index": True}}})
    index_articles(store, articles(5, "legacy"))
    assert current_write_index(store, ARTICLES) == legacy

    report = run_setup(store)

    assert any(f"created {ARTICLES}-v2-000001, reindexed 5 of 5" in a for a in report.actions), (
        report.actions
    )
    assert current_write_index(store, ARTICLES) == f"{ARTICLES}-v2-000001"
    assert all("up to date" in a for a in run_setup(store).actions)


def test_replicas_from_the_config_reach_live_indices_without_a_reindex(store: SearchStore) -> None:
    run_setup(store)
    index_articles(store, articles(3, "r"))

    fixed = run_setup(store, replicas="0")

    assert any(
        f"{ARTICLES}: number_of_replicas=0, auto_expand_replicas=false on" in a
        for a in fixed.actions
    ), fixed.actions
    assert not any("mapping changed" in a or "created" in a for a in fixed.actions)
    settings = store.request("GET", f"/{ARTICLES}/_settings", params={"flat_settings": "true"})
    live = settings[f"{ARTICLES}-v1-000001"]["settings"]
    assert live["index.number_of_replicas"] == "0" and live["index.auto_expand_replicas"] == "false"
    template = store.request("GET", f"/_index_template/{ARTICLES}")["index_templates"][0]
    assert template["index_template"]["template"]["settings"]["index"]["number_of_replicas"] == "0"
    assert all("up to date" in a for a in run_setup(store, replicas="0").actions)

    back = run_setup(store)  # the file's auto-expand 0-1 again

    assert any("auto_expand_replicas=0-1" in a for a in back.actions), back.actions
    store.request("POST", f"/{ARTICLES}/_refresh")
    assert store.request("GET", f"/{ARTICLES}/_count")["count"] == 3


def test_after_a_rollover_a_recrawled_article_is_written_where_it_is(
    store: SearchStore, tmp_path: Path
) -> None:
    """Stable ids across generations: no second copy, updates find the document."""
    run_setup(store)
    old = articles(10, "gen1")
    index_articles(store, old)
    store.request("POST", f"/{ARTICLES}/_rollover")
    changed = [
        Article(url=a.url, title=a.title + " (수정)", text=a.text, fetched=a.fetched)
        for a in old[:3]
    ]
    spool = Spool(tmp_path / "spool")
    with BufferedIndexer(store, spool) as indexer:
        for article in changed + articles(4, "gen2"):
            indexer.add(article.to_action())
        indexer.mark_not_original([old[5].id])
    assert indexer.stats.failed == 0 and spool.pending() == 0, indexer.stats

    store.request("POST", f"/{ARTICLES}/_refresh")
    assert store.request("GET", f"/{ARTICLES}/_count")["count"] == 14  # 10 + 4 new, no copies
    assert store.request("GET", f"/{ARTICLES}-v1-000002/_count")["count"] == 4
    first = store.request("GET", f"/{ARTICLES}-v1-000001/_doc/{old[0].id}")["_source"]
    assert first["title"].endswith("(수정)")
    assert (
        store.request("GET", f"/{ARTICLES}-v1-000001/_doc/{old[5].id}")["_source"]["is_original"]
        is False
    )
