"""Normalize the date strings of Korean and international news pages.

Korean pages write dates in shapes python-dateutil does not read ("2018. 12.
19. 15:27", "2018년 12월 19일 오후 3시 27분", "3시간 전"): compiled regexes read
those; dateutil reads the English ones (RFC 822, "December 19, 2018").

Each shape is a *family*: a regex plus a builder that turns a match into an
aware datetime or None. `parse_date` returns the earliest plausible match in
the text; `find_labeled_dates` reads "입력 ... | 수정 ..." style labels.

Rules: naive times are Asia/Seoul; a date more than a day after the fetch or
before 1900 is rejected (None), never guessed; junk text gives None, never an
exception. Relative forms ("2일 전", "어제") count back from `fetched` and keep
its clock time, because the page does not say more.
"""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from dateutil import parser as dateutil_parser

from crawler.vocabulary import SEOUL, in_seoul

# A page cannot be published after we fetched it; one day of slack absorbs
# sites whose clocks or time zones are wrong (seen: KST times labelled UTC).
MAX_AHEAD_OF_FETCH = timedelta(days=1)
# Nothing we crawl predates 1900; earlier years are parse errors (e.g. "0019").
MIN_YEAR = 1900
# mentions_day reads the first 20,000 characters: a long article, and ~2 ms.
MAX_MENTION_CHARS = 20_000
# leading_date: a dateline opens a line within this many characters, tag included.
_LEADING_CHARS = 80
# Place or agency tags before a dateline: "SEOUL, ", "WASHINGTON (AP) ", "[서울=뉴시스] ".
_PLACE_TAG = re.compile(
    r"\s*(?:[A-Z][A-Za-z.'-]*(?:\s+[A-Z][A-Za-z.'-]*)*(?:,\s*|\s+(?=[\[(])))?"  # "SEOUL, "
    r"(?:[\[(][^\])]{1,20}[\])][\s,]*)?"  # "(AP) ", "[서울=뉴시스] "
)
# A labelled date sits right after its label ("입력 2018.12.19"); 60 chars
# holds the longest form ("2018년 12월 19일 (수) 오후 3시 27분 +09:00") with room.
_LABEL_WINDOW = 60
# Characters allowed between a label and its date: brackets, bars, dashes.
_LABEL_GAP = 3

