from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crawler.models import Article
from crawler.state.stories import (
    MIN_TEXT_CHARS,
    SIGNATURE_CHARS,
    StoryIndex,
    StoryIndexError,
    TextSignature,
    minhash_template,
    normalize_text,
    shingles,
    sign_article,
    text_signature,
)
from crawler.vocabulary import ArticleKind, ContentMode
from tests.conftest import seed_article

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"

# An independent report of the same Daegu-Hangzhou visit: same event, same
# names and facts, different writing. It must NOT join the 내일신문 story.
OTHER_REPORT_SAME_VISIT = """\
대구시가 중국 항저우의 스마트시티 모델을 배우기 위해 대표단을 파견했다. \
권영진 시장이 이끈 방문단은 사흘 동안 알리바바 그룹 본사와 항저우 시정부를 찾아 도시 데이터 플랫폼 \
운영 현황을 살펴봤다.

알리바바 클라우드가 항저우시와 함께 만든 '시티브레인'은 도심 교차로 신호를 인공지능으로 제어하는 \
시스템이다. 도입 이후 주요 도로의 차량 통행 속도가 빨라지고 응급차 출동 시간이 크게 줄었다는 것이 \
현지 설명이다.

대구시 관계자는 "수성알파시티 실증 사업에 항저우의 경험을 참고해 교통과 안전 분야 서비스를 \
개발하겠다"고 말했다. 시는 내년 상반기 중 알리바바 측과 실무 협의를 이어갈 계획이다.

한편 대구시는 올해 국토교통부 스마트시티 국가전략프로젝트 실증도시로 뽑혀 2022년까지 대규모 예산을 \
투입한다. 지역 정보통신 업계는 이번 방문이 해외 기업과의 공동 사업으로 이어질지 주목하고 있다."""

SYNDICATION_HEADER = "[스마트시티투데이] 김민수 기자 = "
SYNDICATION_FOOTER = """

김민수 기자 minsu@smartcitytoday.co.kr
저작권자 © 스마트시티투데이 무단전재 및 재배포 금지

관련기사
- 세종시, 덴마크 오르후스와 스마트시티 교류 협약
- 부산시, 스마트시티 엑스포 개최"""

BLOG_INTRO = (
    "오늘은 대구시의 항저우 방문 소식을 정리해 봤습니다. "
    "스마트시티에 관심 있는 분들께 도움이 되면 좋겠네요.\n\n"
)
BLOG_OUTRO = (
    "\n\n개인적으로 시티브레인 사례가 대구에 어떻게 적용될지 궁금합니다. "
    "공감과 댓글은 큰 힘이 됩니다! 구독 부탁드려요.\n\n출처: 내일신문"
)

FETCHED = datetime.fromisoformat("2024-03-10T09:00:00+09:00")


