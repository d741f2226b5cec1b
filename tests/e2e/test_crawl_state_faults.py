"""`newswatch crawl` when the index refuses writes or the local state is damaged:
nothing is lost, nothing is duplicated, and every failure is named and counted.

- the articles index is write-blocked in the middle of a crawl, then unblocked;
- a spool segment holds a corrupt line;
- the articles alias was deleted (and `newswatch setup` repairs it);
- the state directory's disk fills during a crawl (tests/e2e/full_disk.py says how);
- the seen-store is damaged.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.state.seen import SeenStore
from crawler.state.stories import StoryIndex
from tests.e2e.conftest import COMMAND_TIMEOUT_SECONDS, NEWSWATCH, Workspace
from tests.e2e.full_disk import fill_up
from tests.e2e.site_articles import fault_site_articles
from tests.e2e.test_crawl_faults import INDEXED_PATHS, count, documents, summary, write_config
from tests.engine_proxy import EngineProxy
from tests.fixture_site import FixtureSite

WRITE_BLOCK = "index.blocks.write"


@pytest.fixture()
def feed_site(workspace: Workspace) -> Iterator[FixtureSite]:
    with FixtureSite(fault_site_articles()) as site:
        write_config(
            workspace, [{"name": "testilbo", "type": "feed", "urls": [site.url + "/rss.xml"]}]
        )
        yield site


def set_write_block(store: SearchStore, blocked: bool) -> None:
    store.request("PUT", f"/{ARTICLES_ALIAS}/_settings", {WRITE_BLOCK: blocked})


def assert_all_indexed_once(store: SearchStore) -> None:
    assert set(documents(store)) == INDEXED_PATHS  # documents() fails on a path seen twice
    assert count(store) == len(INDEXED_PATHS)


def test_a_write_block_mid_crawl_loses_nothing_once_lifted(
    workspace: Workspace, feed_site: FixtureSite, ready_store: SearchStore, engine: str
) -> None:
    def block_after_first(number: int) -> None:
        if number == 1:
            set_write_block(ready_store, True)

    try:
        with EngineProxy(engine, on_bulk=block_after_first) as proxy:
            blocked = workspace.run("crawl", engine_url=proxy.url)
    finally:
        set_write_block(ready_store, False)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    figures = summary(blocked.stdout)
    assert figures["new"] == 6 and figures["indexed"] >= 1, blocked.stdout
    assert figures["errors:index:cluster_block_exception"] >= 1, blocked.stdout
    assert figures["failed"] == 0  # nothing went to rejected/
    assert "index is write-blocked: lift the block" in blocked.stderr
    assert "Traceback" not in blocked.stderr
    assert len(documents(ready_store)) < len(INDEXED_PATHS)

    # Lifted: the next crawl replays the spool first, fetches nothing again.
    lifted = workspace.run("crawl")
    assert lifted.returncode == 0, lifted.stdout + lifted.stderr
    assert "waiting in spool: 0" in lifted.stdout, lifted.stdout
    assert summary(lifted.stdout)["new"] == 0
    assert_all_indexed_once(ready_store)


def test_a_corrupt_spool_line_is_set_aside_named_and_the_rest_replayed(
    workspace: Workspace, feed_site: FixtureSite, ready_store: SearchStore
) -> None:
    first = workspace.run("crawl")
    assert first.returncode == 0, first.stdout + first.stderr
    docs = documents(ready_store)
    # Two edits waiting in the spool (as after an outage), with a torn line between them.
    spool = workspace.root / "state" / "spool"
    segment = spool / "seg-00000000000000000001-1-000000.jsonl"
    edited = sorted(INDEXED_PATHS)[:2]
    edits = [
        {
            "_op_type": "update",
            "_index": ARTICLES_ALIAS,
            "_id": docs[p]["_id"],
            "doc": {"tags": [p]},
        }
        for p in edited
    ]
    lines = [json.dumps(edits[0]), '{"_op_type": "update", "_id": "torn', json.dumps(edits[1])]
    segment.write_text("\n".join(lines) + "\n", encoding="utf-8")

    again = workspace.run("crawl")
    assert f"spool segment {segment} line 2 is not a bulk action" in again.stderr, again.stderr
    assert "Traceback" not in again.stderr
    assert again.returncode == 1  # the line is counted: someone should look at it
    assert summary(again.stdout)["errors:spool:corrupt_line"] == 1, again.stdout
    corrupt = segment.with_name(segment.name + ".corrupt")
    assert corrupt.read_text("utf-8") == lines[1] + "\n"
    assert not segment.exists()
    after = documents(ready_store)
    assert [after[p]["tags"] for p in edited] == [[p] for p in edited]
    assert workspace.run("crawl").returncode == 0  # set aside once, not again


def test_a_deleted_alias_is_a_named_error_and_setup_repairs_it(
    workspace: Workspace, feed_site: FixtureSite, ready_store: SearchStore
) -> None:
    ready_store.request("DELETE", f"/newswatch-articles-v1/_alias/{ARTICLES_ALIAS}")
    missing = workspace.run("crawl")
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert "the alias is missing: run `newswatch setup`" in missing.stderr, missing.stderr
    # The first bulk was refused; later ones waited behind it in the spool.
    assert summary(missing.stdout)["errors:index:index_not_found_exception"] >= 1
    # No index was created in the alias's place.
    assert ready_store.request("GET", f"/{ARTICLES_ALIAS}", ignore=(404,)) is None

    setup = workspace.run("setup")
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "alias was missing; restored on newswatch-articles-v1" in setup.stdout
    repaired = workspace.run("crawl")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "waiting in spool: 0" in repaired.stdout
    assert_all_indexed_once(ready_store)
    mapping = ready_store.request("GET", f"/{ARTICLES_ALIAS}/_mapping")["newswatch-articles-v1"]
    assert mapping["mappings"]["properties"]["text"]["analyzer"] == "korean"


def run_on_full_disk(workspace: Workspace) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["NEWSWATCH_SEARCH_URL"] = workspace.engine_url
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    command = [NEWSWATCH[0], "-m", "tests.e2e.full_disk", "--config", str(workspace.config_path)]
    return subprocess.run(
        [*command, "crawl"],
        capture_output=True,
        text=True,
        env=env,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
        cwd=workspace.root,
    )


def test_a_full_state_disk_is_counted_and_nothing_is_lost_after_space_returns(
    workspace: Workspace, feed_site: FixtureSite, ready_store: SearchStore
) -> None:
    state = workspace.root / "state"
    SeenStore(state / "seen.sqlite").close()  # the stores exist, their disk has no room left
    StoryIndex(state / "stories.sqlite").close()
    fill_up(state / "seen.sqlite")
    fill_up(state / "stories.sqlite")
    full = run_on_full_disk(workspace)
    assert full.returncode == 1, full.stdout + full.stderr
    figures = summary(full.stdout)
    assert figures.get("errors:disk_full", 0) >= 1, full.stdout + full.stderr
    assert "database or disk is full" in full.stderr and "seen.sqlite" in full.stderr
    assert "Traceback" not in full.stderr, full.stderr

    # Space is back: the articles not recorded are fetched again; none is duplicated.
    back = workspace.run("crawl")
    assert back.returncode == 0, back.stdout + back.stderr
    assert_all_indexed_once(ready_store)
    assert workspace.run("crawl").returncode == 0


def test_a_damaged_seen_store_is_named_with_how_to_rebuild_it(
    workspace: Workspace, feed_site: FixtureSite, ready_store: SearchStore
) -> None:
    assert workspace.run("crawl").returncode == 0
    seen = workspace.root / "state" / "seen.sqlite"
    with seen.open("r+b") as handle:
        handle.write(b"\x00damaged" * 512)
    damaged = workspace.run("crawl")
    assert damaged.returncode == 1
    assert "Traceback" not in damaged.stderr, damaged.stderr
    [line] = [x for x in damaged.stderr.splitlines() if str(seen) in x]
    assert "is damaged" in line and "move" in line and "nothing is duplicated" in line
    for suffix in ("", "-wal", "-shm"):
        Path(f"{seen}{suffix}").unlink(missing_ok=True)
    rebuilt = workspace.run("crawl")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert_all_indexed_once(ready_store)
