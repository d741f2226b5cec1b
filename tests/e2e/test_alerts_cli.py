"""Alerts as a user runs them: `newswatch crawl` the fixture site, then `newswatch alerts ...`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.cells import cell_len

from crawler.engine.client import SearchStore
from tests.conftest import RecordingServer
from tests.e2e.conftest import Workspace
from tests.fixture_site import FixtureSite, SiteArticle


def ok(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    return 200, {}, {"ok": True}


def alerts_config(site: FixtureSite, hook: RecordingServer) -> dict[str, Any]:
    return {
        "notifiers": {"team": {"type": "webhook", "url": hook.url, "timeout": 5}},
        "watches": [
            {"name": "daegu-brain", "query": "대구 (시티브레인 OR 알리바바)", "notify": ["team"]},
            {"name": "sejong", "query": "바르셀로나 업무협약 -야구", "notify": ["team"]},
            {"name": "helsinki", "query": '"디지털 트윈" 헬싱키', "notify": ["team"]},
        ],
    }


def assert_fits_80_columns(text: str) -> None:
    """Output piped to a file is 80 terminal cells wide (a Hangul syllable takes two)."""
    assert all(cell_len(line) <= 80 for line in text.splitlines()), text


def watches_alerted(hook: RecordingServer) -> list[str]:
    return sorted(json.loads(r["body"])["watch"] for r in hook.requests)


def test_crawl_then_sweep_alerts_once_per_story(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    with RecordingServer(ok) as hook:
        source = {"name": "testilbo", "type": "feed", "urls": [f"{site.url}/rss.xml"]}
        workspace.write_config([source], **alerts_config(site, hook))
        assert workspace.run("crawl").returncode == 0

        listed = workspace.run("alerts", "list")
        assert listed.returncode == 0 and "daegu-brain" in listed.stdout, listed.stderr
        assert_fits_80_columns(listed.stdout)
        assert "…" not in listed.stdout  # queries and names wrap, never cut off
        listed = workspace.run("alerts", "list", "--json")
        watches = {w["name"]: w for w in json.loads(listed.stdout)}
        assert watches["sejong"]["query"] == "바르셀로나 업무협약 -야구"
        assert watches["sejong"]["notify"] == ["team"] and watches["sejong"]["deliveries"] == {}

        preview = workspace.run("alerts", "test", "daegu-brain", "--days", "1")
        assert preview.returncode == 0, preview.stderr
        assert "copy, no alert" in preview.stdout and "nothing was sent" in preview.stdout
        # The same query tried with --query, before it is a watch: the same articles.
        tried = workspace.run(
            "alerts", "test", "--query", watches["daegu-brain"]["query"], "--days", "1"
        )
        assert tried.returncode == 0, tried.stderr
        assert tried.stdout.split("\n", 1)[1] == preview.stdout.split("\n", 1)[1]
        assert hook.requests == []

        swept = workspace.run("alerts", "sweep")
        assert swept.returncode == 0, swept.stderr
        # The Daegu original and its syndicated copy are one story: one alert.
        assert watches_alerted(hook) == ["daegu-brain", "sejong"], swept.stdout

        site.add(
            SiteArticle(
                slug="seoul-helsinki",
                title="서울시, 헬싱키와 스마트시티 데이터 협력",
                paragraphs=[
                    "서울시는 핀란드 헬싱키시와 스마트시티 데이터 공유를 위한 업무협약을 맺었다."
                    " 양 도시는 디지털 트윈 기술을 함께 실증한다."
                ]
                * 2,
                published=datetime.fromisoformat("2024-06-01T09:00:00+09:00"),
            )
        )
        assert workspace.run("crawl").returncode == 0
        assert workspace.run("alerts", "sweep").returncode == 0
        assert workspace.run("alerts", "sweep").returncode == 0  # nothing new: nothing sent
        assert watches_alerted(hook) == ["daegu-brain", "helsinki", "sejong"]

        table = workspace.run("alerts", "history")
        assert table.returncode == 0 and "(KST)" in table.stdout, table.stdout
        assert_fits_80_columns(table.stdout)
        assert "daegu-brain" in table.stdout and "helsinki" in table.stdout
        history = workspace.run("alerts", "history", "--json")
        assert history.returncode == 0, history.stderr
        rows = json.loads(history.stdout)
        assert sorted((r["watch"], r["status"]) for r in rows) == [
            ("daegu-brain", "sent"),
            ("helsinki", "sent"),
            ("sejong", "sent"),
        ]


def test_a_sweep_whose_deliveries_failed_exits_1(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    def down(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        return 500, {}, {"ok": False}

    with RecordingServer(down) as hook:
        source = {"name": "testilbo", "type": "feed", "urls": [f"{site.url}/rss.xml"]}
        workspace.write_config([source], **alerts_config(site, hook))
        assert workspace.run("crawl").returncode == 0
        swept = workspace.run("alerts", "sweep")
        assert swept.returncode == 1, swept.stdout
        assert "failed; queued, retried by the next sweep" in swept.stderr
        assert hook.requests  # it did try
        history = workspace.run("alerts", "history", "--json")
        assert {r["status"] for r in json.loads(history.stdout)} == {"queued"}, history.stdout


def test_unknown_watch_and_bad_watch_syntax_are_usage_errors(workspace: Workspace) -> None:
    workspace.write_config([], watches=[{"name": "w", "query": "대구"}])
    result = workspace.run("alerts", "test", "nope")
    assert result.returncode == 2 and "no watch named 'nope'" in result.stderr
    result = workspace.run("alerts", "test", "--query", '대구 "City Brain')
    assert result.returncode == 2 and "unclosed quote (at column 4)" in result.stderr
    assert workspace.run("alerts", "test").returncode == 2

    workspace.write_config([], watches=[{"name": "broken", "query": "대구 OR"}])
    result = workspace.run("alerts", "list")
    assert result.returncode == 2 and "watch 'broken'" in result.stderr
