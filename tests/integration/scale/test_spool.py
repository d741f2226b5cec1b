"""The Redis spool: a batch a finished or dead process spooled is replayed by the next one."""

from __future__ import annotations

from pathlib import Path

import redis

from crawler.engine.client import SearchStore
from crawler.scale.spool import RedisSpool
from tests.integration.engine.test_indexer import count, down_store, make_articles


def test_a_gone_process_spool_is_adopted_and_replayed_in_order(
    ready_store: SearchStore, tmp_path: Path, redis_url: str
) -> None:
    server = redis.Redis.from_url(redis_url)
    articles = make_articles(5)
    gone = RedisSpool(tmp_path / "a", server, "t", "vm:1:gone")
    gone.append([a.to_action() for a in articles[:3]])
    gone.append([a.to_action() for a in articles[3:]])
    server.set("t:worker:vm:3:alive", "1")  # a live worker's spool is its own
    alive = RedisSpool(tmp_path / "c", server, "t", "vm:3:alive")
    alive.append([make_articles(6)[5].to_action()])

    replayer = RedisSpool(tmp_path / "b", server, "t", "vm:2:next")
    assert replayer.pending() == 6
    result = replayer.replay(ready_store)

    assert result.replayed == 5 and result.stopped is None
    assert result.remaining == 1, "the live worker's batch waits for it"
    assert count(ready_store) == 5
    assert server.exists("t:spool:vm:1:gone") == 0


def test_an_unreachable_engine_leaves_the_batch_in_place(
    ready_store: SearchStore, tmp_path: Path, redis_url: str
) -> None:
    server = redis.Redis.from_url(redis_url)
    spool = RedisSpool(tmp_path / "a", server, "t", "vm:1:me")
    spool.append([a.to_action() for a in make_articles(2)])
    offline = down_store(ready_store)
    result = spool.replay(offline)
    offline.close()
    assert result.stopped is not None and "unreachable" in result.stopped
    assert result.remaining == 2
    assert spool.replay(ready_store).replayed == 2


def test_segments_left_in_the_folder_are_replayed_first(
    ready_store: SearchStore, tmp_path: Path, redis_url: str
) -> None:
    from crawler.engine.spool import Spool

    server = redis.Redis.from_url(redis_url)
    articles = make_articles(3)
    Spool(tmp_path / "spool").append([articles[0].to_action()])  # from before Redis
    spool = RedisSpool(tmp_path / "spool", server, "t", "vm:1:me")
    spool.append([a.to_action() for a in articles[1:]])
    assert spool.pending() == 3
    assert spool.replay(ready_store).replayed == 3
    assert spool.pending() == 0 and count(ready_store) == 3
