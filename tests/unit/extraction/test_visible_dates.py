"""Korean (and a few English) date lines in plain pages, in elements no selector names.

Each case builds a small page: a headline, the date line in a `<span
class="date">`, `<div>`, `<p>` or `<em>` beside it, and a body whose
paragraphs hold numbers that are not the post's date (a phone number, a
price, a version, an event date in a sentence). The page goes through the
public `page_to_article` and `published` / `modified` must be exactly the
expected aware datetimes (Asia/Seoul unless the line gives an offset).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.extraction import page_to_article, publication
from crawler.extraction.article import parse_page
from crawler.extraction.visible_dates import VisibleDates, scan_visible_dates

# The afternoon after the seed article (2018-12-19 15:27 KST); relative lines count back from it.
FETCHED = datetime.fromisoformat("2018-12-20T12:00:00+09:00")
URL = "https://news.example.kr/view/20181219001"
HEADLINE = "대구시, 알리바바 시티브레인 현장 방문…스마트시티 협력 논의"

# (date line, expected published, expected modified); ISO 8601, Seoul offset unless stated.
CASES: list[tuple[str, str | None, str | None]] = [
    # numeric dates
    ("2018. 12. 19. 15:27", "2018-12-19T15:27:00+09:00", None),
    ("2018.12.19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("2018.12.19. 15:27", "2018-12-19T15:27:00+09:00", None),
    ("2018-12-19 15:27:33", "2018-12-19T15:27:33+09:00", None),
    ("2018/12/19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("2018/12/19", "2018-12-19T00:00:00+09:00", None),
    ("2018.12.19", "2018-12-19T00:00:00+09:00", None),
    ("2018-12-19", "2018-12-19T00:00:00+09:00", None),
    ("18.12.19", "2018-12-19T00:00:00+09:00", None),
    ("18.12.19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("18. 12. 19. 15:27", "2018-12-19T15:27:00+09:00", None),
    ("2018.12.19(수) 15:27", "2018-12-19T15:27:00+09:00", None),
    ("2018.12.19 (수) 15:27", "2018-12-19T15:27:00+09:00", None),
    ("2018.12.19 (수)", "2018-12-19T00:00:00+09:00", None),
    ("2018. 12. 19.(수) 오후 3:27", "2018-12-19T15:27:00+09:00", None),
    ("2018.12.19 (15:27)", "2018-12-19T15:27:00+09:00", None),
    ("２０１８．１２．１９ １５：２７", "2018-12-19T15:27:00+09:00", None),  # full-width
    ("２０１８년 １２월 １９일", "2018-12-19T00:00:00+09:00", None),
    ("2018-12-19T15:27:00+09:00", "2018-12-19T15:27:00+09:00", None),
    ("2018-12-19T06:27:00Z", "2018-12-19T06:27:00+00:00", None),
    ("2018-12-19 15:27 KST", "2018-12-19T15:27:00+09:00", None),
    # Korean words, 오전/오후 (오전 12시 is midnight, 오후 12시 noon)
    ("2018년 12월 19일 오후 3시 27분", "2018-12-19T15:27:00+09:00", None),
    ("2018년 12월 19일 15시 27분", "2018-12-19T15:27:00+09:00", None),
    ("2018년12월19일", "2018-12-19T00:00:00+09:00", None),
    ("2011년5월15일", "2011-05-15T00:00:00+09:00", None),
    ("2018년 12월 19일 (수) 오후 3:27", "2018-12-19T15:27:00+09:00", None),
    ("2018년 12월 19일 수요일", "2018-12-19T00:00:00+09:00", None),
    ("2018년 12월 19일 오전 9시", "2018-12-19T09:00:00+09:00", None),
    ("2018.12.19 오후 12시", "2018-12-19T12:00:00+09:00", None),
    ("2018.12.19 오전 12시", "2018-12-19T00:00:00+09:00", None),
    ("2018.12.19 오전 12:05", "2018-12-19T00:05:00+09:00", None),
    ("2018.12.19 오후 12:30", "2018-12-19T12:30:00+09:00", None),
    ("2018.12.19. 오전 9:05", "2018-12-19T09:05:00+09:00", None),
    ("2018-12-19 3:27 PM", "2018-12-19T15:27:00+09:00", None),
    ("12월 19일 15:27", "2018-12-19T15:27:00+09:00", None),
    ("12월 19일 오후 3:27", "2018-12-19T15:27:00+09:00", None),
    # published labels: 입력 / 등록 / 기사입력 / 작성일 / 게재일 ...
    ("입력 2018.12.19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("입력 2010.01.05 15:52", "2010-01-05T15:52:00+09:00", None),
    ("입력 : 2018-12-19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("[입력 2018-12-19 15:27]", "2018-12-19T15:27:00+09:00", None),
    ("기사입력 : 2018.12.19 오후 3:27", "2018-12-19T15:27:00+09:00", None),
    ("기사입력 2018-12-19 15:27:00", "2018-12-19T15:27:00+09:00", None),
    ("등록 2018-12-19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("등록일 : 2018-12-19", "2018-12-19T00:00:00+09:00", None),
    ("등록일시 2018.12.19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("작성일 2018.12.19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("작성일 : 2018/12/19", "2018-12-19T00:00:00+09:00", None),
    ("게재일 2018.12.19", "2018-12-19T00:00:00+09:00", None),
    ("게재 2018.12.19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("최초입력 2018.12.19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("송고시간 2018-12-19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("발행일 2018.12.19", "2018-12-19T00:00:00+09:00", None),
    ("승인 2018.12.19 15:27", "2018-12-19T15:27:00+09:00", None),
    ("입력 3시간 전", "2018-12-20T09:00:00+09:00", None),
    # published and modified labels together (수정 / 최종수정 / 업데이트)
    ("입력 2018.12.19 15:27 | 수정 2018.12.20 09:00", "2018-12-19T15:27:00+09:00",
     "2018-12-20T09:00:00+09:00"),
    ("입력 2018.12.19 15:27 수정 2018.12.20 09:00", "2018-12-19T15:27:00+09:00",
     "2018-12-20T09:00:00+09:00"),
    ("등록 2018-12-19 | 수정 2018-12-20", "2018-12-19T00:00:00+09:00",
     "2018-12-20T00:00:00+09:00"),
    ("입력 2018.12.19 15:27 최종수정 2018.12.20 09:00", "2018-12-19T15:27:00+09:00",
     "2018-12-20T09:00:00+09:00"),
    ("[입력 2018-12-19 15:27] [수정 2018-12-20 09:00]", "2018-12-19T15:27:00+09:00",
     "2018-12-20T09:00:00+09:00"),
    ("기사입력 2018.12.19 오후 3:27 | 최종수정 2018.12.20 오전 9:00",
     "2018-12-19T15:27:00+09:00", "2018-12-20T09:00:00+09:00"),
    ("작성 2018.12.19 15:27 · 업데이트 2018.12.20 09:00", "2018-12-19T15:27:00+09:00",
     "2018-12-20T09:00:00+09:00"),
    ("수정 2018.12.20 09:00 | 입력 2018.12.19 15:27", "2018-12-19T15:27:00+09:00",
     "2018-12-20T09:00:00+09:00"),
    ("2018.12.19 15:27 (수정 2018.12.20 09:00)", "2018-12-19T15:27:00+09:00",
     "2018-12-20T09:00:00+09:00"),
    ("입력 2018.12.20 08:00 | 업데이트 1시간 전", "2018-12-20T08:00:00+09:00",
     "2018-12-20T11:00:00+09:00"),
    # a byline or a counter beside the date
    ("내일신문 전팀장 2018. 12. 19. 15:27", "2018-12-19T15:27:00+09:00", None),
    ("홍길동 기자 | 2018.12.19", "2018-12-19T00:00:00+09:00", None),
    ("MJ Studio 2018. 12. 19. 15:27", "2018-12-19T15:27:00+09:00", None),
    ("2018.12.19 15:27 조회 1,234", "2018-12-19T15:27:00+09:00", None),
    # relative forms, counted back from FETCHED (2018-12-20 12:00 KST)
    ("방금 전", "2018-12-20T12:00:00+09:00", None),
    ("방금", "2018-12-20T12:00:00+09:00", None),
    ("30초 전", "2018-12-20T11:59:30+09:00", None),
    ("5분 전", "2018-12-20T11:55:00+09:00", None),
    ("1시간 전", "2018-12-20T11:00:00+09:00", None),
    ("3시간 전", "2018-12-20T09:00:00+09:00", None),
    ("2일 전", "2018-12-18T12:00:00+09:00", None),
    ("1주 전", "2018-12-13T12:00:00+09:00", None),
    ("2주 전", "2018-12-06T12:00:00+09:00", None),
    ("3개월 전", "2018-09-20T00:00:00+09:00", None),  # months and years: a date only
    ("1년 전", "2017-12-20T00:00:00+09:00", None),
    ("어제", "2018-12-19T12:00:00+09:00", None),
    ("어제 15:27", "2018-12-19T15:27:00+09:00", None),
    ("어제 오후 3:27", "2018-12-19T15:27:00+09:00", None),
    ("그저께", "2018-12-18T12:00:00+09:00", None),
    ("그제", "2018-12-18T12:00:00+09:00", None),
    ("지난 주", "2018-12-13T12:00:00+09:00", None),  # 7 days back
    ("지난주", "2018-12-13T12:00:00+09:00", None),
    ("작년", "2017-12-20T00:00:00+09:00", None),  # = 1년 전: the year is right, a date only
    ("지난해", "2017-12-20T00:00:00+09:00", None),
    ("금일", "2018-12-20T12:00:00+09:00", None),
    ("금일 09:30", "2018-12-20T09:30:00+09:00", None),
    ("작일", "2018-12-19T12:00:00+09:00", None),
    ("작일 오후 3:27", "2018-12-19T15:27:00+09:00", None),
    ("오늘 09:30", "2018-12-20T09:30:00+09:00", None),
    # English
    ("Dec 19, 2018", "2018-12-19T00:00:00+09:00", None),
    ("December 19, 2018 3:27 PM", "2018-12-19T15:27:00+09:00", None),
    ("19 December 2018", "2018-12-19T00:00:00+09:00", None),
    ("Published: Dec 19, 2018", "2018-12-19T00:00:00+09:00", None),
    ("Wed, 19 Dec 2018 06:27:00 GMT", "2018-12-19T06:27:00+00:00", None),
    ("Dec 19, 2018 1:27 AM EST", "2018-12-19T01:27:00-05:00", None),
]  # fmt: skip

# Elements the date line is placed in, none of them in a site rule's selectors.
PLACINGS = (
    '<span class="date">{}</span>',
    "<div>{}</div>",
    '<p class="info">{}</p>',
    '<div class="meta"><em>{}</em> <span class="hit">조회 1,234</span></div>',
)

BODY = """
<div class="content">
<p>대구시는 지난 2016년 5월 3일 항저우시와 스마트시티 협약을 맺은 뒤 교통 분야 협력을 이어 왔다.
시티브레인 도입 이후 항저우의 통행 시간은 15.3% 줄었고 구급차 도착 시간은 절반으로 단축됐다.</p>
<p>양 도시는 2026년 3월 25일 개최 예정인 공동 포럼에서 데이터 공유 방안을 논의한다.
참가비는 12,000원이며 문의는 스마트시티과(053-803-1234) 또는 다산콜센터(02-120)로 하면 된다.</p>
<p>시 관계자는 "관제 플랫폼 v10.12.3 버전을 시범 적용해 사고 신고 시간을 20초 이내로 줄이겠다"며
"2019년 상반기 중 실증 사업 대상지를 확정하겠다"고 말했다.</p>
</div>
"""


def plain_page(line: str | None, placing: str = PLACINGS[0]) -> bytes:
    """A page with no metadata: headline, an optional date line beside it, a body."""
    dateline = placing.format(line) if line is not None else ""
    return f"""<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>{HEADLINE} - 가상일보</title></head><body>
