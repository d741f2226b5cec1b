"""Messages per channel: the fields are there, and crawled text cannot inject markup."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from scheduler.alerts.deliver import RetrySettings
from scheduler.alerts.escape import safe_url
from scheduler.alerts.message import (
    FIRST_SEEN_MARK,
    Item,
    Message,
    article_times,
    format_kst,
    format_timeline,
    segments_from_highlight,
)
from scheduler.alerts.notifiers import discord, slack, teams, telegram, webhook
from scheduler.alerts.notifiers.email import build_email
from scheduler.alerts.render import text_body

HOSTILE = (
    "*굵게* _기울임_ ~취소~ `코드` <!channel> <https://evil.example|클릭> "
    "[링크](javascript:alert(1)) @everyone <script>alert(1)</script> # 제목 > 인용"
)


def item(url: str = "https://news.example.kr/a/1?x=1&y=2") -> Item:
    return Item(
        title=HOSTILE,
        url=url,
        outlet="내일<b>신문</b>",
        published=datetime(2018, 12, 19, 6, 27, tzinfo=UTC),
        snippet=(("대구시가 ", False), ("스마트시티", True), (f"를 {HOSTILE}", False)),
    )


def message(*items: Item) -> Message:
    return Message(key="d-abc", watch="daegu <watch>", items=items or (item(),))


def test_highlights_are_parsed_from_html_encoded_fragments() -> None:
    fragments = [
        "대구 <em>스마트</em><em>시티</em>를 &lt;em&gt;가짜&lt;&#x2F;em&gt;",
        "둘째 <em>조각</em>",
    ]
    assert segments_from_highlight(fragments) == (
        ("대구 ", False),
        ("스마트시티", True),
        ("를 <em>가짜</em>", False),
        (" … 둘째 ", False),
        ("조각", True),
    )


def test_published_time_is_shown_in_kst() -> None:
    assert format_kst(datetime(2018, 12, 19, 6, 27, tzinfo=UTC)) == "2018-12-19 15:27 KST"


def test_slack_escapes_control_characters_and_formatting() -> None:
    payload = json.dumps(slack.render(message()), ensure_ascii=False)
    for injected in ("<!channel>", "<https://evil", "*굵게*", "_기울임_", "`코드`", "<script>"):
        assert injected not in payload
    assert "*스마트시티*" in payload  # our own emphasis survives
    assert "<https://news.example.kr/a/1?x=1&y=2|" in payload
    assert "2018-12-19 15:27 KST" in payload and "daegu &lt;watch&gt;" in payload


def test_discord_escapes_markdown_and_disables_mentions() -> None:
    payload = discord.render(message())
    assert payload["allowed_mentions"] == {"parse": []}
    text = json.dumps(payload, ensure_ascii=False)
    assert "@everyone" not in text and "[링크](javascript" not in text and "*굵게*" not in text
    assert "**스마트시티**" in payload["embeds"][0]["description"]
    assert payload["embeds"][0]["url"].startswith("https://news.example.kr/")


def test_teams_card_has_no_markdown_from_the_page() -> None:
    card = teams.render(message())["attachments"][0]["content"]
    text = json.dumps(card, ensure_ascii=False)
    assert "[링크](" not in text and "*굵게*" not in text and "<script>" not in text
    assert "**스마트시티**" in text and "(https://news.example.kr/a/1?x=1&y=2)" in text


def test_email_html_is_escaped_and_has_a_text_part() -> None:
    mail = build_email(message(), "nw@example.org", ["a@example.org"])
    html_part = mail.get_body(("html",))
    text_part = mail.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html = html_part.get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>신문" not in html
    assert "<mark>스마트시티</mark>" in html
    assert "«스마트시티»" in text_part.get_content()
    assert mail["Message-ID"] == "<d-abc@newswatch>" and "\n" not in str(mail["Subject"])


def test_telegram_html_mode_is_escaped() -> None:
    text = telegram.render(message(), "42")["text"]
    assert "<script>" not in text and "<b>스마트시티</b>" in text
    assert 'href="https://news.example.kr/a/1?x=1&amp;y=2"' in text


def test_non_http_links_are_not_linked() -> None:
    assert safe_url("javascript:alert(1)") is None
    hostile = message(item(url="javascript:alert(1)"))
    assert "<javascript" not in json.dumps(slack.render(hostile), ensure_ascii=False)
    assert "href" not in telegram.render(hostile, "1")["text"]
    assert "url" not in discord.render(hostile)["embeds"][0]


def test_webhook_body_and_signature() -> None:
    body = webhook.render(message())
    assert body["id"] == "d-abc" and body["articles"][0]["highlights"] == ["스마트시티"]
    assert webhook.sign("k", "1700000000", b"{}") == webhook.sign("k", "1700000000", b"{}")
    assert webhook.sign("k", "1700000000", b"{}") != webhook.sign("k", "1700000001", b"{}")


def test_digests_respect_channel_item_limits() -> None:
    many = message(*[item() for _ in range(30)])
    digest = Message(key=many.key, watch=many.watch, items=many.items, digest=True)
    assert len(discord.render(digest)["embeds"]) == discord.MAX_ITEMS
    assert "(and 20 more)" in discord.render(digest)["content"]
    assert len(telegram.render(digest, "1")["text"]) <= telegram.MESSAGE_CHARS


def test_backoff_doubles_up_to_the_cap_and_honours_retry_after() -> None:
    retry = RetrySettings(base_seconds=30, max_seconds=1800)
    assert [retry.delay(n, None).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry.delay(20, None) == timedelta(seconds=1800)
    assert retry.delay(1, 300.0) == timedelta(seconds=300)


def test_an_undated_article_shows_when_it_was_first_seen_in_every_channel() -> None:
    first_seen = datetime(2024, 3, 10, 9, 0, tzinfo=UTC)
    undated = Item(
        title="제목",
        url="https://blog.example.kr/12",
        outlet="블로그",
        published=None,
        first_seen=first_seen,
        snippet=(("본문", False),),
    )
    shown = "2024-03-10 18:00 KST"
    assert undated.when == f"{shown} {FIRST_SEEN_MARK}"
    assert f"블로그 · {shown} (first seen)" in text_body(message(undated))
    for rendered in (
        slack.render(message(undated)),
        teams.render(message(undated)),
        discord.render(message(undated)),
        telegram.render(message(undated), "1"),
    ):
        # Discord's escapes (2024\-03\-10) are backslashes the reader does not see.
        flat = json.dumps(rendered, ensure_ascii=False).replace("\\", "")
        assert shown in flat and "first seen" in flat and "date unknown" not in flat
    article = webhook.render(message(undated))["articles"][0]
    assert article["published"] is None and article["published_kst"] == "date unknown"
    assert article["first_seen"] == first_seen.isoformat()
    assert article["time_kst"] == f"{shown} (first seen)"
    assert Item.from_record(undated.to_record()) == undated


def test_item_times_come_from_the_documents_timeline_fields() -> None:
    dated = {"published": "2018-12-19T15:27:00+09:00", "timeline_basis": "published"}
    assert article_times({**dated, "timeline_time": dated["published"]})[1] is None
    undated = {"published": None, "timeline_basis": "first_seen"}
    stamp = "2024-03-10T09:00:00+00:00"
    assert article_times({**undated, "timeline_time": stamp}) == (
        None,
        datetime.fromisoformat(stamp),
    )
    assert format_timeline(None, None) == "date unknown"


def test_a_60000_character_title_is_cut_to_each_channels_limit_keeping_the_link() -> None:
    url = "https://news.example.kr/a/1"
    huge = Item(
        title="대구&" * 20_000,
        url=url,
        outlet="신문" * 30_000,
        published=datetime(2018, 12, 19, 6, 27, tzinfo=UTC),
        snippet=(("대구시가 " * 50, False),),
    )
    single, digest = message(huge), message(*[huge] * 20)
    for msg in (single, digest):
        for block in slack.render(msg)["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= slack.SECTION_CHARS
        assert url in json.dumps(slack.render(msg))
        payload = discord.render(msg)
        assert len(payload["content"]) <= discord.CONTENT_CHARS
        for embed in payload["embeds"]:
            assert len(embed["title"]) <= discord.TITLE_CHARS and embed["title"].endswith("…")
            assert len(embed["description"]) <= discord.DESCRIPTION_CHARS
            assert embed["url"] == url
        card = teams.render(msg)
        assert len(json.dumps(card, ensure_ascii=False).encode()) <= teams.CARD_BYTES
        assert url in json.dumps(card)
        text = telegram.render(msg, "42")["text"]
        assert len(text) <= telegram.MESSAGE_CHARS and url in text
    section = slack.render(single)["blocks"][1]["text"]["text"]
    assert section.startswith(f"*<{url}|") and "…" in section
