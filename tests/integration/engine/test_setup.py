"""`newswatch setup` on the real local engine: create, stay idempotent, migrate safely."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from crawler.engine.bulk import index_articles
from crawler.engine.client import SearchStore
from crawler.engine.setup import ReindexProgress, current_write_index, run_setup
from crawler.engine.templates import FAMILIES, MAPPINGS_DIR_ENV, load_families, mappings_dir
from crawler.models import Article
from tests.conftest import REPO


def articles(n: int, prefix: str = "a") -> list[Article]:
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


def test_setup_creates_everything_then_is_idempotent(store: SearchStore) -> None:
    first = run_setup(store)
    assert any("created newswatch-articles-v1" in a for a in first.actions)
    assert any("template installed" in a for a in first.actions)
    for alias in ("newswatch-articles", "newswatch-runs", "newswatch-watches"):
        assert current_write_index(store, alias) == f"{alias}-v1"
    second = run_setup(store)
    assert all("up to date" in a for a in second.actions), second.actions
    assert len(second.actions) == len(FAMILIES)


def test_changed_mapping_migrates_without_losing_documents(
    store: SearchStore, tmp_path: Path
) -> None:
    run_setup(store)
    report = index_articles(store, articles(1200))
    assert report.created == 1200
    directory = tmp_path / "index_mappings"
    shutil.copytree(mappings_dir(), directory)
    with (directory / "synonyms.txt").open("a", encoding="utf-8") as handle:
        handle.write("세종, Sejong\n")
    migrated = run_setup(store, load_families(directory))
    assert any("created newswatch-articles-v2" in a for a in migrated.actions), migrated.actions
    assert current_write_index(store, "newswatch-articles") == "newswatch-articles-v2"
    store.request("POST", "/newswatch-articles/_refresh")
    aliased = store.request("GET", "/_alias/newswatch-articles")
    assert list(aliased) == ["newswatch-articles-v2"]
    assert store.request("GET", "/newswatch-articles/_count")["count"] == 1200
    # The old index is kept for rollback, outside the alias.
    assert store.request("GET", "/newswatch-articles-v1/_count")["count"] == 1200
    again = run_setup(store, load_families(directory))
    assert all("up to date" in a for a in again.actions)
    # The new synonym is live on the new index.
    hits = store.request(
        "POST",
        "/newswatch-articles/_search",
        {"query": {"match": {"title": "Sejong"}}, "size": 0},
    )
    assert hits["hits"]["total"]["value"] == 0  # analyzer works; no 세종 in titles


def test_setup_repairs_a_concrete_index_squatting_on_the_alias(store: SearchStore) -> None:
    """What an older crawler left when the alias was deleted: a write auto-created
    `newswatch-articles` with dynamic mappings. Setup moves its documents and takes the
    name back for the alias, with the Korean analysis."""
    run_setup(store)
    index_articles(store, articles(3, "old"))
    store.request("DELETE", "/newswatch-articles-v1/_alias/newswatch-articles")
    for article in articles(2, "new"):  # as a write without require_alias did
        store.request("PUT", f"/newswatch-articles/_doc/{article.id}", article.to_document())
    assert "newswatch-articles" in store.request("GET", "/newswatch-articles")

    report = run_setup(store)
    assert any("was a concrete index" in a and "moved its 2 of 2" in a for a in report.actions)
    assert current_write_index(store, "newswatch-articles") == "newswatch-articles-v1"
    assert list(store.request("GET", "/_alias/newswatch-articles")) == ["newswatch-articles-v1"]
    store.request("POST", "/newswatch-articles/_refresh")
    assert store.request("GET", "/newswatch-articles/_count")["count"] == 5
    mapping = store.request("GET", "/newswatch-articles/_mapping")
    title = mapping["newswatch-articles-v1"]["mappings"]["properties"]["title"]
    assert title["analyzer"] == "korean"
    assert all("up to date" in a for a in run_setup(store).actions)


# Enough documents that the copy is a real task the setup polls (several 1,000-document
# batches), few enough to index and copy in a few seconds on the test node.
PROGRESS_DOCS = 3000


def changed_mappings(tmp_path: Path) -> Path:
    """A copy of index_mappings/ with one synonym more: the articles template changes."""
    directory = tmp_path / "index_mappings"
    shutil.copytree(mappings_dir(), directory)
    with (directory / "synonyms.txt").open("a", encoding="utf-8") as handle:
        handle.write("세종, Sejong\n")
    return directory


def test_migration_reports_progress_until_every_document_is_copied(
    store: SearchStore, tmp_path: Path
) -> None:
    run_setup(store)
    assert index_articles(store, articles(PROGRESS_DOCS)).created == PROGRESS_DOCS
    steps: list[ReindexProgress] = []

    run_setup(store, load_families(changed_mappings(tmp_path)), progress=steps.append)

    copies = [s for s in steps if s.dest == "newswatch-articles-v2"]
    assert copies, f"the progress callback was never called for the articles copy: {steps}"
    assert {s.source for s in copies} == {"newswatch-articles-v1"}
    assert [s.done for s in copies] == sorted(s.done for s in copies)
    last = copies[-1]
    assert last.completed and last.done == last.total == PROGRESS_DOCS


def test_setup_command_prints_progress_lines_when_not_on_a_terminal(
    store: SearchStore, engine: str, tmp_path: Path
) -> None:
    run_setup(store)
    index_articles(store, articles(PROGRESS_DOCS))
    env = dict(os.environ, NEWSWATCH_SEARCH_URL=engine, PYTHONPATH=str(REPO))
    env[MAPPINGS_DIR_ENV] = str(changed_mappings(tmp_path))
    env.pop("NEWSWATCH_CONFIG", None)

    done = subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "setup"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    expected = (
        f"reindexing newswatch-articles-v1 → newswatch-articles-v2: "
        f"{PROGRESS_DOCS:,} of {PROGRESS_DOCS:,} documents (copied)"
    )
    assert expected in done.stderr, done.stderr
    assert "created newswatch-articles-v2, reindexed 3000 of 3000" in done.stdout