# Zone abbreviations read after a clock time. Ambiguous ones (CST: China or US
# Central, IST: India or Ireland) are left out: a wrong zone is worse than none.
_ZONES: dict[str, tzinfo] = {"Z": UTC, "UTC": UTC, "GMT": UTC, "KST": SEOUL}
_ZONES |= {
    name: timezone(timedelta(hours=hours))
    for name, hours in (("EST", -5), ("EDT", -4), ("MST", -7), ("MDT", -6), ("PST", -8),
                        ("PDT", -7), ("JST", 9), ("CET", 1), ("CEST", 2), ("BST", 1))
}  # fmt: skip
_ZONE_NAMES = "|".join(sorted(_ZONES, key=len, reverse=True))
_AMPM = r"(?:오전|오후|[AaPp]\.?[Mm]\.?)"
# A clock time after a date: "15:27", "15:27:00.000", "오후 3:27", "오후 3시 27분", "3:27 PM".
_TIME = rf"""
    (?P<ampm>{_AMPM})?\s*
    (?P<hour>\d{{1,2}})\s*
    (?::\s*(?P<minute>\d{{2}})(?::(?P<second>\d{{2}})(?:[.,]\d+)?)?
     |시(?:\s*(?P<kminute>\d{{1,2}})\s*분)?)
    (?:\s*(?P<ampm2>{_AMPM}))?
    (?:\s?(?P<tz>[+-][01]\d:?\d{{2}}|{_ZONE_NAMES})\b)?
"""
_NUMERIC = re.compile(
    rf"""
    (?<![\d./])
    (?:(?P<year>\d{{4}})\s*(?:년|[./-])|(?P<yy>\d{{2}})\s*(?:년|\.))\s*
    (?P<month>\d{{1,2}})\s*(?:월|[./-])\s*
    (?P<day>\d{{1,2}})(?!\d)(?:\s*(?:일|\.))?
    (?:\s*\(\s*[월화수목금토일A-Za-z]{{1,3}}\s*\))?   # weekday: (수), (Wed)
    (?:(?:T|[\s,]+\(?|\(){_TIME}\)?)?   # "15:27", "T15:27", "(08:26)" (KBS)
    """,
    re.VERBOSE,
)
# "12월 19일 15:27" without a year (blogs); not after 년, or it is part of a full date.
_YEARLESS = re.compile(
    rf"(?<![년\d])(?<!년\s)(?P<month>\d{{1,2}})\s*월\s*(?P<day>\d{{1,2}})\s*일"
    rf"(?:\s*\(\s*[월화수목금토일]\s*\))?(?:\s+{_TIME})?",
    re.VERBOSE,
)
_MONTHS = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_ENGLISH = re.compile(
    rf"""
    (?:\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?
    (?:\b\d{{1,2}}\s+(?:{_MONTHS})\b\.?,?\s+\d{{4}}
      |\b(?:{_MONTHS})\b\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})
    (?:,?\s+(?:at\s+)?\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s*[AaPp]\.?[Mm]\.?)?)?
    (?:\s*(?:{_ZONE_NAMES}|[+-][01]\d:?\d{{2}})\b)?
    """,
    re.VERBOSE | re.IGNORECASE,
)
# "5분 전", "3시간 전", "2일 전", "1주 전", "방금 전". Months and years are left out:
# "10년 전" in a body is history, not a timestamp. Not after 월 ("12월 19일 전에").
_KO_RELATIVE = re.compile(
    r"방금(?:\s*전)?|(?<![\d월])(?<!월\s)(?P<n>\d{1,3})\s*(?P<unit>초|분|시간|일|주일?)\s*전"
)
# "어제", "작일" (yesterday), "그제" (optionally with a clock time); "금일" (today);
# "오늘" only with a time ("오늘날" = nowadays).
_KO_DAY_WORD = re.compile(
    rf"(?<![가-힣])(?:(?P<word>어제|작일|그제|그저께)|(?P<today>금일|오늘(?=\s*{_AMPM}?\s*\d)))(?:\s*{_TIME})?",
    re.VERBOSE,
)
_EN_RELATIVE = re.compile(
    r"\b(?:(?P<n>\d{1,3}|an?|one)\s+(?P<unit>sec(?:ond)?|min(?:ute)?|hour|hr|day|week)s?\s+ago"
    r"|just\s+now|yesterday)\b",
    re.IGNORECASE,
)
# Epoch seconds (10 digits) or milliseconds (13 digits), as JSON APIs give them.
_EPOCH = re.compile(r'\s*"?(?P<n>\d{9,13})"?\s*')
# Above this an epoch number is milliseconds (1e11 s would be the year 5138).
_EPOCH_MILLIS_ABOVE = 10**11

# Coarse relative forms read only when they are a short element's whole text
# (see parse_standalone_relative): "3개월 전", "1년 전", "작년", "지난 주".
_COARSE_RELATIVE = re.compile(
    r"(?P<n>\d{1,2})\s*(?P<unit>개월|달|년)\s*전|(?P<word>작년|지난해|재작년)|(?P<week>지난\s*주)"
)
_COARSE_MONTHS = {"작년": 12, "지난해": 12, "재작년": 24}  # last year, last year, two years ago
_UNIT_SECONDS = {"초": 1, "분": 60, "시간": 3600, "일": 86400, "주": 604800, "주일": 604800}
_UNIT_SECONDS |= {"sec": 1, "second": 1, "min": 60, "minute": 60, "hour": 3600, "hr": 3600}
_UNIT_SECONDS |= {"day": 86400, "week": 604800}  # months and years: see _KO_RELATIVE
_DAYS_BACK = {"어제": 1, "작일": 1, "그제": 2, "그저께": 2, "yesterday": 1}

Builder = Callable[["re.Match[str]", datetime], "datetime | None"]

