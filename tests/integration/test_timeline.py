"""Undated articles on the timeline, on the real local engine (fails, never skips, without it).

The articles data view's time field is read from the saved objects that ship in deploy/,
so this test breaks if they and the Article's fields drift apart.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.engine.setup import run_setup
from crawler.engine.templates import load_families, mappings_dir
from crawler.models import Article
from scheduler.cli import main

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[2]
SAVED_OBJECTS = [
    REPO / "deploy" / "kibana" / "newswatch.ndjson",
    REPO / "deploy" / "opensearch-dashboards" / "newswatch.ndjson",
]
# "The last N days" of the dashboard's default range (timeFrom now-30d), shortened so the
# 2018 article below falls outside it while the recent ones fall inside.
DAYS = 7
NEW_FIELDS = ("first_seen", "timeline_time", "timeline_basis")


def articles_view(path: Path) -> tuple[str, str]:
    """(index pattern, time field) of the articles data view in one saved-objects file."""
    for line in path.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        if obj["type"] == "index-pattern" and obj["id"] == "newswatch-articles-dataview":
            return obj["attributes"]["title"], obj["attributes"]["timeFieldName"]
    raise AssertionError(f"{path}: no newswatch-articles-dataview")


def write_jsonl(path: Path, docs: list[dict[str, Any]]) -> None:
    path.write_text(
        "".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs), encoding="utf-8"
    )


def doc(name: str, fetched: datetime, published: datetime | None) -> dict[str, Any]:
    return {
        "url": f"https://news.example.kr/{name}",
        "title": f"대구시 스마트시티 협력 {name}",
        "text": "대구시가 항저우와 스마트시티 협력을 논의했다.",
        "fetched": fetched.isoformat(),
        "published": published.isoformat() if published else None,
    }


def in_view(store: SearchStore, pattern: str, time_field: str) -> dict[str, dict[str, Any]]:
    """What Discover shows for "last DAYS days": a range filter on the view's time field."""
    store.request("POST", f"/{pattern}/_refresh")
    body = {
        "size": 100,
        "query": {"bool": {"filter": [{"range": {time_field: {"gte": f"now-{DAYS}d"}}}]}},
        "sort": [{time_field: "desc"}],
    }
    hits = store.request("POST", f"/{pattern}/_search", body)["hits"]["hits"]
    return {hit["_source"]["url"].rsplit("/", 1)[1]: hit["_source"] for hit in hits}


def test_an_undated_article_is_in_the_time_filtered_articles_view(
    store: SearchStore, tmp_path: Path
) -> None:
    views = {articles_view(path) for path in SAVED_OBJECTS}
    assert len(views) == 1, f"Kibana and OpenSearch Dashboards disagree: {views}"
    ((pattern, time_field),) = views
    now = datetime.now(UTC)
    path = tmp_path / "articles.jsonl"
    write_jsonl(
        path,
        [
            doc("dated", now - timedelta(hours=1), now - timedelta(days=2)),
            doc("undated", now - timedelta(days=1), None),
            # Re-crawled this week but published long ago: outside the window.
            doc("old", now - timedelta(hours=1), datetime(2018, 12, 19, 6, 27, tzinfo=UTC)),
        ],
    )
    assert main(["setup"]) == 0
    assert main(["index", str(path)]) == 0

    found = in_view(store, pattern, time_field)

    assert set(found) == {"dated", "undated"}
    undated = found["undated"]
    assert undated["published"] is None
    assert undated["timeline_basis"] == "first_seen"
    assert undated[time_field] == undated["fetched"] == undated["first_seen"]
    assert found["dated"]["timeline_basis"] == "published"
    assert found["dated"][time_field] == found["dated"]["published"]


def test_setup_fills_the_timeline_of_documents_indexed_before_it_existed(
    store: SearchStore, tmp_path: Path
) -> None:
    """The template's reindex script and Article.__post_init__ derive the same values."""
    older = tmp_path / "index_mappings"
    shutil.copytree(mappings_dir(), older)
    template_path = older / "articles.template.json"
    template = json.loads(template_path.read_text(encoding="utf-8"))
    del template["_meta"]["reindex_script"]
    for name in NEW_FIELDS:
        del template["template"]["mappings"]["properties"][name]
    template_path.write_text(json.dumps(template, ensure_ascii=False), encoding="utf-8")
    run_setup(store, load_families(older))
    fetched = datetime(2024, 3, 10, 9, 0, tzinfo=UTC)
    old_docs = {
        "dated": doc("dated", fetched, fetched - timedelta(days=1)),
        "undated": doc("undated", fetched, None),
    }
    for name, source in old_docs.items():
        store.request("PUT", f"/{ARTICLES_ALIAS}/_doc/{name}", source)

    report = run_setup(store)

    assert any("created newswatch-articles-v2" in a for a in report.actions), report.actions
    store.request("POST", f"/{ARTICLES_ALIAS}/_refresh")
    for name, source in old_docs.items():
        migrated = store.request("GET", f"/{ARTICLES_ALIAS}/_doc/{name}")["_source"]
        expected = Article.from_document(source).to_document()
        assert migrated["timeline_basis"] == expected["timeline_basis"], name
        for field in ("first_seen", "timeline_time"):
            assert datetime.fromisoformat(migrated[field]) == datetime.fromisoformat(
                expected[field]
            ), (name, field)
