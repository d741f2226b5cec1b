"""What `newswatch worker` and a Redis-mode crawl say when Redis is not set up right."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Workspace
from tests.fixture_site import FixtureSite
from tests.redis_server import free_port


def _feed(site: FixtureSite) -> list[dict[str, Any]]:
    return [{"name": "testilbo", "type": "feed", "urls": [f"{site.url}/rss.xml"]}]


def test_worker_without_scale_is_a_usage_error(workspace: Workspace, site: FixtureSite) -> None:
    workspace.write_config(_feed(site))
    result = workspace.run("worker")
    assert result.returncode == 2
    assert "scale.redis_url_env" in result.stderr


def test_an_unset_redis_variable_is_named(
    workspace: Workspace, site: FixtureSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSWATCH_REDIS_URL", raising=False)
    workspace.write_config(_feed(site), scale={"redis_url_env": "NEWSWATCH_REDIS_URL"})
    result = workspace.run("crawl")
    assert result.returncode == 2
    assert "NEWSWATCH_REDIS_URL is not set" in result.stderr


def test_an_unreachable_redis_fails_the_crawl_with_its_url_without_password(
    workspace: Workspace, site: FixtureSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWATCH_REDIS_URL", f"redis://:hunter2@127.0.0.1:{free_port()}/0")
    workspace.write_config(_feed(site), scale={"redis_url_env": "NEWSWATCH_REDIS_URL"})
    result = workspace.run("worker")
    assert result.returncode == 1, result.stderr
    assert "cannot reach Redis at redis://***@127.0.0.1:" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
