from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from crawler.engine.templates import load_families
from crawler.models import Article, document_fields, document_id


def make(**overrides: object) -> Article:
    fields: dict[str, object] = {
        "url": "https://news.example/a?id=1",
        "title": "제목",
        "text": "본문",
        "fetched": datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
    }
    fields.update(overrides)
    return Article(**fields)  # type: ignore[arg-type]


def test_document_keys_equal_the_mapping_properties() -> None:
    properties = load_families()["articles"].body["template"]["mappings"]["properties"]
    assert set(properties) == document_fields()
    assert set(make().to_document()) == document_fields()


def test_id_is_a_stable_hash_of_the_canonical_url() -> None:
    a = make(canonical_url="https://news.example/a")
    b = make(url="https://m.news.example/a", canonical_url="https://news.example/a")
    assert a.id == b.id == document_id("https://news.example/a")
    assert make().id != a.id


def test_canonical_url_defaults_to_url_and_naive_times_are_seoul() -> None:
    article = make(published=datetime(2018, 12, 19, 15, 27))
    assert article.canonical_url == article.url
    assert article.to_document()["published"] == "2018-12-19T15:27:00+09:00"


def test_to_action_overwrites_by_id() -> None:
    action = make().to_action()
    assert action["_op_type"] == "index"
    assert action["_index"] == "newswatch-articles"
    assert action["_id"] == make().id
    assert action["_source"]["content_hash"] == make(text="  본문 ").content_hash


def test_timeline_is_published_when_known() -> None:
    article = make(published=datetime(2018, 12, 19, 15, 27))
    assert article.timeline_basis == "published"
    assert article.timeline_time == article.published
    assert article.first_seen == article.fetched


def test_undated_article_is_placed_at_its_first_sighting_and_published_stays_null() -> None:
    first = datetime(2023, 5, 6, 7, 8, tzinfo=UTC)
    doc = make(first_seen=first).to_document()
    assert doc["published"] is None
    assert doc["timeline_basis"] == "first_seen"
    assert doc["timeline_time"] == doc["first_seen"] == first.isoformat()
    # Without a recorded sighting, this fetch is the first one.
    assert make().timeline_time == make().fetched


def test_timeline_is_derived_again_when_a_copy_changes_published() -> None:
    dated = dataclasses.replace(make(), published=datetime(2018, 12, 19, 6, 27, tzinfo=UTC))
    assert (dated.timeline_basis, dated.timeline_time) == ("published", dated.published)
    assert Article.from_document(dated.to_document()) == dated
