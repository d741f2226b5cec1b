"""Site rules as data: where each platform keeps its title, byline, dates and text.

Every selector the extractor knows lives here (CSS syntax, compiled once).
A rule applies when the page's host matches one of `hosts` or, on any host
(Tistory and WordPress blogs run on custom domains), when one of `markers`
matches. Within each tuple the first selector that finds something wins, so
newer layouts come first and older editors follow as fallbacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from crawler.vocabulary import ArticleKind

__all__ = ["SITE_RULES", "SiteRule", "find_rule", "select_all", "select_first"]


@dataclass(frozen=True, slots=True)
class SiteRule:
    """Where one platform keeps each field; empty tuples fall back to generic metadata."""

    name: str
    kind: ArticleKind
    hosts: tuple[str, ...] = ()  # regular expressions on the host name
    markers: tuple[str, ...] = ()  # selectors that identify the platform on any host
    body: tuple[str, ...] = ()  # main-text container
    title: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    published: tuple[str, ...] = ()  # element whose datetime-ish attribute or text is the date
    modified: tuple[str, ...] = ()
    dateline: tuple[str, ...] = ()  # text with labelled dates ("입력 ... 수정 ...")
    drop: tuple[str, ...] = ()  # boilerplate inside the body container
    site_name: str | None = None
    # True where the body selectors are the platform's own editor or article
    # containers (Naver's, Daum's): their text stands without trafilatura's
    # second opinion, even for a two-word post. Other rules' text must agree
    # with trafilatura's (see agreement.py).
    exact_body: bool = False


# Text no reader sees: screen-reader-only headings ("기사 본문 영역", the class
# "blind" is the Korean portals' convention, "screen_out" Daum's, "sr-only" and
# "visually-hidden" Bootstrap's) and blocks hidden inline (Naver Blog keeps a
# JSON copy of the post's properties in one).
HIDDEN = (
    ".blind", ".screen_out", ".sr-only", ".visually-hidden",
    "[style*='display:none']", "[style*='display: none']",
)  # fmt: skip

# Boilerplate found inside article containers on every platform.
COMMON_DROP = (
    "script", "style", "noscript", "iframe", "form", "button", "figcaption",
    ".share", ".sns", ".sns_area", ".social", ".btn_share", ".related", ".relation",
    ".ad", ".ads", ".advertisement", ".banner", "[class*='copyright']",
    *HIDDEN,
)  # fmt: skip

NAVER_BLOG = SiteRule(
    name="naver_blog",
    kind="blog",
    hosts=(r"(^|\.)blog\.naver\.com$",),
    markers=(".se-main-container", "#postViewArea"),
    # SmartEditor ONE, SE2 desktop, SE3, the mobile SE2 view, the old desktop view.
    body=(".se-main-container", "#postViewArea", ".se_component_wrap.sect_dsc",
          "#viewTypeSelector", "#post-view"),
    title=(".se-title-text", ".se_title .se_textarea", ".pcol1 .htitle", ".se-module-text h3"),
    author=(".blog2_container .nick", ".writer .nick", ".nick"),
    # The post's own properties carry its publish time to the second (adddate,
    # epoch milliseconds); the visible lines below show it to the minute.
    published=("#_post_property[adddate]", ".se_publishDate", ".blog_date", ".se_date",
               "p.date", ".date"),
    drop=(
        ".se-oglink",
        ".se-map-info",
        ".se-sticker",
        ".post_footer_contents",
        ".wrap_postcomment",
    ),
    site_name="네이버 블로그",
    exact_body=True,
)  # fmt: skip

NAVER_NEWS = SiteRule(
    name="naver_news",
    kind="news",
    hosts=(r"^(n|m|news)\.news\.naver\.com$", r"^news\.naver\.com$"),
    body=("#dic_area", "#newsct_article", "#articleBodyContents", "#articeBody"),
    title=("#title_area", "h2.media_end_head_headline", "#articleTitle", "h3.tts_head"),
    author=(".media_end_head_journalist_name", ".byline_s", ".journalistcard_summary_name"),
    published=("._ARTICLE_DATE_TIME", ".media_end_head_info_datestamp_time"),
    modified=("._ARTICLE_MODIFY_DATE_TIME",),
    dateline=(".media_end_head_info_datestamp", ".sponsor"),
    drop=(".end_photo_org", ".img_desc", ".vod_player_wrap", ".media_end_copyright", ".byline"),
    exact_body=True,
)

DAUM_NEWS = SiteRule(
    name="daum_news",
    kind="news",
    hosts=(r"^(v|news)\.daum\.net$", r"^v\.media\.daum\.net$"),
    body=(".article_view", "#harmonyContainer", "#mArticle .news_view"),
    title=("h3.tit_view", ".head_view .tit_view"),
    author=(".info_view .txt_info:first-child",),
    dateline=(".info_view",),
    drop=(".link_figure", ".txt_caption", ".foot_view", ".layer_util"),
    exact_body=True,
)

TISTORY = SiteRule(
    name="tistory",
    kind="blog",
    hosts=(r"\.tistory\.com$",),
    markers=(".tt_article_useless_p_margin", "meta[name='by'][content='TISTORY']"),
    body=(".tt_article_useless_p_margin", ".article-view", ".entry-content", ".area_view",
          "#content .article", "#content"),
    title=(".hgroup h1", ".title-article", ".tit_post", ".titleWrap h2", "h2.title", "article h1"),
    author=(".hgroup .author", ".byline .author", ".info .author", ".writer", ".author"),
    published=(".hgroup .date", ".byline .date", ".info .date", ".txt_date", ".date"),
    drop=(".another_category", ".container_postbtn", ".tt-plugin", "[data-tistory-react-app]",
          ".revenue_unit_wrap", ".comments", "#comment", ".tags", ".tt_category", ".category"),
)  # fmt: skip

WORDPRESS = SiteRule(
    name="wordpress",
    kind="blog",
    markers=("meta[name='generator'][content*='WordPress']", "link[rel='https://api.w.org/']"),
    body=(".entry-content", ".post-content", "article .content"),
    title=(".entry-title", "article h1"),
    author=(".entry-meta .author .fn", ".byline .author", ".author-name", ".author a"),
    published=("time.entry-date.published", "time.published", "time.entry-date"),
    modified=("time.updated",),
    drop=(".sharedaddy", ".jp-relatedposts", ".addtoany_share_save_container", ".post-navigation",
          ".wp-block-buttons", ".yarpp-related", ".entry-footer"),
)  # fmt: skip

BRUNCH = SiteRule(
    name="brunch",
    kind="blog",
    hosts=(r"^brunch\.co\.kr$",),
    body=(".wrap_body",),
    title=("h1.cover_title", ".cover_title"),
    author=(".wrap_cover .text_author", ".text_author", ".link_by"),
    published=(".wrap_cover .date", ".date"),
    drop=(".wrap_keyword", ".wrap_comment", ".wrap_profile"),
    site_name="브런치스토리",
)

KOREA_KR = SiteRule(
    name="korea_kr",
    kind="press",
    hosts=(r"(^|\.)korea\.kr$",),
    body=(".view_cont", ".article_body", ".rbody"),
    title=(".view_title h1", ".article_head h1", ".view_title"),
    author=(".view_title .dept", ".info .dept", ".source"),
    dateline=(".view_title .info", ".info"),
    drop=(".filedown", ".file_list", ".view_foot", ".related_list", ".sns_share"),
    site_name="대한민국 정책브리핑",
)

# City and provincial halls (*.go.kr) publish 보도자료 on board software whose
# view page is a table of labelled cells (제목/작성자/등록일) over a content cell.
CITY_HALL_BOARD = SiteRule(
    name="city_hall_board",
    kind="press",
    hosts=(r"\.go\.kr$",),
    markers=("table.board_view", ".bbs_view", ".board-view", ".board_view"),
    body=(
        ".board_view_content",
        ".bbs_content",
        ".view_content",
        "td.content",
        ".board-view .content",
    ),
    drop=(".file_list", ".board_file", ".view_file", ".prev_next", ".btn_area", ".satisfaction"),
)

# Korean outlet CMSs (ndsoft, kdjin, ...) and schema.org microdata, on any host.
KOREAN_OUTLET = SiteRule(
    name="korean_outlet",
    kind="news",
    markers=("#article-view-content-div", "[itemprop='articleBody']", "#articleBody",
             "#article_body", ".article_body", ".article-body", "#news_body_area", "#textBody",
             ".news_body", ".article_txt"),
    body=("#article-view-content-div", "[itemprop='articleBody']", "#articleBody",
          "#article_body", ".article_body", ".article-body", "#news_body_area", "#textBody",
          ".news_body", ".article_txt"),
    title=(".article-view-header .heading", "h1.heading", "h3.heading", "h1.headline",
           ".article_head h1", ".article-head-title", ".headline"),
    author=(".infomation .icon-user-o", ".info-text .writer", ".article_info .byline",
            ".byline .name", ".reporter_name", "[itemprop='author']"),
    dateline=(".infomation", ".info-text", ".article_info", ".article-info", ".byline",
              ".date_info", ".art_date", ".dateline"),
    drop=(".view-copyright", ".view-editors", ".article-copy", ".reporter_box", ".tag-group",
          ".article_relation", ".relate_news", ".article-ad"),
)  # fmt: skip

# Order matters: host rules first, then marker rules from most to least specific.
SITE_RULES: tuple[SiteRule, ...] = (
    NAVER_BLOG, NAVER_NEWS, DAUM_NEWS, BRUNCH, KOREA_KR, TISTORY, CITY_HALL_BOARD, WORDPRESS,
    KOREAN_OUTLET,
)  # fmt: skip

_HOST_PATTERNS = tuple((rule, tuple(re.compile(h) for h in rule.hosts)) for rule in SITE_RULES)


@lru_cache(maxsize=512)
def compile_selector(css: str) -> CSSSelector:
    """Compiled selector; the rule set is small, so every selector stays cached."""
    return CSSSelector(css)


def select_first(root: HtmlElement, selectors: tuple[str, ...]) -> HtmlElement | None:
    """First element matched by the first selector that matches anything."""
    for css in selectors:
        found = compile_selector(css)(root)
        if found:
            element: HtmlElement = found[0]
            return element
    return None


def select_all(root: HtmlElement, selectors: tuple[str, ...]) -> list[HtmlElement]:
    """Every element matched by any of `selectors`, in selector order."""
    return [el for css in selectors for el in compile_selector(css)(root)]


def find_rule(host: str, root: HtmlElement, *, markers: bool = True) -> SiteRule | None:
    """The site rule for a page: by host first, then (unless `markers` is off) by markup."""
    host = host.lower()
    for rule, patterns in _HOST_PATTERNS:
        if any(p.search(host) for p in patterns):
            return rule
    for rule in SITE_RULES if markers else ():
        if rule.markers and select_first(root, rule.markers) is not None:
            return rule
    return None