<div class="gnb"><a href="/">가상일보</a> <a href="/p">정치</a> <a href="/s">사회</a></div>
<div class="view-head"><h1>{HEADLINE}</h1>{dateline}</div>
{BODY}
<div class="footer">가상일보 | 대구광역시 중구 | 대표전화 053-000-0000 | 등록번호 대구 아00123</div>
</body></html>""".encode()


def as_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@pytest.mark.parametrize(
    ("index", "line", "published", "modified"),
    [(i, *case) for i, case in enumerate(CASES)],
    ids=[case[0] for case in CASES],
)
@pytest.mark.parametrize("library", [True, False], ids=["with_htmldate", "scan_alone"])
def test_date_line_beside_the_headline(
    index: int,
    line: str,
    published: str,
    modified: str | None,
    library: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not library:  # the visible scan must read every line by itself
        monkeypatch.setattr(publication, "library_date", lambda *args, **kwargs: None)
    placing = PLACINGS[index % len(PLACINGS)]
    article = page_to_article(plain_page(line, placing), URL, fetched=FETCHED)
    assert (article.published, article.modified) == (as_time(published), as_time(modified))
    if article.published is not None:  # the same instant, and the same stated offset
        assert article.published.utcoffset() == as_time(published).utcoffset()  # type: ignore[union-attr]


def test_there_are_at_least_80_cases() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize("placing", PLACINGS)
def test_no_date_line_leaves_published_empty(placing: str) -> None:
    """Body dates (an event, a past agreement), phones, prices, versions are not the post's date."""
    article = page_to_article(plain_page(None, placing), URL, fetched=FETCHED)
    assert article.published is None and "no_date" in article.quality


