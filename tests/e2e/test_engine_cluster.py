"""Fault test: one of two engine nodes stops, indexing goes on.

Starts its own two-node cluster on loopback with the local launcher
(`NEWSWATCH_ENGINE_NODES=2 engine.sh start` on the first two free HTTP
ports from 9320, homes under tmp_path), runs `newswatch setup` (replicas:
auto-expand 0-1, so each shard has a copy on the other node), indexes
articles through the crawl's BufferedIndexer, kills the node that holds the
articles' primary shard (SIGKILL, no goodbye), indexes more, and checks that
every article is searchable on the node that is left.

With two nodes only one can be the elected cluster manager that the voting
configuration needs (node 0 bootstraps the cluster); the killed node is the
other one. Losing the manager of a two-node cluster stops writes by design:
production clusters need three manager-eligible nodes for that.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.config import SearchConfig
from crawler.engine.client import SearchStore
from crawler.engine.indexer import BufferedIndexer
from crawler.engine.setup import run_setup
from crawler.engine.spool import Spool
from crawler.models import Article
from tests.conftest import REPO

ENGINE_SH = REPO / "deploy" / "local-search" / "engine.sh"
# HTTP ports tried for the cluster (two consecutive, plus their transport ports
# +100, +101, all free): below 9350, where the test engine's transport range
# (9350+) begins; other local engines sit on 9200-9310. NEWSWATCH_TEST_CLUSTER_PORT
# names the first port instead.
CLUSTER_PORTS = range(9320, 9349)
# A cold start of two nodes takes ~10-20 s on this 2-core machine; a build, if
# the launcher changed, ~10 s more.
START_TIMEOUT_SECONDS = 240
# Bulk requests wait up to 1 min for a primary by default; the replica is promoted
# within seconds of the node's connection dropping.
AFTER_KILL_DEADLINE_SECONDS = 90
BATCH = 200
ARTICLES = "newswatch-articles"


@dataclass(frozen=True)
class Node:
    name: str
    url: str
    pid: int


@dataclass(frozen=True)
class Cluster:
    manager: Node
    other: Node
    env: dict[str, str]


def free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port() -> int:
    if os.environ.get("NEWSWATCH_TEST_CLUSTER_PORT"):
        return int(os.environ["NEWSWATCH_TEST_CLUSTER_PORT"])
    for port in CLUSTER_PORTS:
        if all(free(p) for p in (port, port + 1, port + 100, port + 101)):
            return port
    pytest.fail(f"no two free HTTP ports (and transport ports +100) in {CLUSTER_PORTS}")


def engine_sh(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ENGINE_SH), command],
        capture_output=True,
        text=True,
        env=env,
        timeout=START_TIMEOUT_SECONDS,
        check=False,
    )


def node_pid(home: Path) -> int:
    return int((home / "engine.pid").read_text().strip())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    port = cluster_port()
    env = dict(
        os.environ,
        NEWSWATCH_ENGINE_PORT=str(port),
        NEWSWATCH_ENGINE_NODES="2",
        NEWSWATCH_ENGINE_HOME=str(tmp_path / "cluster"),
    )
    started = engine_sh("start", env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert "cluster of 2 nodes" in started.stdout, started.stdout
        homes = [tmp_path / "cluster" / f"node-{port + i}" for i in range(2)]
        nodes = [
            Node(f"newswatch-local-{i}", f"http://127.0.0.1:{port + i}", node_pid(h))
            for i, h in enumerate(homes)
        ]
        yield Cluster(manager=nodes[0], other=nodes[1], env=env)
    finally:
        stopped = engine_sh("stop", env)
        pids = [
            node_pid(h)
            for h in (tmp_path / "cluster").glob("node-*")
            if (h / "engine.pid").exists()
        ]
    # `engine.sh stop` stops every node of the port (and removes their pid files).
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert pids == [], stopped.stdout


def articles(prefix: str) -> list[Article]:
    fetched = datetime.now(UTC)
    return [
        Article(
            url=f"https://news.example/{prefix}/{i}",
            title=f"대구시 스마트시티 협력 {prefix} {i}",
            text="대구시는 항저우시와 스마트시티 교통 협력을 논의했다.",
            fetched=fetched,
        )
        for i in range(BATCH)
    ]


def shard_copies(store: SearchStore, index: str) -> list[dict[str, Any]]:
    rows = store.request(
        "GET", f"/_cat/shards/{index}", params={"format": "json", "h": "prirep,state,node"}
    )
    return list(rows)


def primary_node(store: SearchStore, index: str) -> str:
    (primary,) = [r for r in shard_copies(store, index) if r["prirep"] == "p"]
    return str(primary["node"])


def wait_green(store: SearchStore) -> None:
    # In the path: the client takes a `timeout` parameter for its own request timeout.
    health = store.request("GET", "/_cluster/health?wait_for_status=green&timeout=60s")
    assert health["status"] == "green", health


def put_primary_on(store: SearchStore, index: str, node: str, other: str) -> None:
    """Fail the primary on `other` so the replica on `node` becomes the primary."""
    if primary_node(store, index) == node:
        return
    command = {"cancel": {"index": index, "shard": 0, "node": other, "allow_primary": True}}
    store.request("POST", "/_cluster/reroute", {"commands": [command]})
    wait_green(store)
    assert primary_node(store, index) == node, shard_copies(store, index)


def index_all(indexer: BufferedIndexer, batch: list[Article]) -> None:
    for article in batch:
        indexer.add(article.to_action())
    indexer.flush()


def test_indexing_continues_when_one_of_two_nodes_is_killed(
    cluster: Cluster, tmp_path: Path
) -> None:
    store = SearchStore.connect(SearchConfig(url=cluster.manager.url))
    try:
        managers = store.request("GET", "/_cat/cluster_manager", params={"format": "json"})
        assert [m["node"] for m in managers] == [cluster.manager.name]
        run_setup(store)
        wait_green(store)
        write_index = next(iter(store.request("GET", f"/_alias/{ARTICLES}")))
        copies = shard_copies(store, write_index)
        assert {r["node"] for r in copies} == {cluster.manager.name, cluster.other.name}, copies
        put_primary_on(store, write_index, cluster.other.name, cluster.manager.name)

        spool = Spool(tmp_path / "spool")
        indexer = BufferedIndexer(store, spool)
        before, after = articles("before"), articles("after")
        index_all(indexer, before)
        assert indexer.stats.indexed_new == BATCH and indexer.stats.spooled == 0

        os.kill(cluster.other.pid, signal.SIGKILL)
        killed = time.monotonic()
        while alive(cluster.other.pid):
            assert time.monotonic() - killed < 10, "the killed node is still alive"
            time.sleep(0.1)

        index_all(indexer, after)
        while spool.pending():  # what waited for the promoted primary, sent again
            assert time.monotonic() - killed < AFTER_KILL_DEADLINE_SECONDS, indexer.stats
            time.sleep(1)
            indexer.replay_spool()
        took = time.monotonic() - killed
        print(f"indexing after the kill: {BATCH} articles in {took:.1f} s, stats {indexer.stats}")

        assert indexer.stats.indexed_new + indexer.stats.replayed >= 2 * BATCH, indexer.stats
        assert indexer.stats.failed == 0 and indexer.stats.quarantined == 0, indexer.stats
        health = store.request("GET", "/_cluster/health")
        # Green again: auto-expand 0-1 drops the replica that has nowhere to go.
        assert health["number_of_nodes"] == 1 and health["status"] == "green", health
        assert primary_node(store, write_index) == cluster.manager.name
        store.request("POST", f"/{ARTICLES}/_refresh")
        ids = [a.id for a in before + after]
        found = store.request(
            "POST", f"/{ARTICLES}/_search", {"size": 0, "query": {"ids": {"values": ids}}}
        )
        assert found["hits"]["total"]["value"] == 2 * BATCH
        assert store.request("GET", f"/{ARTICLES}/_count")["count"] == 2 * BATCH
    finally:
        store.close()
