"""Alerts on the real engine, delivered to a webhook receiver and an SMTP server on loopback."""

from __future__ import annotations

import dataclasses
import email
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message as MailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from crawler.config import Config, parse_config
from crawler.engine.bulk import index_articles
from crawler.engine.client import SearchStore
from crawler.models import Article
from scheduler.alerts import AlertsNotReady, records, run_sweep, sync_watches
from scheduler.alerts.matching import NO_NOTIFIER
from scheduler.alerts.sweep import _sweep_lock
from tests.conftest import RecordingServer

SECRET = "s3cret-for-tests"
ENV = {"HOOK_SECRET": SECRET}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class LoopbackSMTP(Controller):
    """aiosmtpd on port 0: its readiness probe must use the port the OS picked."""

    def _trigger_server(self) -> None:
        server: Any = self.server
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@dataclass
class Inbox:
    messages: list[MailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture()
def smtp() -> Iterator[tuple[LoopbackSMTP, Inbox]]:
    inbox = Inbox()
    controller = LoopbackSMTP(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    yield controller, inbox
    controller.stop()


class Switch:
    """A webhook receiver that can be taken down (503) and brought back."""

    def __init__(self) -> None:
        self.up = True

    def __call__(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        return (200, {}, {"ok": True}) if self.up else (503, {}, {"down": True})


@pytest.fixture()
def hook() -> Iterator[tuple[RecordingServer, Switch]]:
    switch = Switch()
    with RecordingServer(switch) as server:
        yield server, switch


def make_config(hook_url: str, smtp_port: int | None, **watch: Any) -> Config:
    notifiers: dict[str, Any] = {
        "hook": {"type": "webhook", "url": hook_url, "secret_env": "HOOK_SECRET", "timeout": 3}
    }
    notify = ["hook"]
    if smtp_port is not None:
        notifiers["mail"] = {
            "type": "email",
            "host": "127.0.0.1",
            "port": smtp_port,
            "starttls": False,
            "sender": "newswatch@example.org",
            "to": ["analyst@example.org"],
            "timeout": 3,
        }
        notify.append("mail")
    spec = {"name": "daegu-smart", "query": "스마트시티 대구", "notify": notify, **watch}
    return parse_config({"watches": [spec], "notifiers": notifiers})


def article(
    n: int, text: str, *, story: str | None = None, fetched: datetime = T0, **extra: Any
) -> Article:
    return Article(
        url=f"https://news.example.kr/a/{n}",
        title=extra.pop("title", f"기사 {n}: 대구 소식"),
        text=text,
        fetched=fetched,
        published=fetched - timedelta(hours=1),
        site_name=extra.pop("site_name", "내일신문"),
        story_id=story or f"story-{n}",
        relevance=extra.pop("relevance", 3.0),
        **extra,
    )


def index(store: SearchStore, *articles: Article) -> None:
    report = index_articles(store, articles)
    assert report.failed == 0, report.first_errors
    store.request("POST", "/newswatch-articles/_refresh")


def sweep(store: SearchStore, config: Config, tmp_path: Path, now: datetime) -> Any:
    return run_sweep(store, config, tmp_path / "state", now, env=ENV)


def deliveries(store: SearchStore, **terms: str) -> list[dict[str, Any]]:
    filters = [{"term": {"record_type": "delivery"}}] + [{"term": {k: v}} for k, v in terms.items()]
    body = {"size": 100, "query": {"bool": {"filter": filters}}}
    return [hit["_source"] for hit in records.search_records(store, body)]


MATCHING = "대구시가 스마트시티를 추진한다. 알리바바의 시티브레인을 보러 항저우에 갔다."


def test_one_notification_per_channel_and_none_for_copies_or_non_matches(
    ready_store: SearchStore,
    hook: tuple[RecordingServer, Switch],
    smtp: tuple[LoopbackSMTP, Inbox],
    tmp_path: Path,
) -> None:
    server, _ = hook
    controller, inbox = smtp
    config = make_config(server.url, controller.port)
    index(ready_store, article(1, MATCHING, story="daegu"), article(2, "부산 항만 물류 소식"))
    report = sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1))
    assert (report.matching.alerts, report.delivery.sent) == (1, 2)
    assert len(server.requests) == 1 and len(inbox.messages) == 1

    body = json.loads(server.requests[0]["body"])
    assert body["watch"] == "daegu-smart" and body["articles"][0]["url"].endswith("/a/1")
    assert "스마트시티" in body["articles"][0]["highlights"]  # 스마트시티를 matched 스마트시티
    headers = {k.lower(): v for k, v in server.requests[0]["headers"].items()}
    expected = hmac.new(
        SECRET.encode(),
        headers["x-newswatch-timestamp"].encode() + b"." + server.requests[0]["body"],
        hashlib.sha256,
    ).hexdigest()
    assert headers["x-newswatch-signature"] == f"sha256={expected}"
    assert headers["idempotency-key"] == body["id"]
    mail = inbox.messages[0]
    assert mail["Message-ID"] == f"<{mail['X-Newswatch-Delivery']}@newswatch>"
    assert {p.get_content_type() for p in mail.walk()} >= {"text/plain", "text/html"}

    # A blog repost of the same story, fetched later: no second alert anywhere.
    repost = article(
        3,
        MATCHING,
        story="daegu",
        fetched=T0 + timedelta(minutes=2),
        kind="blog",
        is_original=False,
        site_name="티스토리",
    )
    index(ready_store, repost)
    again = sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=3))
    assert again.matching.articles_percolated == 1 and again.matching.repeats == 1
    assert again.delivery.sent == 0
    assert len(server.requests) == 1 and len(inbox.messages) == 1