@pytest.mark.parametrize(
    "line",
    [
        "2016년 5월 3일 협약 체결",  # an event in a short line, no clock, no label
        "3월 25일 개최",  # a year-less event date
        "문의 053-803-1234",  # phone numbers
        "대표전화 02-120",
        "버전 v10.12.3",  # a version
        "가격 12,000원 | 2,018개",  # prices and counts
        "작년 대비 15.3% 감소",  # 작년 inside a sentence
        "10년 전 오늘",
    ],
)
def test_lines_that_are_not_date_lines(line: str) -> None:
    """The scan reads none of them (page_to_article may still ask htmldate, by design)."""
    assert scan(plain_page(line)) == VisibleDates()


def scan(page: bytes) -> VisibleDates:
    return scan_visible_dates(parse_page(page.decode(), URL), [HEADLINE], "", FETCHED)


def test_headline_that_looks_like_a_date_is_not_the_post_date() -> None:
    """A blog post titled "3월 25일 일요일" (a diary) dated by its own date line."""
    page = plain_page("2018. 3. 25. 14:38").replace(HEADLINE.encode(), "3월 25일 일요일".encode())
    article = page_to_article(page, URL, fetched=FETCHED)
    assert article.published == datetime.fromisoformat("2018-03-25T14:38:00+09:00")


