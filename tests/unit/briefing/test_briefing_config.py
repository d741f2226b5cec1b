"""`briefings:` in the config: the documented shape loads, mistakes name the field."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from crawler.config import ConfigError, parse_config
from crawler.vocabulary import SEOUL
from scheduler.briefing.period import PeriodError, parse_moment, resolve_period

CONTRACT = """
notifiers:
  press-office-mail: {type: email, host: smtp.example.kr, sender: a@example.kr, to: [b@example.kr]}
  team-slack: {type: slack, url_env: SLACK_URL}
briefings:
  - name: morning
    schedule: "0 7 * * mon-fri"
    period: since_last        # or a window such as 24h
    sections:
      - {title: 우리 시, query: '대구'}
      - {title: 해외 도시·기업, query: '항저우 OR 싱가포르 OR 알리바바'}
    notify: [press-office-mail, team-slack]
    formats: [html, pdf, xlsx]
"""


def load(briefing: dict[str, Any]) -> None:
    parse_config({"briefings": [{"name": "morning", **briefing}]}, "nw.yaml")


def test_the_issue_s_config_shape_loads() -> None:
    import yaml

    (morning,) = parse_config(yaml.safe_load(CONTRACT)).briefings
    assert morning.schedule == "0 7 * * mon-fri" and morning.period == "since_last"
    assert [s.query for s in morning.sections] == ["대구", "항저우 OR 싱가포르 OR 알리바바"]
    assert morning.formats == ["html", "pdf", "xlsx"] and morning.heading == "morning briefing"


@pytest.mark.parametrize(
    ("briefing", "message"),
    [
        ({"schedule": "0 7 * * funday"}, "not a valid cron expression"),
        ({"period": "24"}, "has no unit"),
        ({"period": "yesterday"}, "since_last or a window"),
        ({"sections": [{"title": "x", "query": "(대구"}]}, "section 'x': query '(대구'"),
        ({"formats": ["docx"]}, "briefings[name=morning].formats"),
        ({"notify": ["nobody"]}, "unknown notifier 'nobody'"),
        ({"sectons": []}, "did you mean sections"),
        ({"link": "intranet/briefings"}, "must be an http(s) URL"),
    ],
)
def test_mistakes_name_the_briefing_and_the_field(briefing: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(briefing)
    assert message in str(caught.value)
    assert str(caught.value).startswith("nw.yaml: ")


def test_briefing_names_are_unique() -> None:
    with pytest.raises(ConfigError, match="duplicate briefing name 'a'"):
        parse_config({"briefings": [{"name": "a"}, {"name": "a"}]})


NOW = datetime(2026, 12, 2, 7, 0, 41, tzinfo=SEOUL)


def test_the_period_ends_at_the_minute_and_starts_as_configured() -> None:
    config = parse_config({"briefings": [{"name": "a"}, {"name": "b", "period": "7d"}]})
    since_last, window = config.briefings
    end = NOW.replace(second=0)
    assert resolve_period(since_last, NOW) == (end - timedelta(days=1), end)
    last = end - timedelta(hours=3)
    assert resolve_period(since_last, NOW, last_end=last) == (last, end)
    assert resolve_period(window, NOW, last_end=last) == (end - timedelta(days=7), end)
    assert resolve_period(window, NOW, since="2h") == (end - timedelta(hours=2), end)
    with pytest.raises(PeriodError, match="is empty"):
        resolve_period(window, NOW, start=end + timedelta(hours=1))


def test_times_without_an_offset_are_korean_time() -> None:
    assert parse_moment("2026-12-02T07:00", "--end") == datetime(2026, 12, 2, 7, tzinfo=SEOUL)
    with pytest.raises(PeriodError, match="--end: 'tomorrow'"):
        parse_moment("tomorrow", "--end")
