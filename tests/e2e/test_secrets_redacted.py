"""A password inside NEWSWATCH_SEARCH_URL shows nowhere (issue 15).

doctor, crawl, status and alerts sweep run with `http://newswatch:<password>@…`,
against the engine and against a closed port (where every error message and
hint names the URL); their stdout and stderr, the run documents in the engine
and every file under state_dir are searched for the password.
"""

from __future__ import annotations

from pathlib import Path

from crawler.engine.client import SearchStore
from tests.e2e.conftest import Workspace
from tests.e2e.test_crawl import closed_port
from tests.fixture_site import FixtureSite

PASSWORD = "Pw-s3cret-9q7x"


def with_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://newswatch:{PASSWORD}@{rest}"


def test_a_password_in_the_engine_url_is_printed_and_stored_nowhere(
    workspace: Workspace, site: FixtureSite, ready_store: SearchStore
) -> None:
    workspace.write_config(
        [{"name": "testilbo", "type": "feed", "urls": [site.url + "/rss.xml"]}],
        watches=[{"name": "daegu", "query": "대구"}],
    )
    outputs: list[str] = []
    for engine_url in (
        with_password(workspace.engine_url),
        f"http://u:{PASSWORD}@127.0.0.1:{closed_port()}",
    ):
        for command in (["doctor"], ["crawl"], ["status"], ["alerts", "sweep"]):
            result = workspace.run(*command, engine_url=engine_url)
            outputs.append(
                f"$ {' '.join(command)} → {result.returncode}\n{result.stdout}{result.stderr}"
            )
    shown = "\n".join(outputs)
    assert "***@127.0.0.1" in shown, shown  # the URL is named, masked
    assert PASSWORD not in shown, shown

    # Run records (state_dir/runs.sqlite for manual crawls), spool, seen-store, logs:
    # every file the commands wrote; and every document in the engine.
    files = [p for p in Path(workspace.root / "state").rglob("*") if p.is_file()]
    assert any(p.name.startswith("runs") for p in files), files
    for path in files:
        assert PASSWORD.encode() not in path.read_bytes(), path
    ready_store.request("POST", "/newswatch-*/_refresh")
    everything = ready_store.request("POST", "/newswatch-*/_search", {"size": 1000})
    assert everything["hits"]["hits"] and PASSWORD not in str(everything)