def test_markup_date_wins_over_a_visible_line() -> None:
    """Order of trust: meta before the visible scan; a same-day clock time still upgrades it."""
    meta = b'<meta property="article:published_time" content="2018-12-19">'
    page = plain_page("2018.12.19 15:27").replace(b"<title>", meta + b"<title>")
    assert page_to_article(page, URL, fetched=FETCHED).published == datetime.fromisoformat(
        "2018-12-19T15:27:00+09:00"
    )
    other_day = plain_page("3시간 전").replace(b"<title>", meta + b"<title>")
    assert page_to_article(other_day, URL, fetched=FETCHED).published == datetime.fromisoformat(
        "2018-12-19T00:00:00+09:00"
    )


def test_updated_relative_line_does_not_replace_published() -> None:
    """English pages: "Updated 3 hours ago" is a modification, never the publication."""
    meta = b'<meta property="article:published_time" content="2018-12-19T15:27:00+09:00">'
    page = plain_page("Updated 3 hours ago").replace(b"<title>", meta + b"<title>")
    article = page_to_article(page, URL, fetched=FETCHED)
    assert article.published == datetime.fromisoformat("2018-12-19T15:27:00+09:00")
    assert article.modified == datetime.fromisoformat("2018-12-20T09:00:00+09:00")


