from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from crawler.state.seen import SeenStore
from crawler.vocabulary import SEOUL

URL = "https://www.naeil.com/news_view/?id_art=296143"
LASTMOD = datetime(2018, 12, 19, 10, 41, tzinfo=SEOUL)


def test_unknown_url_is_fetched(tmp_path: Path) -> None:
    with SeenStore(tmp_path / "seen.sqlite") as seen:
        assert seen.get(URL) is None
        assert seen.should_fetch(URL, None)
        assert seen.should_fetch(URL, LASTMOD)


def test_known_url_is_fetched_again_only_when_lastmod_is_newer(tmp_path: Path) -> None:
    with SeenStore(tmp_path / "seen.sqlite") as seen:
        seen.mark(URL, doc_id="d1", content_hash="h1", lastmod=LASTMOD)
        assert not seen.should_fetch(URL, None)
        assert not seen.should_fetch(URL, LASTMOD)
        assert not seen.should_fetch(URL, LASTMOD - timedelta(days=1))
        assert seen.should_fetch(URL, LASTMOD + timedelta(minutes=1))


def test_lastmod_comparison_respects_offsets_and_naive_is_seoul(tmp_path: Path) -> None:
    with SeenStore(tmp_path / "seen.sqlite") as seen:
        seen.mark(URL, doc_id="d1", content_hash="h1", lastmod=LASTMOD)
        naive_seoul = LASTMOD.replace(tzinfo=None)  # naive times are Seoul time: same instant
        assert not seen.should_fetch(URL, naive_seoul)
        assert not seen.should_fetch(URL, LASTMOD.astimezone(UTC))
        # 10:41 in UTC is 19:41 in Seoul: newer.
        assert seen.should_fetch(URL, datetime(2018, 12, 19, 10, 41, tzinfo=UTC))


def test_without_recorded_lastmod_the_last_fetch_time_counts(tmp_path: Path) -> None:
    with SeenStore(tmp_path / "seen.sqlite") as seen:
        seen.mark(URL, doc_id="d1", content_hash="h1")
        entry = seen.get(URL)
        assert entry is not None and entry.lastmod is None
        assert not seen.should_fetch(URL, entry.last_seen - timedelta(hours=1))
        assert seen.should_fetch(URL, entry.last_seen + timedelta(hours=1))


def test_mark_reports_new_updated_unchanged_and_keeps_first_seen(tmp_path: Path) -> None:
    with SeenStore(tmp_path / "seen.sqlite") as seen:
        assert seen.mark(URL, doc_id="d1", content_hash="h1", lastmod=LASTMOD) == "new"
        first = seen.get(URL)
        assert seen.mark(URL, doc_id="d1", content_hash="h1") == "unchanged"
        assert seen.mark(URL, doc_id="d1", content_hash="h2") == "updated"
        entry = seen.get(URL)
    assert first is not None and entry is not None
    assert entry.first_seen == first.first_seen
    assert entry.last_seen >= first.last_seen
    assert entry.content_hash == "h2"
    assert entry.lastmod == LASTMOD  # a mark without lastmod keeps the recorded one
    assert entry.doc_id == "d1"


def test_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state" / "seen.sqlite"
    with SeenStore(path) as seen:
        seen.mark(URL, doc_id="d1", content_hash="h1", lastmod=LASTMOD)
        seen.set_validators("https://feed.example/rss", '"abc"', "Wed, 19 Dec 2018 01:41:02 GMT")
        assert seen.spend("naver", date(2024, 3, 5), 10)
    with SeenStore(path) as seen:
        assert seen.mark(URL, doc_id="d1", content_hash="h1") == "unchanged"
        assert seen.validators("https://feed.example/rss") == (
            '"abc"',
            "Wed, 19 Dec 2018 01:41:02 GMT",
        )
        assert seen.spent("naver", date(2024, 3, 5)) == 1


def test_validators_default_to_none_and_can_be_replaced(tmp_path: Path) -> None:
    with SeenStore(tmp_path / "seen.sqlite") as seen:
        assert seen.validators("https://feed.example/rss") == (None, None)
        seen.set_validators("https://feed.example/rss", '"v1"', None)
        seen.set_validators("https://feed.example/rss", None, "Thu, 20 Dec 2018 00:00:00 GMT")
        assert seen.validators("https://feed.example/rss") == (
            None,
            "Thu, 20 Dec 2018 00:00:00 GMT",
        )


def test_daily_budget_is_exhausted_per_key_and_day(tmp_path: Path) -> None:
    day = date(2024, 3, 5)
    with SeenStore(tmp_path / "seen.sqlite") as seen:
        assert [seen.spend("naver", day, 3) for _ in range(5)] == [True, True, True, False, False]
        assert seen.spent("naver", day) == 3
        assert seen.spend("naver", day + timedelta(days=1), 3)
        assert seen.spend("daum", day, 3)
        assert not seen.spend("google", day, 0)


def _mark_forever(path: Path, ready: multiprocessing.synchronize.Event) -> None:
    seen = SeenStore(path)
    i = 0
    while True:
        seen.mark(f"https://example.com/{i}", doc_id=str(i), content_hash="h")
        i += 1
        if i == 50:
            ready.set()


def test_marks_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "seen.sqlite"
    SeenStore(path).close()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    writer = context.Process(target=_mark_forever, args=(path, ready))
    writer.start()
    try:
        assert ready.wait(timeout=60), "writer process never got going"
    finally:
        assert writer.pid is not None
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(timeout=10)
    # The file opens cleanly and every committed mark is there, without gaps.
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    (count,) = db.execute("SELECT COUNT(*) FROM seen").fetchone()
    db.close()
    assert count >= 50
    with SeenStore(path) as seen:
        assert seen.get(f"https://example.com/{count - 1}") is not None
        assert seen.get(f"https://example.com/{count}") is None


def test_first_seen_is_the_time_given_at_the_first_mark_and_never_moves(tmp_path: Path) -> None:
    first = datetime(2018, 12, 19, 15, 27, tzinfo=SEOUL)
    with SeenStore(tmp_path / "seen.sqlite") as seen:
        seen.mark(URL, doc_id="d1", content_hash="h1", first_seen=first)
        seen.mark(URL, doc_id="d1", content_hash="h2", first_seen=first + timedelta(days=3))
        entry = seen.get(URL)
    assert entry is not None and entry.first_seen == first


def test_a_failed_url_waits_one_day_then_twice_as_long_up_to_thirty(tmp_path: Path) -> None:
    store = SeenStore(tmp_path / "seen.sqlite")
    url = "https://news.example.kr/gone.html"
    assert store.failed_until(url) is None
    now = datetime.now(UTC)
    waits = [store.mark_failed(url, 404) - now for _ in range(8)]
    assert [round(w / timedelta(days=1)) for w in waits] == [1, 2, 4, 8, 16, 30, 30, 30]
    until = store.failed_until(url)
    assert until is not None and until > now + timedelta(days=29)
    assert store.failed_until("https://news.example.kr/other.html") is None
