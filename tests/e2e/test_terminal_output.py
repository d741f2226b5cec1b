"""`newswatch search` prints no escape sequence a crawled page put in its title."""

from __future__ import annotations

import dataclasses

from crawler.engine.client import SearchStore
from tests.conftest import seed_article
from tests.e2e.conftest import Workspace

HOSTILE_TITLE = (
    "\x1b]0;pwned\x07대구시 \x1b[2J\x1b[31m항저우\x1b[0m 방문 \x9b1m"
    "\u202eevil\u202c \x1b]8;;https://evil.example\x1b\\링크\x1b]8;;\x1b\\"
)


def test_search_strips_escape_sequences_and_control_characters(
    workspace: Workspace, ready_store: SearchStore, seed_text: str
) -> None:
    article = dataclasses.replace(
        seed_article(seed_text), title=HOSTILE_TITLE, site_name="내일\x1b[5m신문"
    )
    action = article.to_action()
    ready_store.request("PUT", f"/newswatch-articles/_doc/{action['_id']}", action["_source"])
    ready_store.request("POST", "/newswatch-articles/_refresh")
    workspace.write_config([])
    result = workspace.run("search", "항저우")
    assert result.returncode == 0, result.stderr
    assert "대구시" in result.stdout and "항저우" in result.stdout and "링크" in result.stdout
    for control in ("\x1b", "\x9b", "\x07", "\u202e"):
        assert control not in result.stdout, repr(result.stdout)