def test_related_list_far_below_the_headline_is_not_read() -> None:
    """Dates in a related-articles list after the body belong to other articles."""
    related = "".join(
        f'<li><a href="/view/{n}">다른 기사 제목 {n}</a> <span>2017.0{n}.01 10:00</span></li>'
        for n in range(1, 10)
    )
    filler = "".join(f"<p>본문 문단 {n}입니다. 스마트시티 협력이 이어진다.</p>" for n in range(40))
    page = plain_page(None).replace(b"</body>", f"{filler}<ul>{related}</ul></body>".encode())
    assert scan(page) == VisibleDates()


def test_child_of_a_modified_line_is_not_published() -> None:
    """<div>Updated <span>Jul 24, 2018</span></div>: the span repeats the modified date."""
    line = "Updated <span>Dec 19, 2018, 3:27pm EDT</span>"
    article = page_to_article(plain_page(line, "<div>{}</div>"), URL, fetched=FETCHED)
    assert article.modified == datetime.fromisoformat("2018-12-19T15:27:00-04:00")
    assert article.published != article.modified


def test_naive_date_only_upgrades_to_a_clock_on_its_own_calendar_day() -> None:
    """'2016-07-29' and '2016-07-29T16:42-04:00' are one day, though 30 July in Seoul."""
    meta = b'<meta property="article:published_time" content="2016-07-29">'
    page = plain_page('<time datetime="2016-07-29T16:42:34-04:00">July 29</time>')
    page = page.replace(b"<title>", meta + b"<title>")
    article = page_to_article(page, URL, fetched=FETCHED)
    assert article.published == datetime.fromisoformat("2016-07-29T16:42:34-04:00")


def test_a_meta_tag_is_known_by_its_itemprop_too() -> None:
    """NYT: property="article:published" (unknown) itemprop="datePublished" (known)."""
    meta = (
        b'<meta property="article:published" itemprop="datePublished"'
        b' content="2016-07-29T16:42:34-04:00">'
    )
    page = plain_page(None).replace(b"<title>", meta + b"<title>")
    article = page_to_article(page, URL, fetched=FETCHED)
    assert article.published == datetime.fromisoformat("2016-07-29T16:42:34-04:00")


def test_comment_bylines_are_not_anchors() -> None:
    """Comment threads repeat "author" classes beside the comments' own dates."""
    comments = "".join(
        f'<li class="comment"><span class="comment-author">독자{n}</span>'
        f" <span>2017.0{n}.01 10:00</span></li>"
        for n in range(1, 4)
    )
    filler = "".join(f"<p>본문 문단 {n}입니다. 스마트시티 협력이 이어진다.</p>" for n in range(40))
    thread = f'{filler}<ol id="comments">{comments}</ol></body>'
    page = plain_page(None).replace(b"</body>", thread.encode())
    assert scan(page) == VisibleDates()


@pytest.mark.parametrize("story_date", ["2016-05-03", "2016.05.03", "May 3, 2016"])
@pytest.mark.parametrize(
    ("line", "published"),
    [
        ("3시간 전", "2018-12-20T09:00:00+09:00"),
        ("MJ Studio 2018. 12. 19. 15:27", "2018-12-19T15:27:00+09:00"),
        (None, None),  # no date line: htmldate's pick from the prose is refused too
    ],
)
def test_a_date_in_the_story_is_not_the_post_date(
    story_date: str, line: str | None, published: str | None
) -> None:
    """htmldate reads the page text last; a day the story's prose names does not win."""
    page = plain_page(line).replace("2016년 5월 3일".encode(), story_date.encode())
    assert page_to_article(page, URL, fetched=FETCHED).published == as_time(published)


def test_a_newswire_dateline_opening_a_paragraph_is_the_post_date() -> None:
    """ "April 17, 2015 -- Imagine ..." (WebMD) opens the story: htmldate's answer stands."""
    story = "<p>April 17, 2015 -- Imagine being sick in the hospital with an infection.</p>" * 2
    body = (
        f"<html><head><title>Superbugs</title></head><body><h1>Superbugs</h1>{story}</body></html>"
    )
    article = page_to_article(body.encode(), URL, fetched=FETCHED)
    assert article.published == datetime.fromisoformat("2015-04-17T00:00:00+09:00")
