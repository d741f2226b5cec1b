"""deploy/newswatch.example.yaml: the shipped default config validates and is sane."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import (
    BlogSource,
    Config,
    FeedSource,
    SearchSource,
    SitemapSource,
    SiteSource,
    load_config,
)
from crawler.extraction.urls import matches_patterns

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "newswatch.example.yaml"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(EXAMPLE)


def source_urls(config: Config) -> list[str]:
    urls: list[str] = []
    for source in config.sources:
        if isinstance(source, FeedSource | SitemapSource):
            urls += source.urls
        elif isinstance(source, SiteSource):
            urls += source.start_urls
    return urls


def test_it_validates_and_has_every_source_type_it_promises(config: Config) -> None:
    types = {source.type for source in config.sources}
    assert {"feed", "search", "site", "blog"} <= types


def test_source_names_are_unique(config: Config) -> None:
    names = [source.name for source in config.sources]
    assert len(names) == len(set(names))


def test_every_url_is_https(config: Config) -> None:
    urls = source_urls(config)
    assert urls, "the example must ship some feeds and boards"
    if config.crawl.contact_url:
        urls.append(config.crawl.contact_url)
    urls += [n.url for n in config.notifiers.values() if n.url]
    assert [u for u in urls if not u.startswith("https://")] == []


def test_crawl_defaults_are_safe(config: Config) -> None:
    assert config.crawl.allow_hosts == []
    assert config.crawl.contact_url
    assert config.topics is None  # the built-in mission topics


def test_secrets_come_from_the_environment(config: Config) -> None:
    for notifier in config.notifiers.values():
        assert notifier.url is None and notifier.url_env


def test_google_news_needs_no_keys_and_has_the_mission_queries(config: Config) -> None:
    searches = [s for s in config.sources if isinstance(s, SearchSource)]
    google = [s for s in searches if "google_news" in s.engines]
    queries = {q for s in google for q in s.queries}
    assert {"스마트시티 외교", "스마트시티 업무협약", "시티브레인"} <= queries


@pytest.mark.parametrize(
    ("name", "article", "list_page"),
    [
        (
            "molit-press",
            "https://www.molit.go.kr/USR/NEWS/m_71/dtl.jsp?lcmspage=1&id=95092133",
            "https://www.molit.go.kr/USR/NEWS/m_71/lst.jsp?lcmspage=2",
        ),
        (
            "seoul-press",
            "https://www.seoul.go.kr/news/news_report.do?bbsNo=158&nttNo=460647",
            "https://www.seoul.go.kr/news/news_report.do?bbsNo=158&curPage=2",
        ),
        (
            "daegu-press",
            "https://info.daegu.go.kr/newshome/mtnmain.php?mtnkey=articleview&mkey=scatelist&mkey2=2&aid=274465",
            "https://info.daegu.go.kr/newshome/mtnmain.php?mtnkey=scatelist&mkey=26&page=2",
        ),
    ],
)
def test_site_patterns_pick_articles_not_list_pages(
    config: Config, name: str, article: str, list_page: str
) -> None:
    [source] = [s for s in config.sources if s.name == name]
    assert isinstance(source, SiteSource)
    assert matches_patterns(article, source.allow, source.deny)
    assert not matches_patterns(list_page, source.allow, source.deny)


def test_the_blog_example_is_off_until_edited(config: Config) -> None:
    blogs = [s for s in config.sources if isinstance(s, BlogSource)]
    assert blogs and all(not b.enabled for b in blogs)
