"""The Redis story index: copies crawled by different workers join one story."""

from __future__ import annotations

import redis

from crawler.scale.stories import RedisStoryIndex
from tests.unit.state.test_stories import article, blog_quoting_most, page, syndicated_copy


def test_copies_assigned_by_two_workers_share_the_original_story(redis_url: str) -> None:
    first, second = (
        RedisStoryIndex(redis.Redis.from_url(redis_url), redis_url, "t") for _ in range(2)
    )
    data = page("naeil_seed_original")
    original = article(data["url"], data["text"], data["published"], kind="news")
    founded = first.assign(original)
    copy = second.assign(syndicated_copy(original))
    blog = first.assign(blog_quoting_most(original))
    assert founded.story_id == original.id and founded.is_original
    assert copy.story_id == original.id and not copy.is_original
    assert blog.story_id == original.id and not blog.is_original
    # A re-crawl by either worker is answered from what is stored.
    assert second.assign(original) == founded


def test_an_unrelated_article_founds_its_own_story(redis_url: str) -> None:
    index = RedisStoryIndex(redis.Redis.from_url(redis_url), redis_url, "t")
    data = page("naeil_seed_original")
    original = article(data["url"], data["text"], data["published"], kind="news")
    other_text = "부산시는 스마트 항만 물류 플랫폼을 싱가포르 항만청과 공동 개발한다고 밝혔다. " * 8
    other = article("https://busan.example.kr/news/1", other_text, "2024-03-04T09:00:00+09:00")
    index.assign(original)
    assert index.assign(other).story_id == other.id
