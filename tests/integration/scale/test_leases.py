"""Leases on the real Redis: leader takeover with fencing tokens, one run per source."""

from __future__ import annotations

import time

import redis

from crawler.scale.lease import LeaderLease, RunLease


def test_a_second_leader_waits_for_the_lease_to_expire_and_gets_a_new_token(
    redis_url: str,
) -> None:
    server = redis.Redis.from_url(redis_url)
    first = LeaderLease(server, "t", "first", ttl=0.3)
    second = LeaderLease(server, "t", "second", ttl=0.3)
    assert first.acquire() and first.token == 1
    assert not second.acquire()
    assert first.renew() and first.is_current()
    time.sleep(0.4)  # the first leader stopped renewing
    assert second.acquire() and second.token == 2
    assert not first.renew(), "a lost lease must not be renewed"
    assert not first.is_current() and second.is_current()


def test_a_run_started_under_a_stale_token_or_beside_another_run_does_not_start(
    redis_url: str,
) -> None:
    server = redis.Redis.from_url(redis_url)
    leader = LeaderLease(server, "t", "leader", ttl=5)
    assert leader.acquire()
    token = leader.token
    run = RunLease(server, "t", "daegu", "crawl-1", ttl=5)
    assert run.start(token) is None
    other = RunLease(server, "t", "daegu", "crawl-2", ttl=5)
    assert other.start(token) == "already running (crawl-1)"
    run.finish()
    server.incr("t:leader:epoch")  # another scheduler took over
    refusal = other.start(token)
    assert refusal is not None and "stale" in refusal
    assert other.start(token + 1 if token else None) is None
    events = [e.decode().split("|")[0] for e in server.lrange("t:runlog:daegu", 0, -1)]
    assert events == ["start", "end", "start"]
