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
        ("sources: [{name: a, type: feed}]", "sources[name=a].urls"),
        ("sources: [{name: a, type: rss, urls: [x]}]", "sources[name=a]"),
        (
            "sources: [{name: a, type: feed, urls: ['http://a/'], schedule: '61 * * * *'}]",
            "sources[name=a].schedule",
        ),
        (
            "sources: [{name: a, type: feed, urls: ['http://a/'], schedule: {interval: soon}}]",
            "sources[name=a].schedule",
        ),
        (
            "sources: [{name: a, type: site, start_urls: ['http://a/'], allow: ['(']}]",
            "sources[name=a].allow",
        ),
        ("sources: [{type: feed, urls: ['http://a/']}]", "sources[0].name"),
        ("watches: [{name: w, query: q, notify: [nobody]}]", "watches[name=w].notify"),
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


def problem(raw: dict[str, object]) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, "newswatch.yaml")
    return str(info.value)


def feed(urls: list[str], **extra: object) -> dict[str, object]:
    return {"sources": [{"name": "daegu-press", "type": "feed", "urls": urls, **extra}]}


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("www.yna.co.kr/rss/news.xml", "has no scheme: write https://www.yna.co.kr/rss/news.xml"),
        ("ftp://example.com/feed", "only http and https URLs are crawled, not ftp"),
        ("http:///feed", "has no host name"),
        ("/rss", "has no scheme"),
    ],
)
def test_source_urls_need_an_http_scheme_and_a_host(url: str, says: str) -> None:
    message = problem(feed(["https://example.com/ok", url]))
    assert message.startswith("newswatch.yaml: sources[name=daegu-press].urls[1]: ")
    assert says in message


def test_every_kind_of_source_url_is_checked() -> None:
    site = {"name": "hall", "type": "site", "start_urls": ["example.com/news"]}
    assert "sources[name=hall].start_urls[0]: 'example.com/news' has no scheme" in problem(
        {"sources": [site]}
    )
    blog = {"name": "b", "type": "blog", "platform": "tistory", "blog_id": "x", "feed_url": "x/rss"}
    assert "sources[name=b].feed_url: 'x/rss' has no scheme" in problem({"sources": [blog]})
    mixed = parse_config(feed(["http://127.0.0.1:8080/rss", "HTTPS://Example.com/a"]))
    assert len(mixed.sources) == 1


@pytest.mark.parametrize("interval", [90, "90", 1.5])
def test_an_interval_without_unit_says_to_write_seconds(interval: object) -> None:
    message = problem(feed(["https://example.com/rss"], schedule={"interval": interval}))
    assert "sources[name=daegu-press].schedule.interval: " in message
    assert f"has no unit: write {interval}s" in message
    # One error, not one per branch of the cron-or-interval union.
    assert "valid string" not in message and ";" not in message


def test_a_schedule_of_the_wrong_shape_says_both_shapes() -> None:
    message = problem(feed(["https://example.com/rss"], schedule=15))
    assert "sources[name=daegu-press].schedule: must be a cron string" in message
    assert "{interval: 15m}" in message


def test_an_unknown_key_names_the_source_and_the_closest_key() -> None:
    site = {"name": "daegu-press", "type": "site", "start_urls": ["https://a/"], "max_dpeth": 3}
    message = problem({"sources": [{"name": "a", "type": "feed", "urls": ["https://b/"]}, site]})
    assert message == (
        "newswatch.yaml: sources[name=daegu-press].max_dpeth: unknown key; did you mean max_depth?"
    )


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"crawl": {"alow_hosts": []}}, "crawl.alow_hosts: unknown key; did you mean allow_hosts?"),
        (
            {"notifiers": {"team": {"type": "webhook", "url_evn": "HOOK"}}},
            "notifiers.team.url_evn: unknown key; did you mean url_env?",
        ),
        (
            {"watches": [{"name": "w", "query": "q", "notfy": []}]},
            "watches[name=w].notfy: unknown key; did you mean notify?",
        ),
        (
            {"bogus": 1},
            "bogus: unknown key; valid keys: briefings, crawl, gazetteer, notifiers, scale,"
            " search,",
        ),
    ],
)
def test_unknown_keys_everywhere_get_a_suggestion(raw: dict[str, object], says: str) -> None:
    assert says in problem(raw)


def test_the_local_engine_url_follows_newswatch_engine_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NEWSWATCH_SEARCH_URL", raising=False)
    monkeypatch.delenv("NEWSWATCH_ENGINE_PORT", raising=False)
    search = parse_config({}).search
    assert search.effective_url() == "http://127.0.0.1:9200"
    assert search.engine_hint() == "start the local engine on port 9200 with `make engine`"
    monkeypatch.setenv("NEWSWATCH_ENGINE_PORT", "9320")
    assert search.effective_url() == "http://127.0.0.1:9320"
    assert "`NEWSWATCH_ENGINE_PORT=9320 make engine`" in search.engine_hint()
    # A configured or exported URL wins, and the hint names it instead.
    configured = parse_config({"search": {"url": "https://search.example.org:9243"}}).search
    assert configured.effective_url() == "https://search.example.org:9243"
    assert "https://search.example.org:9243" in configured.engine_hint()
    assert "make engine" not in configured.engine_hint()
    monkeypatch.setenv("NEWSWATCH_ENGINE_PORT", "92OO")
    with pytest.raises(ConfigError, match="NEWSWATCH_ENGINE_PORT must be a port number"):
        search.effective_url()


def test_an_smtp_user_needs_a_password_variable() -> None:
    mail = {"type": "email", "host": "smtp.example.org", "sender": "a@example.org"}
    mail |= {"to": ["b@example.org"], "username_env": "SMTP_USER"}
    message = problem({"notifiers": {"mail": mail}})
    assert "notifiers.mail: username_env needs password_env" in message


def test_a_key_given_twice_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "crawl:\n  min_relevance: 1\n  min_relevance: 3\n")
    with pytest.raises(ConfigError, match=r"duplicate key 'min_relevance' \(line 3\)"):
        load_config(path)


def test_state_dir_that_is_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("not a folder")
    path = write(tmp_path, f"crawl:\n  state_dir: {tmp_path / 'state'}\n")
    with pytest.raises(ConfigError, match=r"crawl\.state_dir.*not a directory"):
        load_config(path)


def test_a_missing_ca_bundle_is_named_not_reported_as_unreachable(tmp_path: Path) -> None:
    from crawler.engine.client import Credentials

    with pytest.raises(ConfigError, match=r"NEWSWATCH_SEARCH_CA: CA bundle .* is not a file"):
        Credentials.from_env({"NEWSWATCH_SEARCH_CA": str(tmp_path / "missing.pem")})