def test_an_undated_article_alerts_with_the_time_it_was_first_seen(
    ready_store: SearchStore, hook: tuple[RecordingServer, Switch], tmp_path: Path
) -> None:
    server, _ = hook
    undated = dataclasses.replace(article(1, MATCHING), published=None)
    index(ready_store, undated)
    assert sweep(ready_store, make_config(server.url, None), tmp_path, T0).delivery.sent == 1
    body = json.loads(server.requests[0]["body"])
    (sent,) = body["articles"]
    assert sent["published"] is None and sent["first_seen"] == T0.isoformat()
    assert sent["time_kst"] == "2026-03-02 18:00 KST (first seen)"
    assert "내일신문 · 2026-03-02 18:00 KST (first seen)" in body["text"]


def test_receiver_down_then_recovered_delivers_once(
    ready_store: SearchStore, hook: tuple[RecordingServer, Switch], tmp_path: Path
) -> None:
    server, switch = hook
    config = make_config(server.url, None)
    switch.up = False
    index(ready_store, article(1, MATCHING))
    first = sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1))
    assert (first.delivery.sent, first.delivery.failed) == (0, 1)
    queued = deliveries(ready_store, status="queued")
    assert len(queued) == 1 and queued[0]["attempts"] == 1 and "503" in queued[0]["last_error"]

    # Not due yet (backoff): no request while the receiver is still down.
    sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1, seconds=5))
    assert len(server.requests) == 1

    switch.up = True
    later = T0 + timedelta(minutes=10)
    assert sweep(ready_store, config, tmp_path, later).delivery.sent == 1
    assert sweep(ready_store, config, tmp_path, later + timedelta(hours=1)).delivery.sent == 0
    keys = [r["headers"]["Idempotency-Key"] for r in server.requests]
    assert len(keys) == 2 and keys[0] == keys[1]  # one failed attempt, one delivery, same key
    assert deliveries(ready_store, status="sent")[0]["attempts"] == 2