# Longer labels first: the regex alternation takes the first that matches.
_PUBLISHED_LABELS = (
    "기사입력", "최초입력", "입력", "등록", "작성", "게시", "게재", "발행", "송고", "승인", "배포",
)  # fmt: skip
_PUBLISHED_LABELS_EN = ("published", "posted", "created")
_MODIFIED_LABELS = ("최종수정", "기사수정", "수정일", "수정", "업데이트", "갱신")
_MODIFIED_LABELS_EN = ("last modified", "updated", "modified")
_MODIFIED = frozenset(_MODIFIED_LABELS + _MODIFIED_LABELS_EN)
_LABEL_TAIL = r"(?:\s*(?:일시|일자|시간|시각|날짜|일))?\s*[:：]?\s*"
# Korean and English labels are two regexes: IGNORECASE makes a Korean scan ~10x slower.
_LABEL_KO = re.compile(f"(?P<label>{'|'.join(_PUBLISHED_LABELS + _MODIFIED_LABELS)}){_LABEL_TAIL}")
_LABEL_EN = re.compile(
    rf"(?<![A-Za-z])(?P<label>{'|'.join(_PUBLISHED_LABELS_EN + _MODIFIED_LABELS_EN)})"
    rf"(?:\s+(?:on|at))?{_LABEL_TAIL}",
    re.IGNORECASE,
)


def parse_date(text: str, *, fetched: datetime) -> datetime | None:
    """The first plausible date in `text` as an aware datetime, or None."""
    try:
        found = _first_match(_normalize(text), fetched, max_start=None)
        return found[2] if found else None
    except (ValueError, OverflowError, TypeError):  # a last guard: junk never raises
        return None


def find_labeled_dates(
    text: str, *, fetched: datetime, labelled_only: bool = False
) -> tuple[datetime | None, datetime | None]:
    """(published, modified) from labels such as "입력 2018.12.19 15:27 | 수정 ...".

    Without a published label the first date in the text that is not a
    modified-labelled one counts as published, unless `labelled_only` (for
    article text, where an unlabelled date is about the story, not the post).
    """
    try:
        return _find_labeled(_normalize(text), fetched, labelled_only)
    except (ValueError, OverflowError, TypeError):
        return None, None


def parse_standalone_relative(text: str, *, fetched: datetime) -> datetime | None:
    """A coarse relative date that is the whole of `text`: "작년", "3개월 전", "지난 주".

    Only a short element holding nothing else is read this way: in prose
    "작년 대비" or "10년 전 오늘" is history, not a timestamp. Months and years
    count back in calendar units and give a date only (midnight Seoul): a
    clock time would claim a precision the page does not give. "작년" and
    "지난해" (last year) read as "1년 전", so the year is right and the day is
    the fetch's day one year back; "지난 주" (last week) is 7 days back,
    like "1주 전", keeping the fetch's clock.
    """
    match = _COARSE_RELATIVE.fullmatch(_normalize(text).strip(" \t[]()<>|·"))
    if match is None:
        return None
    if match["week"]:
        return fetched - timedelta(days=7)
    months = _COARSE_MONTHS.get(match["word"] or "", 0)
    if match["unit"]:
        months = int(match["n"]) * (1 if match["unit"] in ("개월", "달") else 12)
    local = fetched.astimezone(SEOUL)
    total = local.year * 12 + local.month - 1 - months
    year, month = divmod(total, 12)
    day = min(local.day, monthrange(year, month + 1)[1])  # 31 March - 1 month = 28/29 February
    return _plausible(datetime(year, month + 1, day, tzinfo=SEOUL), fetched)


def mentions_day(text: str, day: date, *, fetched: datetime) -> bool:
    """True when `text` names `day` in any form we read ("2016-05-03", "May 3, 2016")."""
    text = _normalize(text[:MAX_MENTION_CHARS])
    lowered = text.lower()
    for pattern, build, hints in _FAMILIES:
        if not any(hint in lowered for hint in hints):
            continue
        for match in pattern.finditer(text):
            try:
                value = _plausible(build(match, fetched), fetched)
            except (ValueError, OverflowError, TypeError):
                continue
            if value is not None and value.date() == day:
                return True
    return False


