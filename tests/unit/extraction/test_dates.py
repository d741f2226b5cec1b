"""Table-driven tests for crawler.extraction.dates."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from crawler.extraction.dates import (
    find_labeled_dates,
    leading_date,
    mentions_day,
    parse_date,
    parse_standalone_relative,
)
from crawler.vocabulary import SEOUL

# Fetched the afternoon after the seed article (2018-12-19 15:27 KST) was posted.
FETCHED = "2018-12-20T12:00:00+09:00"
# A fetch in early January, for year-less dates from the previous December.
JANUARY = "2019-01-02T09:00:00+09:00"

DATE_CASES: list[tuple[str, str, str]] = [
    # (input, fetched, expected ISO 8601)
    # Korean numeric forms
    ("2018. 12. 19. 15:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018.12.19 15:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018.12.19. 15:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018.12.19", FETCHED, "2018-12-19T00:00:00+09:00"),
    ("2018-12-19", FETCHED, "2018-12-19T00:00:00+09:00"),
    ("2018/12/19 15:27:33", FETCHED, "2018-12-19T15:27:33+09:00"),
    ("2018-12-19 15:27:00", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018.12.19(수) 15:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018.12.19 15:27 KST", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("18.12.19", FETCHED, "2018-12-19T00:00:00+09:00"),
    ("18. 12. 19. 15:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("99.12.19", FETCHED, "1999-12-19T00:00:00+09:00"),
    ("２０１８．１２．１９ １５：２７", FETCHED, "2018-12-19T15:27:00+09:00"),  # full-width
    # Korean words and 오전/오후
    ("2018년 12월 19일 오후 3시 27분", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018년 12월 19일 15시 27분", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018년12월19일", FETCHED, "2018-12-19T00:00:00+09:00"),
    ("2018년 12월 19일 (수) 오후 3:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018.12.19. 오후 3:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018.12.19. 오전 9:05", FETCHED, "2018-12-19T09:05:00+09:00"),
    ("2018.12.19 오후 12시", FETCHED, "2018-12-19T12:00:00+09:00"),  # noon
    ("2018.12.19 오전 12시", FETCHED, "2018-12-19T00:00:00+09:00"),  # midnight
    ("2018.12.19 오전 12:05", FETCHED, "2018-12-19T00:05:00+09:00"),
    ("2018-12-19 3:27 PM", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("12월 19일 15:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("12월 31일", JANUARY, "2018-12-31T00:00:00+09:00"),  # last year's December
    ("내일신문 전팀장 2018. 12. 19. 15:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    # relative forms, counted back from `fetched`
    ("방금 전", FETCHED, "2018-12-20T12:00:00+09:00"),
    ("30초 전", FETCHED, "2018-12-20T11:59:30+09:00"),
    ("5분 전", FETCHED, "2018-12-20T11:55:00+09:00"),
    ("3시간 전", FETCHED, "2018-12-20T09:00:00+09:00"),
    ("어제", FETCHED, "2018-12-19T12:00:00+09:00"),
    ("어제 오후 3:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("그제", FETCHED, "2018-12-18T12:00:00+09:00"),
    ("2일 전", FETCHED, "2018-12-18T12:00:00+09:00"),
    ("1주 전", FETCHED, "2018-12-13T12:00:00+09:00"),
    ("오늘 09:30", FETCHED, "2018-12-20T09:30:00+09:00"),
    ("작일", FETCHED, "2018-12-19T12:00:00+09:00"),  # yesterday
    ("작일 오후 3:27", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("금일", FETCHED, "2018-12-20T12:00:00+09:00"),  # today
    ("금일 09:30", FETCHED, "2018-12-20T09:30:00+09:00"),
    ("입력 2018.12.19 (15:27)", FETCHED, "2018-12-19T15:27:00+09:00"),  # KBS: time in brackets
    ("3 hours ago", FETCHED, "2018-12-20T09:00:00+09:00"),
    ("an hour ago", FETCHED, "2018-12-20T11:00:00+09:00"),
    ("2 days ago", FETCHED, "2018-12-18T12:00:00+09:00"),
    ("just now", FETCHED, "2018-12-20T12:00:00+09:00"),
    ("yesterday", FETCHED, "2018-12-19T12:00:00+09:00"),
    # international forms
    ("2018-12-19T15:27:00+09:00", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018-12-19T15:27:00.000+0900", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("2018-12-19T06:27:00Z", FETCHED, "2018-12-19T06:27:00+00:00"),
    ("2018-12-19T06:27:00.123Z", FETCHED, "2018-12-19T06:27:00+00:00"),
    ("Wed, 19 Dec 2018 06:27:00 GMT", FETCHED, "2018-12-19T06:27:00+00:00"),
    ("Wed, 19 Dec 2018 15:27:00 +0900", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("December 19, 2018", FETCHED, "2018-12-19T00:00:00+09:00"),
    ("Dec. 19, 2018", FETCHED, "2018-12-19T00:00:00+09:00"),
    ("19 December 2018", FETCHED, "2018-12-19T00:00:00+09:00"),
    ("Dec 19, 2018 3:27 PM", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("January 18, 2017 11:00 PM PST", FETCHED, "2017-01-18T23:00:00-08:00"),
    ("2018-12-19 15:27 EDT", FETCHED, "2018-12-19T15:27:00-04:00"),
    ("Wednesday, December 19, 2018 at 3:27 PM", FETCHED, "2018-12-19T15:27:00+09:00"),
    ("1545200820000", FETCHED, "2018-12-19T06:27:00+00:00"),  # epoch millis
    ('"1545200820"', FETCHED, "2018-12-19T06:27:00+00:00"),  # epoch seconds, quoted
]


@pytest.mark.parametrize(("text", "fetched", "expected"), DATE_CASES)
def test_parse_date(text: str, fetched: str, expected: str) -> None:
    result = parse_date(text, fetched=datetime.fromisoformat(fetched))
    assert result is not None, text
    assert result.tzinfo is not None
    assert result == datetime.fromisoformat(expected)
    assert result.utcoffset() == datetime.fromisoformat(expected).utcoffset()


def test_naive_results_are_seoul() -> None:
    result = parse_date("2018.12.19 15:27", fetched=datetime.fromisoformat(FETCHED))
    assert result is not None and result.tzinfo == SEOUL


REJECTED = [
    "",
    "   ",
    "junk text with no date",
    "기사 본문만 있고 날짜는 없다",
    "15:27",  # a time alone is not a date
    "2018.13.19",  # month 13
    "2018.02.30",  # 30 February
    "2018.12.19 25:00",  # hour 25
    "2099.01.01",  # far future
    "2018.12.21 12:01",  # just over a day after the fetch
    "1899.12.31",  # before 1900
    "9999999999999",  # epoch millis in the year 2286
    "version 1.2.3",
    "192.168.0.1",
    "통행시간을 15.3% 감축했다",
    "010-1234-5678",
    "12/19/2018",  # month/day order is ambiguous: not guessed
    "10년 전",  # years back are history in a body, not a timestamp
    "오늘날 스마트시티는",  # "nowadays", not today
    "\x00\ufffd\ud7a3 <html>",
]


@pytest.mark.parametrize("text", REJECTED)
def test_rejects(text: str) -> None:
    assert parse_date(text, fetched=datetime.fromisoformat(FETCHED)) is None


LABELED: list[tuple[str, str | None, str | None]] = [
    (
        "입력 2018.12.19 15:27 | 수정 2018.12.20 09:01",
        "2018-12-19T15:27:00+09:00",
        "2018-12-20T09:01:00+09:00",
    ),
    (
        "수정 2018.12.20 09:01 입력 2018.12.19 15:27",
        "2018-12-19T15:27:00+09:00",
        "2018-12-20T09:01:00+09:00",
    ),
    (
        "기사입력 : 2018-12-19 15:27 최종수정 : 2018-12-20 09:01",
        "2018-12-19T15:27:00+09:00",
        "2018-12-20T09:01:00+09:00",
    ),
    ("등록일 2018.12.19 오후 3:27", "2018-12-19T15:27:00+09:00", None),
    ("작성일시 2018년 12월 19일 15시 27분", "2018-12-19T15:27:00+09:00", None),
    (
        "게시 2018.12.19  업데이트 3시간 전",
        "2018-12-19T00:00:00+09:00",
        "2018-12-20T09:00:00+09:00",
    ),
    (
        "Published: December 19, 2018 Updated: Dec 20, 2018",
        "2018-12-19T00:00:00+09:00",
        "2018-12-20T00:00:00+09:00",
    ),
    # no labels: the first date is published
    ("내일신문 전팀장 2018. 12. 19. 15:27 본문 2018.12.01", "2018-12-19T15:27:00+09:00", None),
    # only a modified label: published is the first other date
    (
        "최종수정 2018.12.20 09:01 기자 홍길동 2018.12.19",
        "2018-12-19T00:00:00+09:00",
        "2018-12-20T09:01:00+09:00",
    ),
    # a label word with no date after it does not steal a later date
    ("작성자 홍길동 기자 | 2018.12.19", "2018-12-19T00:00:00+09:00", None),
    ("날짜가 없는 글", None, None),
]


@pytest.mark.parametrize(("text", "published", "modified"), LABELED)
def test_find_labeled_dates(text: str, published: str | None, modified: str | None) -> None:
    got = find_labeled_dates(text, fetched=datetime.fromisoformat(FETCHED))
    want = tuple(datetime.fromisoformat(v) if v else None for v in (published, modified))
    assert got == want


def test_seed_byline() -> None:
    text = (
        "카테고리 없음\n\n권영진 대구시장 ... 방문\n\n내일신문 전팀장 2018. 12. 19. 15:27\n\n권영진"
    )
    published, modified = find_labeled_dates(text, fetched=datetime.fromisoformat(FETCHED))
    assert published == datetime(2018, 12, 19, 15, 27, tzinfo=SEOUL)
    assert modified is None


def test_long_junk_is_fast() -> None:
    # This runs on every page: 200 pages of dateless 5,000-char text in well under a second.
    text = ("스마트시티 교통 15.3% 감축 구급차 20초 " * 250)[:5000]
    fetched = datetime.fromisoformat(FETCHED)
    start = time.perf_counter()
    for _ in range(200):
        assert find_labeled_dates(text, fetched=fetched) == (None, None)
    assert time.perf_counter() - start < 1.0


STANDALONE: list[tuple[str, str | None]] = [
    ("작년", "2017-12-20T00:00:00+09:00"),  # last year = 1년 전, a date only
    ("지난해", "2017-12-20T00:00:00+09:00"),
    ("재작년", "2016-12-20T00:00:00+09:00"),
    ("1년 전", "2017-12-20T00:00:00+09:00"),
    ("3개월 전", "2018-09-20T00:00:00+09:00"),
    ("10달 전", "2018-02-20T00:00:00+09:00"),
    ("지난 주", "2018-12-13T12:00:00+09:00"),  # 7 days back, the fetch's clock
    ("[지난주]", "2018-12-13T12:00:00+09:00"),
    ("작년 대비 15% 증가", None),  # in a sentence: history, not a timestamp
    ("10년 전 오늘", None),
]


@pytest.mark.parametrize(("text", "expected"), STANDALONE)
def test_parse_standalone_relative(text: str, expected: str | None) -> None:
    got = parse_standalone_relative(text, fetched=datetime.fromisoformat(FETCHED))
    assert got == (datetime.fromisoformat(expected) if expected else None)


def test_month_back_clamps_to_the_month_end() -> None:
    got = parse_standalone_relative("1개월 전", fetched=datetime(2019, 3, 31, 9, tzinfo=SEOUL))
    assert got == datetime(2019, 2, 28, tzinfo=SEOUL)


def test_labelled_only_ignores_unlabelled_dates() -> None:
    """In article text "2018년 3월 25일" is about the story; only a label names the post date."""
    fetched = datetime.fromisoformat(FETCHED)
    story = "대구시는 2018년 3월 25일 항저우에서 협약을 맺었다. 문의 053-803-1234"
    assert find_labeled_dates(story, fetched=fetched, labelled_only=True) == (None, None)
    labelled = f"등록일 : 2018-12-19 {story}"
    assert find_labeled_dates(labelled, fetched=fetched, labelled_only=True) == (
        datetime(2018, 12, 19, tzinfo=SEOUL),
        None,
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("April 17, 2015 -- Imagine being sick", "2015-04-17T00:00:00+09:00"),
        ("SEOUL, Dec. 19, 2018 (Yonhap) -- The city", "2018-12-19T00:00:00+09:00"),
        ("WASHINGTON (AP) Dec 19, 2018 - The city", "2018-12-19T00:00:00+09:00"),
        ("[서울=뉴시스] 2018.12.19 대구시는", "2018-12-19T00:00:00+09:00"),
        ("On Dec 19, 2018, gunmen attacked", None),  # inside a sentence
        ("대구시는 지난 2018-12-19 항저우시와", None),
    ],
)
def test_leading_date(line: str, expected: str | None) -> None:
    got = leading_date(line, fetched=datetime.fromisoformat(FETCHED))
    assert got == (datetime.fromisoformat(expected) if expected else None)


def test_mentions_day() -> None:
    fetched = datetime.fromisoformat(FETCHED)
    story = "양 도시는 지난 2016.05.03 협약을 맺었다. 문의 053-803-1234, 참가비 12,000원."
    assert mentions_day(story, datetime(2016, 5, 3).date(), fetched=fetched)
    assert not mentions_day(story, datetime(2016, 5, 4).date(), fetched=fetched)
