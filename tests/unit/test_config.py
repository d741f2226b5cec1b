from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import ConfigError, load_config, parse_config, parse_interval


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newswatch.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_config_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
search: {url: "http://127.0.0.1:9200"}
crawl: {allow_hosts: [127.0.0.1]}
topics: {smart_city: [스마트시티, 스마트 시티]}
sources:
  - {name: yonhap, type: feed, urls: ["https://example.com/rss"], schedule: "*/15 * * * *"}
  - {name: hall, type: site, start_urls: ["https://example.com/"], allow: ["/news/"],
     schedule: {interval: 15m}}
notifiers: {team: {type: webhook, url_env: HOOK_URL}}
watches: [{name: daegu, query: 대구 스마트시티, notify: [team]}]
""",
    )
    config = load_config(path)
    assert [s.name for s in config.sources] == ["yonhap", "hall"]
    assert config.topics == {"smart_city": ["스마트시티", "스마트 시티"]}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("search: {url: localhost:9200}", "search.url"),
        ("crawl: {alow_hosts: []}", "crawl.alow_hosts"),
        ("sources: [{name: a, type: feed}]", "sources[0].urls"),
        ("sources: [{name: a, type: rss, urls: [x]}]", "sources[0]"),
        (
            "sources: [{name: a, type: feed, urls: [x], schedule: '61 * * * *'}]",
            "sources[0].schedule",
        ),
        (
            "sources: [{name: a, type: feed, urls: [x], schedule: {interval: soon}}]",
            "sources[0].schedule",
        ),
        ("sources: [{name: a, type: site, start_urls: [x], allow: ['(']}]", "sources[0].allow"),
        ("watches: [{name: w, query: q, notify: [nobody]}]", "watches[0].notify"),
        ("bogus: 1", "bogus"),
    ],
)
def test_bad_fields_are_named_with_the_file(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert field in message


def test_missing_named_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "search: [unclosed"))
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        parse_config(["a"])


def test_missing_default_file_means_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSWATCH_CONFIG", raising=False)
    assert load_config().sources == []


def test_engine_url_environment_overrides_config(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config({"search": {"url": "http://a:9200"}})
    monkeypatch.delenv("NEWSWATCH_SEARCH_URL", raising=False)
    assert config.search.effective_url() == "http://a:9200"
    monkeypatch.setenv("NEWSWATCH_SEARCH_URL", "https://b:9243")
    assert config.search.effective_url() == "https://b:9243"


def test_intervals() -> None:
    assert parse_interval("90s") == 90
    assert parse_interval("15m") == 900
    assert parse_interval("1d") == 86400
    with pytest.raises(ValueError, match="interval must look like"):
        parse_interval("15 minutes")
