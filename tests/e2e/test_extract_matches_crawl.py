"""`newswatch extract` on a crawled page's bytes names the document the crawl indexed.

Both go through one normalization step, so the canonical URL (and with it the
document id) is the same whether a page is crawled or extracted from a file.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import urllib3

from crawler.engine.client import SearchStore
from crawler.models import document_id
from tests.e2e.conftest import Workspace
from tests.e2e.site_articles import SiteArticle, sejong_mou
from tests.fixture_site import FixtureSite

# slug → (the query its page declares in rel=canonical, the query of the canonical
# URL indexed): `canonicalize_url` drops tracking parameters and the fragment and
# sorts the query, so the declared spelling is never the indexed one.
CANONICAL_QUERIES = {
    "sejong-tracking": ("?utm_source=newsletter&utm_medium=email&fbclid=IwAR0x", ""),
    "sejong-unsorted": ("?b=2&a=1#comments", "?a=1&b=2"),
}


def articles() -> list[SiteArticle]:
    return [
        dataclasses.replace(sejong_mou(), slug=slug, canonical=f"/news/{slug}.html{declared}")
        for slug, (declared, _) in CANONICAL_QUERIES.items()
    ]


def indexed_by_url(store: SearchStore) -> dict[str, tuple[str, str]]:
    """Fetched URL → (document id, canonical_url) of every indexed article."""
    store.request("POST", "/newswatch-articles/_refresh")
    hits = store.request(
        "POST", "/newswatch-articles/_search", {"size": 100, "query": {"match_all": {}}}
    )["hits"]["hits"]
    return {h["_source"]["url"]: (h["_id"], h["_source"]["canonical_url"]) for h in hits}


def extract(workspace: Workspace, url: str, page: Path) -> dict[str, object]:
    page.write_bytes(urllib3.request("GET", url, retries=False, timeout=10.0).data)
    shown = workspace.run("extract", str(page), "--url", url, "--json")
    assert shown.returncode == 0, shown.stderr
    parsed: dict[str, object] = json.loads(shown.stdout)
    return parsed


def test_extract_and_crawl_give_the_same_id(
    workspace: Workspace, ready_store: SearchStore, tmp_path: Path
) -> None:
    with FixtureSite(articles()) as site:
        workspace.write_config(
            [{"name": "testilbo", "type": "feed", "urls": [f"{site.url}/rss.xml"]}]
        )
        crawl = workspace.run("crawl")
        assert crawl.returncode == 0, crawl.stderr
        indexed = indexed_by_url(ready_store)
        assert len(indexed) == len(CANONICAL_QUERIES), crawl.stdout
        for slug, (_, query) in CANONICAL_QUERIES.items():
            url = site.article_url(slug)
            extracted = extract(workspace, url, tmp_path / f"{slug}.html")
            doc_id, canonical = indexed[url]
            assert document_id(str(extracted["canonical_url"])) == doc_id, slug
            assert extracted["canonical_url"] == canonical == url + query