def test_crash_between_send_and_record_resends_with_the_same_key(
    ready_store: SearchStore,
    hook: tuple[RecordingServer, Switch],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, _ = hook
    config = make_config(server.url, None)
    index(ready_store, article(1, MATCHING))

    def crash(*args: Any) -> None:
        raise RuntimeError("killed after sending")

    monkeypatch.setattr(records, "update_each", crash)
    with pytest.raises(RuntimeError):
        sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1))
    monkeypatch.undo()
    ready_store.request("POST", "/newswatch-alerts/_refresh")
    assert sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=2)).delivery.sent == 1
    assert sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=3)).delivery.sent == 0
    keys = [r["headers"]["Idempotency-Key"] for r in server.requests]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_digest_collects_a_window_into_one_message(
    ready_store: SearchStore, hook: tuple[RecordingServer, Switch], tmp_path: Path
) -> None:
    server, _ = hook
    # 09:00 KST every day = 00:00 UTC.
    config = make_config(server.url, None, mode="digest", digest_schedule="0 9 * * *")
    index(ready_store, article(1, MATCHING), article(2, MATCHING + " 2편"))
    sweep(ready_store, config, tmp_path, T0)
    index(ready_store, article(3, "대구 스마트시티 3편", fetched=T0 + timedelta(hours=2)))
    sweep(ready_store, config, tmp_path, T0 + timedelta(hours=3))
    assert server.requests == []  # nothing before the digest time
    assert len(deliveries(ready_store, status="digest_pending")) == 3

    fire = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    report = sweep(ready_store, config, tmp_path, fire + timedelta(minutes=1))
    assert (report.digests, report.delivery.sent) == (1, 1)
    body = json.loads(server.requests[0]["body"])
    assert body["digest"] is True and len(body["articles"]) == 3
    assert len(deliveries(ready_store, status="digested")) == 3
    assert sweep(ready_store, config, tmp_path, fire + timedelta(hours=2)).delivery.sent == 0
    assert len(server.requests) == 1


def test_min_relevance_and_field_terms_filter(
    ready_store: SearchStore, hook: tuple[RecordingServer, Switch], tmp_path: Path
) -> None:
    server, _ = hook
    config = parse_config(
        {
            "notifiers": {"hook": {"type": "webhook", "url": server.url}},
            "watches": [
                {"name": "strict", "query": "스마트시티", "notify": ["hook"], "min_relevance": 5},
                {"name": "blogs", "query": "스마트시티 kind:blog -광고", "notify": ["hook"]},
                {
                    "name": "outlet",
                    "query": 'outlet:내일신문 ("시티브레인" OR 알리바바)',
                    "notify": [],
                },
            ],
        }
    )
    index(
        ready_store,
        article(1, "스마트시티 기사", relevance=2.0),
        article(2, "스마트시티 블로그", kind="blog", relevance=6.0, site_name="블로그"),
        article(3, "스마트시티 블로그 광고", kind="blog"),
        article(4, "알리바바 방문", site_name="내일신문"),
    )
    sweep(ready_store, config, tmp_path, T0 + timedelta(minutes=1))
    matched = {(d["watch"], d["article_id"][-6:]) for d in deliveries(ready_store)}
    by_watch: dict[str, set[str]] = {}
    for d in deliveries(ready_store):
        by_watch.setdefault(d["watch"], set()).add(d["url"].rsplit("/", 1)[1])
    assert by_watch == {"strict": {"2"}, "blogs": {"2"}, "outlet": {"4"}}, matched
    assert deliveries(ready_store, watch="outlet")[0]["notifier"] == NO_NOTIFIER


def test_sync_watches_adds_updates_and_removes(ready_store: SearchStore) -> None:
    base = {"notifiers": {"hook": {"type": "webhook", "url": "http://127.0.0.1:9/"}}}
    one = parse_config(
        {**base, "watches": [{"name": "a", "query": "대구"}, {"name": "b", "query": "부산"}]}
    )
    assert sync_watches(ready_store, one).added == ["a", "b"]
    assert not sync_watches(ready_store, one).changed
    two = parse_config({**base, "watches": [{"name": "a", "query": "대구 -광고"}]})
    report = sync_watches(ready_store, two)
    assert (report.updated, report.removed) == (["a"], ["b"])
    stored = ready_store.request("GET", "/newswatch-watches/_doc/a")["_source"]
    assert stored["watch_query"] == "대구 -광고" and stored["query"]["bool"]["must_not"]


def test_sweep_before_setup_says_to_run_setup(store: SearchStore, tmp_path: Path) -> None:
    config = parse_config({"watches": [{"name": "w", "query": "대구"}]})
    with pytest.raises(AlertsNotReady, match="run `newswatch setup` first"):
        run_sweep(store, config, tmp_path, T0)


def test_a_sweep_while_another_runs_is_skipped(ready_store: SearchStore, tmp_path: Path) -> None:
    config = parse_config({"watches": [{"name": "w", "query": "대구"}]})
    with _sweep_lock(tmp_path) as held:
        assert held
        assert run_sweep(ready_store, config, tmp_path, T0).skipped
    assert not run_sweep(ready_store, config, tmp_path, T0).skipped
