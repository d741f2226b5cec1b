"""Both engine flavors send the same requests: a recording server plays each engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from crawler.config import SearchConfig
from crawler.engine.client import Credentials, EngineError, SearchStore, detect_flavor
from crawler.engine.search import SearchOptions, build_query
from crawler.models import Article
from tests.conftest import RecordingServer

ROOTS = {
    "elasticsearch": {
        "cluster_name": "es",
        "version": {"number": "8.15.0", "build_flavor": "default"},
        "tagline": "You Know, for Search",
    },
    "opensearch": {
        "cluster_name": "os",
        "version": {"number": "2.19.2", "distribution": "opensearch"},
        "tagline": "The OpenSearch Project: https://opensearch.org/",
    },
}


def fake_engine(flavor: str) -> Any:
    headers = {"X-Elastic-Product": "Elasticsearch"} if flavor == "elasticsearch" else {}

    def respond(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        if path == "/":
            return 200, headers, ROOTS[flavor]
        if path.startswith("/_bulk"):
            lines = [json.loads(x) for x in body.decode().splitlines() if x.strip()]
            items = [
                {"index": {"_id": a["index"]["_id"], "status": 201, "result": "created"}}
                for a in lines[::2]
            ]
            return 200, headers, {"took": 1, "errors": False, "items": items}
        if path.startswith("/missing"):
            return 404, headers, {"error": {"type": "index_not_found_exception", "reason": "no"}}
        return 200, headers, {"acknowledged": True}

    return respond


def exercise(flavor: str) -> list[tuple[str, str, list[tuple[str, str]], Any]]:
    with RecordingServer(fake_engine(flavor)) as server:
        store = SearchStore.connect(SearchConfig(url=server.url), Credentials())
        assert store.flavor == flavor
        store.request("PUT", "/_index_template/newswatch-articles", {"index_patterns": ["x-*"]})
        store.request(
            "POST", "/newswatch-articles/_search", build_query("스마트시티", SearchOptions(size=5))
        )
        store.request("GET", "/_cluster/health", params={"wait_for_status": "yellow"})
        assert store.request("GET", "/missing", ignore=(404,)) is None
        results = list(store.bulk(article.to_action() for article in sample_articles()))
        store.close()
    assert all(ok for ok, _ in results) and len(results) == 3
    recorded = []
    for req in server.requests[1:]:  # [0] is the flavor probe
        url = urlsplit(req["path"])
        body = req["body"].decode()
        parsed = [json.loads(x) for x in body.splitlines()] if body else None
        recorded.append((req["method"], url.path, sorted(parse_qsl(url.query)), parsed))
    return recorded


def sample_articles() -> list[Article]:
    fetched = datetime(2024, 5, 1, tzinfo=UTC)
    return [
        Article(url=f"https://news.example/{i}", title=f"제목 {i}", text="본문", fetched=fetched)
        for i in range(3)
    ]


def test_both_flavors_send_identical_requests() -> None:
    es = exercise("elasticsearch")
    os_ = exercise("opensearch")
    assert [r[:2] for r in es] == [
        ("PUT", "/_index_template/newswatch-articles"),
        ("POST", "/newswatch-articles/_search"),
        ("GET", "/_cluster/health"),
        ("GET", "/missing"),
        ("PUT", "/_bulk"),
    ]
    # The clients' bulk helpers differ only in the verb (the elasticsearch client
    # sends PUT /_bulk, opensearch-py POST /_bulk; both engines accept either).
    assert os_[-1][0] == "POST"
    assert es[:-1] == os_[:-1]
    assert es[-1][1:] == os_[-1][1:]
    # Bulk writes never create an index: a missing alias is an error, not a new index.
    assert ("require_alias", "true") in es[-1][2]


def test_credentials_are_sent_as_headers_to_both() -> None:
    for flavor in ("elasticsearch", "opensearch"):
        with RecordingServer(fake_engine(flavor)) as server:
            store = SearchStore.connect(
                SearchConfig(url=server.url), Credentials(api_key="c2VjcmV0")
            )
            store.request("GET", "/_cluster/health")
            store.close()
        auth = [
            r["headers"].get("authorization") or r["headers"].get("Authorization")
            for r in server.requests
        ]
        assert auth == ["ApiKey c2VjcmV0", "ApiKey c2VjcmV0"], flavor


def test_detect_flavor_refuses_other_servers() -> None:
    assert detect_flavor(ROOTS["opensearch"]).flavor == "opensearch"
    assert detect_flavor(ROOTS["elasticsearch"]).major == 8
    with pytest.raises(EngineError, match="did not answer like"):
        detect_flavor({"hello": "world"})


def test_errors_name_the_url_and_the_reason() -> None:
    with RecordingServer(fake_engine("opensearch")) as server:
        store = SearchStore.connect(SearchConfig(url=server.url), Credentials())
        with pytest.raises(EngineError) as info:
            store.request("GET", "/missing")
        store.close()
    assert info.value.status == 404
    assert server.url in str(info.value) and "index_not_found_exception" in str(info.value)
