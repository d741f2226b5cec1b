"""Watches and notifiers in the config: bad ones are refused at load time, naming the watch."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import ConfigError, load_config, parse_config

HOOK = {"hook": {"type": "webhook", "url_env": "HOOK_URL"}}


def test_a_watch_with_a_syntax_error_is_refused_naming_the_watch(tmp_path: Path) -> None:
    path = tmp_path / "newswatch.yaml"
    path.write_text(
        "notifiers: {hook: {type: webhook, url_env: HOOK_URL}}\n"
        "watches:\n"
        "  - {name: good, query: 대구 스마트시티, notify: [hook]}\n"
        "  - {name: broken-quote, query: '\"City Brain 대구', notify: [hook]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "newswatch.yaml" in message and "watches[name=broken-quote]" in message
    assert "watch 'broken-quote'" in message and "unclosed quote" in message


def test_digest_needs_a_valid_cron() -> None:
    with pytest.raises(ConfigError, match="watch 'd': mode digest needs digest_schedule"):
        parse_config({"watches": [{"name": "d", "query": "대구", "mode": "digest"}]})
    with pytest.raises(ConfigError, match="not a valid cron"):
        parse_config(
            {
                "watches": [
                    {
                        "name": "d",
                        "query": "대구",
                        "mode": "digest",
                        "digest_schedule": "every morning",
                    }
                ]
            }
        )
    config = parse_config(
        {
            "watches": [
                {
                    "name": "d",
                    "query": "대구",
                    "mode": "digest",
                    "digest_schedule": "0 9 * * mon-fri",
                }
            ]
        }
    )
    assert config.watches[0].digest_schedule == "0 9 * * mon-fri"


@pytest.mark.parametrize(
    ("notifier", "message"),
    [
        ({"type": "slack"}, "a slack notifier needs url or url_env"),
        ({"type": "email", "host": "smtp.example.org"}, "needs host, sender and to"),
        ({"type": "telegram", "token_env": "TG"}, "needs token_env and chat_id"),
        ({"type": "webhook", "url": "ftp://x"}, r"must be an http\(s\) URL"),
    ],
)
def test_notifiers_need_their_channel_settings(notifier: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"notifiers": {"n": notifier}})