def page(name: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def article(
    url: str,
    text: str,
    published: str | None,
    *,
    fetched: datetime = FETCHED,
    kind: ArticleKind = "news",
    content_mode: ContentMode = "full",
) -> Article:
    return Article(
        url=url,
        title="t",
        text=text,
        fetched=fetched,
        published=datetime.fromisoformat(published) if published else None,
        kind=kind,
        content_mode=content_mode,
    )


@pytest.fixture()
def original() -> Article:
    data = page("naeil_seed_original")
    return article(data["url"], data["text"], data["published"], kind="news")


@pytest.fixture()
def index(tmp_path: Path) -> StoryIndex:
    return StoryIndex(tmp_path / "stories.sqlite")


def syndicated_copy(source: Article) -> Article:
    return article(
        "https://www.smartcitytoday.co.kr/news/articleView.html?idxno=1",
        SYNDICATION_HEADER + source.text + SYNDICATION_FOOTER,
        "2018-12-19T13:05:00+09:00",
    )


def blog_quoting_most(source: Article) -> Article:
    """A blog post quoting the first 70% of the paragraphs between its own intro and outro."""
    paragraphs = [p for p in source.text.split("\n\n") if p.strip()]
    quoted = "\n\n".join(paragraphs[: len(paragraphs) * 7 // 10])
    return article(
        "https://smartcitydiary.tistory.com/300",
        BLOG_INTRO + quoted + BLOG_OUTRO,
        "2018-12-21T08:00:00+09:00",
        kind="blog",
    )


def test_syndicated_copy_with_other_header_and_footer_joins_the_story(
    index: StoryIndex, original: Article
) -> None:
    first = index.assign(original)
    copy = index.assign(syndicated_copy(original))
    assert first.story_id == original.id and first.is_original
    assert copy.story_id == original.id
    assert not copy.is_original and copy.demoted == []


def test_seed_tistory_repost_joins_the_naeil_story(
    index: StoryIndex, original: Article, seed_text: str
) -> None:
    index.assign(original)
    repost = seed_article(seed_text)
    assignment = index.assign(repost)
    assert assignment.story_id == original.id
    assert not assignment.is_original  # 15:27 repost of the 10:41 article


def test_blog_quoting_most_of_the_article_joins_the_story(
    index: StoryIndex, original: Article
) -> None:
    index.assign(original)
    assert index.assign(blog_quoting_most(original)).story_id == original.id


def test_different_articles_on_the_same_visit_stay_apart(
    index: StoryIndex, original: Article
) -> None:
    index.assign(original)
    other = article("https://news.example.kr/2018/1219/77", OTHER_REPORT_SAME_VISIT, None)
    assignment = index.assign(other)
    assert assignment.story_id == other.id
    assert assignment.is_original


def test_different_smart_city_agreements_stay_apart(index: StoryIndex) -> None:
    names = ["naver_news", "daum_news", "korea_kr_press", "korean_outlet", "tistory_odyssey"]
    stories = set()
    for name in names:
        data = page(name)
        stories.add(index.assign(article(data["url"], data["text"], data["published"])).story_id)
    assert len(stories) == len(names)


def test_fixture_similarities_are_where_the_threshold_comment_says() -> None:
    """Exact Jaccard of 5-gram shingles, the numbers the threshold was chosen from."""
    data = page("naeil_seed_original")
    source = article(data["url"], data["text"], data["published"])

    def jaccard(a: str, b: str) -> float:
        sa, sb = shingles(normalize_text(a)), shingles(normalize_text(b))
        return len(sa & sb) / len(sa | sb)

    assert jaccard(source.text, syndicated_copy(source).text) > 0.9
    assert 0.5 < jaccard(source.text, blog_quoting_most(source).text) < 0.6
    assert jaccard(source.text, OTHER_REPORT_SAME_VISIT) < 0.05


def test_signature_estimates_track_exact_jaccard(original: Article) -> None:
    """The CRC-32 shingle hash gives estimates within sampling error of the exact value."""
    template = minhash_template()
    pairs = [
        (original.text, syndicated_copy(original).text),
        (original.text, blog_quoting_most(original).text),
        (original.text, OTHER_REPORT_SAME_VISIT),
    ]
    for a, b in pairs:
        sa, sb = shingles(normalize_text(a)), shingles(normalize_text(b))
        exact = len(sa & sb) / len(sa | sb)
        sig_a, sig_b = text_signature(a, template), text_signature(b, template)
        assert sig_a is not None and sig_b is not None
        estimate = float((sig_a == sig_b).mean())
        # 3 standard errors of a 128-permutation estimate (each <= 0.044).
        assert abs(estimate - exact) < 0.14


def test_earlier_published_copy_found_later_becomes_original(
    index: StoryIndex, original: Article, seed_text: str
) -> None:
    repost = seed_article(seed_text)
    first = index.assign(repost)
    assert first.story_id == repost.id and first.is_original
    later = index.assign(original)  # 10:41 beats the repost's 15:27
    assert later.story_id == repost.id  # the story keeps its first id
    assert later.is_original
    assert later.demoted == [repost.id]
    # A third copy published in between demotes nobody.
    copy = index.assign(syndicated_copy(original))
    assert copy.story_id == repost.id and not copy.is_original and copy.demoted == []


def test_published_missing_falls_back_to_fetched(index: StoryIndex, original: Article) -> None:
    undated = article(
        "https://copy.example.kr/1",
        original.text,
        None,
        fetched=datetime.fromisoformat("2018-12-19T08:00:00+09:00"),
    )
    index.assign(original)
    assignment = index.assign(undated)  # fetched 08:00, before the 10:41 publication
    assert assignment.is_original and assignment.demoted == [original.id]


def test_same_time_keeps_the_first_seen_as_original(index: StoryIndex, original: Article) -> None:
    assert original.published is not None
    twin = article("https://mirror.example.kr/1", original.text, original.published.isoformat())
    index.assign(original)
    assert not index.assign(twin).is_original


def test_recrawl_returns_the_same_story_without_a_new_member(
    index: StoryIndex, original: Article
) -> None:
    first = index.assign(original)
    copy = index.assign(syndicated_copy(original))
    size = len(index)
    assert index.assign(original) == first
    again = index.assign(syndicated_copy(original))
    assert again.story_id == copy.story_id and not again.is_original
    assert len(index) == size


def test_short_texts_get_a_story_per_url(index: StoryIndex) -> None:
    snippet = "서울시가 두바이와 스마트시티 협력 MOU를 체결하고 AI 교통관제를 공동 개발한다."
    assert len(normalize_text(snippet)) < MIN_TEXT_CHARS
    a = article("https://search.example/1", snippet, None, content_mode="snippet")
    b = article("https://search.example/2", snippet, None, content_mode="snippet")
    assert index.assign(a).story_id == a.id
    assert index.assign(b).story_id == b.id
    assert index.assign(a).story_id == a.id


def test_stories_survive_reopening(tmp_path: Path, original: Article) -> None:
    path = tmp_path / "stories.sqlite"
    with StoryIndex(path) as index:
        index.assign(original)
    with StoryIndex(path) as index:
        assert index.assign(syndicated_copy(original)).story_id == original.id
        assert index.assign(original).story_id == original.id


def test_two_open_indexes_on_one_file_see_each_others_copies(
    tmp_path: Path, original: Article
) -> None:
    """Runs of different sources in separate processes share the file."""
    path = tmp_path / "stories.sqlite"
    with StoryIndex(path) as first, StoryIndex(path) as second:
        first.assign(original)
        assert second.assign(syndicated_copy(original)).story_id == original.id


def test_signatures_outside_the_window_are_not_loaded(tmp_path: Path, original: Article) -> None:
    path = tmp_path / "stories.sqlite"
    with StoryIndex(path) as index:
        index.assign(original)
    old = (datetime.now() - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE members SET added = ?", (old,))
    with StoryIndex(path, window_days=365) as index:
        copy = syndicated_copy(original)
        assert index.assign(copy).story_id == copy.id
    with StoryIndex(path, window_days=None) as index:
        blog = blog_quoting_most(original)
        assert index.assign(blog).story_id in {original.id, copy.id}


def test_file_made_with_other_settings_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "stories.sqlite"
    StoryIndex(path).close()
    with pytest.raises(StoryIndexError, match=r"stories\.sqlite"):
        StoryIndex(path, num_perm=64)


def test_a_700_000_character_text_is_signed_from_its_prefix_in_bounded_memory() -> None:
    import random
    import tracemalloc

    rng = random.Random(15)
    words = ("".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(3)) for _ in range(175_000))
    text = " ".join(words)  # ~700,000 characters: a 2 MB page of text
    template = minhash_template()
    tracemalloc.start()
    signature = text_signature(text, template)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB"  # 714 MiB without the cap
    prefix = text_signature(text[: SIGNATURE_CHARS + 1000], template)
    assert signature is not None and prefix is not None and (signature == prefix).all()


def test_a_signature_made_ahead_decides_as_the_index_would(
    index: StoryIndex, original: Article
) -> None:
    """A pool worker signs the text (crawler.processing); the crawl process assigns."""
    copy = syndicated_copy(original)
    assert index.assign(original, sign_article(original)).story_id == original.id
    assert index.assign(copy, sign_article(copy)).story_id == original.id


def test_a_signature_of_another_text_is_not_used(index: StoryIndex, original: Article) -> None:
    index.assign(original)
    other = article("https://example.kr/other", OTHER_REPORT_SAME_VISIT, None)
    # The original's signature, labelled for another text: the index signs `other` itself.
    stale = TextSignature("not-the-content-hash", sign_article(original).values)
    assert index.assign(other, stale).story_id == other.id
