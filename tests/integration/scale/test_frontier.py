"""The frontier's Lua scripts on the real Redis: host leases, pauses, dead workers, orphans."""

from __future__ import annotations

import time

import pytest
import redis

from crawler.config.scale import ScaleConfig
from crawler.scale import book as book_module
from crawler.scale.book import FrontierBook
from crawler.scale.frontier import Frontier


def frontier(url: str, worker: str, delay_ms: int = 0) -> Frontier:
    server = redis.Redis.from_url(url)
    return Frontier(
        server, prefix="t", source="s", worker_id=worker, host_lease_ms=5000,
        host_delay_ms=delay_ms,
    )  # fmt: skip


def test_one_request_per_host_at_a_time_then_the_pause(redis_url: str) -> None:
    a, b = frontier(redis_url, "a", delay_ms=300), frontier(redis_url, "b", delay_ms=300)
    for i in range(2):
        a.push("h1:80", f"h1-{i}".encode())
    a.push("h2:80", b"h2-0")
    first = a.pop()
    second = b.pop()
    assert first is not None and second is not None
    assert {first.host, second.host} == {"h1:80", "h2:80"}, "one host went to both"
    assert b.pop() is None  # h1 is leased, h2 is empty
    h1 = first if first.host == "h1:80" else second
    a.release_host(h1.host, h1.lease)
    assert b.pop() is None, "the host must pause after a request"
    time.sleep(0.35)
    again = b.pop()
    assert again is not None and again.data == b"h1-1"
    assert a.pending() == 0 and a.inflight() == 3


def test_requests_of_a_dead_worker_go_back_to_the_head_of_their_queue(redis_url: str) -> None:
    dead, alive = frontier(redis_url, "dead"), frontier(redis_url, "alive")
    server = redis.Redis.from_url(redis_url)
    server.set("t:worker:alive", "1")  # only the live worker has a heartbeat
    dead.push("h:80", b"first")
    dead.push("h:80", b"second")
    taken = dead.pop()
    assert taken is not None and taken.data == b"first"
    assert alive.requeue_dead("t:worker:") == 1
    assert alive.inflight() == 0 and alive.pending() == 2
    back = alive.pop()
    assert back is not None and back.data == b"first", "the host lease of the dead worker is freed"


def test_a_lease_no_hook_settled_is_settled_by_the_sweep(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = FrontierBook(
        redis.Redis.from_url(redis_url),
        ScaleConfig(redis_url_env="X", host_delay=0),
        download_timeout=5,
        seeding=True,
    )
    f = book.frontier("s")
    f.push("h:80", b"page")
    f.push("h:80", b"article")
    page, article = f.pop(), None
    assert page is not None
    f.release_host(page.host, page.lease)
    article = f.pop()
    assert article is not None
    book.downloaded("s", page.lease)
    book.downloaded("s", article.lease)
    book.hold("https://h/article", "s", article.lease)
    monkeypatch.setattr(book_module, "ORPHAN_AFTER_S", 0.0)
    assert book.settle_orphans() == 1, "only the lease no article holds"
    assert f.inflight() == 1
    book.settle_urls(["https://h/article"])
    assert f.is_drained()