def leading_date(line: str, *, fetched: datetime) -> datetime | None:
    """The date a line opens with, newswire style: "April 17, 2015 -- ...", "SEOUL, May 3 -".

    An optional place or agency tag may come first ("SEOUL, ", "[서울=뉴시스] ");
    a date later in the line belongs to the sentence, not to a dateline.
    """
    head = _normalize(line[:_LEADING_CHARS])
    if tag := _PLACE_TAG.match(head):
        head = head[tag.end() :]
    found = first_date_span(head, fetched=fetched)
    return found[2] if found and found[0] == 0 else None


def has_clock(value: datetime) -> bool:
    """Midnight means the source gave a date only (a real 00:00:00 post is rare)."""
    return (value.hour, value.minute, value.second) != (0, 0, 0)


def first_date_span(text: str, *, fetched: datetime) -> tuple[int, int, datetime] | None:
    """(start, end, value) of the first plausible date in already normalized `text`."""
    try:
        return _first_match(text, fetched, max_start=None)
    except (ValueError, OverflowError, TypeError):
        return None


def label_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_modified) of every date label in normalized `text`."""
    return [(m.start(), m.end(), m["label"].lower() in _MODIFIED) for m in _labels(text)]


def normalize_text(text: str) -> str:
    """`text` with full-width digits and punctuation folded (NFKC), as the parsers expect."""
    return _normalize(text)


def _find_labeled(
    text: str, fetched: datetime, labelled_only: bool
) -> tuple[datetime | None, datetime | None]:
    published: datetime | None = None
    modified: datetime | None = None
    modified_spans: list[tuple[int, int]] = []
    for label in _labels(text):
        window = text[label.end() : label.end() + _LABEL_WINDOW]
        found = _first_match(window, fetched, max_start=_LABEL_GAP)
        if found is None:
            continue
        _, end, value = found
        if label["label"].lower() in _MODIFIED:
            modified = modified or value
            modified_spans.append((label.start(), label.end() + end))
        else:
            published = published or value
    if published is None and not labelled_only:  # the first date not labelled modified
        for start, end in modified_spans:
            text = text[:start] + " " * (end - start) + text[end:]
        found = _first_match(text, fetched, max_start=None)
        published = found[2] if found else None
    return published, modified


def _labels(text: str) -> list[re.Match[str]]:
    found = list(_LABEL_KO.finditer(text))
    lowered = text.lower()
    if any(word in lowered for word in _PUBLISHED_LABELS_EN + _MODIFIED_LABELS_EN):
        found = sorted([*found, *_LABEL_EN.finditer(text)], key=lambda m: m.start())
    return found


def _normalize(text: str) -> str:
    # NFKC folds full-width digits and colons ("２０１８：") that Korean CMSs emit.
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _first_match(
    text: str, fetched: datetime, *, max_start: int | None
) -> tuple[int, int, datetime] | None:
    """(start, end, value) of the earliest plausible date starting by `max_start`."""
    if epoch := _EPOCH.fullmatch(text):
        number = int(epoch["n"])
        seconds = number / 1000 if number > _EPOCH_MILLIS_ABOVE else number
        value = _plausible(datetime.fromtimestamp(seconds, tz=UTC), fetched)
        return (0, len(text), value) if value else None
    best: tuple[int, int, datetime] | None = None
    lowered = text.lower()
    for pattern, build, hints in _FAMILIES:
        if not any(hint in lowered for hint in hints):
            continue  # a substring test is ~100x cheaper than a regex scan
        for match in pattern.finditer(text):
            if max_start is not None and match.start() > max_start:
                break
            if best is not None and match.start() >= best[0]:
                break
            value = _plausible(build(match, fetched), fetched)
            if value is not None:
                best = (match.start(), match.end(), value)
                break
    return best


def _plausible(value: datetime | None, fetched: datetime) -> datetime | None:
    ok = value is not None and value.year >= MIN_YEAR and value <= fetched + MAX_AHEAD_OF_FETCH
    return value if ok else None


def _clock(match: re.Match[str]) -> tuple[int, int, int] | None:
    """(hour, minute, second) of a _TIME match; None when the time is impossible."""
    if match["hour"] is None:
        return 0, 0, 0
    hour = int(match["hour"])
    minute = int(match["minute"] or match["kminute"] or 0)
    second = int(match["second"] or 0)
    marker = (match["ampm"] or match["ampm2"] or "").lower().replace(".", "")
    if marker in ("오후", "pm") and hour < 12:
        hour += 12  # 오후 3시 = 15:00; 오후 12시 stays noon
    elif marker in ("오전", "am") and hour == 12:
        hour = 0  # 오전 12시 = midnight
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _zone(match: re.Match[str]) -> tzinfo:
    name = (match["tz"] or "KST").upper()
    if name in _ZONES:
        return _ZONES[name]
    digits = name[1:].replace(":", "")  # "+09:00", "+0900"
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-offset if name[0] == "-" else offset)


def _at(year: int, month: int, day: int, match: re.Match[str]) -> datetime | None:
    clock = _clock(match)
    try:
        return datetime(year, month, day, *clock, tzinfo=_zone(match)) if clock else None
    except ValueError:  # 2018-02-30, month 13: not a date
        return None


def _build_numeric(match: re.Match[str], fetched: datetime) -> datetime | None:
    year = int(match["year"] or 0) or 2000 + int(match["yy"])
    if not match["year"] and year > fetched.year + 1:
        year -= 100  # two-digit years: this century unless that is in the future
    return _at(year, int(match["month"]), int(match["day"]), match)


def _build_yearless(match: re.Match[str], fetched: datetime) -> datetime | None:
    year = fetched.astimezone(SEOUL).year
    found = _at(year, int(match["month"]), int(match["day"]), match)
    if found is not None and found > fetched + MAX_AHEAD_OF_FETCH:  # December post read in January
        found = _at(year - 1, int(match["month"]), int(match["day"]), match)
    return found


def _build_english(match: re.Match[str], fetched: datetime) -> datetime | None:
    raw = re.sub(r"\s+at\s+", " ", match.group(), flags=re.IGNORECASE)
    try:
        value = dateutil_parser.parse(raw, tzinfos=_ZONES)  # also reads RFC 822
    except (ValueError, OverflowError):
        return None
    return in_seoul(value)


def _build_relative(match: re.Match[str], fetched: datetime) -> datetime | None:
    """'5분 전', '3 hours ago'; '방금', 'just now', 'yesterday' (unit-less)."""
    if match["unit"] is None:
        return fetched - timedelta(days=_DAYS_BACK.get(match.group().lower(), 0))
    count = int(match["n"]) if match["n"].isdigit() else 1  # "an hour ago"
    return fetched - timedelta(seconds=count * _UNIT_SECONDS[match["unit"].lower()])


def _build_ko_day_word(match: re.Match[str], fetched: datetime) -> datetime | None:
    day = fetched - timedelta(days=_DAYS_BACK.get(match["word"] or "", 0))
    if match["hour"] is None:
        return day
    local = day.astimezone(SEOUL)
    return _at(local.year, local.month, local.day, match)


# (regex, builder, hints): a family is scanned only when one of its lowercase
# hint substrings occurs, which skips most families on most pages.
# Order matters only for ties at one position: full dates before partial ones.
_FAMILIES: tuple[tuple[re.Pattern[str], Builder, tuple[str, ...]], ...] = (
    (_NUMERIC, _build_numeric, (".", "-", "/", "년")),
    (_ENGLISH, _build_english, tuple(m[:3].lower() for m in _MONTHS.split("|"))),
    (_YEARLESS, _build_yearless, ("월",)),
    (_KO_DAY_WORD, _build_ko_day_word, ("어제", "작일", "그제", "그저께", "금일", "오늘")),
    (_KO_RELATIVE, _build_relative, ("전", "방금")),
    (_EN_RELATIVE, _build_relative, ("ago", "now", "yesterday")),
)
