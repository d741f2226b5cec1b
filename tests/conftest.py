"""Shared fixtures: the real local search engine and loopback HTTP servers."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import urllib3

from crawler.config import SearchConfig
from crawler.engine.client import SearchStore
from crawler.engine.setup import run_setup
from crawler.models import Article
from tests.quiet_http import LoopbackServer, QuietHandler

REPO = Path(__file__).resolve().parent.parent
# A copy of the mission article (shared/mission/ beside the checkout), so a clone
# of the repository tests on its own.
SEED_FILE = REPO / "tests" / "fixtures" / "seed-article-ko.txt"
TEST_ENGINE_ENV = "NEWSWATCH_TEST_ENGINE_URL"


def engine_url() -> str:
    return os.environ.get(TEST_ENGINE_ENV, "http://127.0.0.1:9250")


@pytest.fixture(scope="session")
def engine() -> str:
    """The real local engine. Missing engine is a FAILURE, never a skip: CI starts it."""
    url = engine_url()
    try:
        response = urllib3.request("GET", url + "/_cluster/health", timeout=5.0, retries=False)
    except urllib3.exceptions.HTTPError as exc:
        port = url.rsplit(":", 1)[-1].rstrip("/")
        pytest.fail(
            f"search engine at {url} is not running ({exc}); start it with "
            f"`NEWSWATCH_ENGINE_PORT={port} bash deploy/local-search/engine.sh start`"
            " (`make test-engine` starts the one on 9250)"
        )
    if response.status != 200:
        pytest.fail(f"search engine at {url} answered HTTP {response.status}")
    return url


@pytest.fixture()
def store(engine: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[SearchStore]:
    """A store on a wiped engine: no newswatch indices or templates left from other tests."""
    monkeypatch.setenv("NEWSWATCH_SEARCH_URL", engine)
    connected = SearchStore.connect(SearchConfig(url=engine))
    wipe(connected)
    yield connected
    connected.close()


@pytest.fixture()
def ready_store(store: SearchStore) -> SearchStore:
    """A wiped engine after `newswatch setup`."""
    run_setup(store)
    return store


def wipe(store: SearchStore) -> None:
    store.request("DELETE", "/newswatch-*", params={"expand_wildcards": "all"}, ignore=(404,))
    store.request("DELETE", "/_index_template/newswatch-*", ignore=(404,))


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_FILE.read_text(encoding="utf-8")


def seed_article(seed_text: str) -> Article:
    lines = [line.strip() for line in seed_text.splitlines() if line.strip()]
    title = lines[1]
    body = "\n\n".join(lines[3:])
    return Article(
        url="https://example.tistory.com/12",
        title=title,
        text=body,
        author="전팀장",
        site_name="내일신문",
        kind="blog",
        published=datetime.fromisoformat("2018-12-19T15:27:00+09:00"),
        fetched=datetime.fromisoformat("2018-12-20T09:00:00+09:00"),
        lang="ko",
    )


class RecordingServer(LoopbackServer):
    """A loopback HTTP server that records requests and answers from a handler function."""

    def __init__(self, respond: Any) -> None:
        self.requests: list[dict[str, Any]] = []
        recorder = self

        class Handler(QuietHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                recorder.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "body": raw,
                        "headers": dict(self.headers),
                    }
                )
                status, headers, body = respond(self.command, self.path, raw)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.listen(Handler)
