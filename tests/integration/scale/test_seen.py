"""The Redis seen-store keeps the SQLite one's rules, and two workers share it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import redis

from crawler.scale.seen import RedisSeenStore, SeenLedger
from crawler.state.seen import SeenStore

URL = "https://news.example.kr/2024/03/04/daegu.html"
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SeenLedger]:
    if request.param == "sqlite":
        sqlite = SeenStore(tmp_path / "seen.sqlite")
        yield sqlite
        sqlite.close()
    else:
        url = request.getfixturevalue("redis_url")
        yield RedisSeenStore(redis.Redis.from_url(url), "t")


def test_marks_say_new_unchanged_updated_and_keep_the_first_sighting(store: SeenLedger) -> None:
    assert store.mark(URL, doc_id="d1", content_hash="h1", first_seen=T0) == "new"
    assert store.mark(URL, doc_id="d1", content_hash="h1") == "unchanged"
    assert store.mark(URL, doc_id="d1", content_hash="h2", first_seen=T0 + timedelta(days=3)) == (
        "updated"
    )
    entry = store.get(URL)
    assert entry is not None and entry.first_seen == T0 and entry.content_hash == "h2"


def test_a_known_page_is_fetched_again_only_when_its_source_says_it_changed(
    store: SeenLedger,
) -> None:
    assert store.should_fetch(URL, None)
    store.mark(URL, doc_id="d1", content_hash="h1", lastmod=T0)
    assert not store.should_fetch(URL, None)
    assert not store.should_fetch(URL, T0)
    assert store.should_fetch(URL, T0 + timedelta(minutes=1))


def test_validators_and_failed_urls(store: SeenLedger) -> None:
    assert store.validators(URL) == (None, None)
    store.set_validators(URL, '"abc"', None)
    assert store.validators(URL) == ('"abc"', None)
    assert store.failed_until(URL) is None
    until = store.mark_failed(URL, 404)
    assert store.failed_until(URL) == until
    assert store.mark_failed(URL, 404) > until  # the wait doubles


def test_two_workers_share_one_daily_budget(redis_url: str) -> None:
    first, second = (RedisSeenStore(redis.Redis.from_url(redis_url), "t") for _ in range(2))
    today = date(2024, 3, 4)
    taken = [s.spend("naver", today, 3) for s in (first, second, first, second)]
    assert taken == [True, True, True, False]
    assert second.spent("naver", today) == 3


def test_a_url_not_seen_for_seen_days_is_forgotten(redis_url: str) -> None:
    server = redis.Redis.from_url(redis_url)
    store = RedisSeenStore(server, "t", keep_days=90)
    store.mark(URL, doc_id="d1", content_hash="h1")
    ttl = server.ttl(next(iter(server.scan_iter("t:seen:url:*"))))
    assert 89 * 86400 < ttl <= 90 * 86400
