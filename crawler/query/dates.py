"""since:/until: values — a day, a moment, or an age such as 7d — and the window they make.

A day (`2026-11-01`) is a Korean calendar day: `since:` starts at its first moment in
Asia/Seoul and `until:` includes the whole day. A moment (`2026-11-01T09:30`, naive =
Seoul, or with an offset) is taken as written. An age (`24h`, `7d`, `2w`) counts back
from the moment the query runs, so it is resolved late: at search time for a search, at
each sweep for a watch (see crawler.query.compile.DateWindow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from crawler.vocabulary import SEOUL, in_seoul

DATE_FIELDS = ("since", "until")
_AGE_RE = re.compile(r"(\d{1,5})([hdw])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class DateValueError(ValueError):
    """A since:/until: value that is neither a day, a moment nor an age."""


@dataclass(frozen=True, slots=True)
class DateBound:
    field: str  # "since" or "until"
    moment: datetime | None = None  # an absolute bound (aware)
    age: timedelta | None = None  # a bound relative to the time the query runs
    whole_day: bool = False  # an until: day includes its last moment
    written: str = ""  # the value as written (an age: "7d", the engine's date-math units)

    def resolve(self, now: datetime) -> datetime:
        """The bound as an aware datetime, for a query run at `now`."""
        if self.age is not None:
            return now - self.age
        assert self.moment is not None  # one of the two is always set by parse_date_value
        return self.moment

    def admits(self, when: datetime, now: datetime) -> bool:
        """Whether an article placed at `when` is inside this bound."""
        edge = self.resolve(now)
        if self.field == "since":
            return when >= edge
        return when < edge if self.whole_day else when <= edge

    def range_clause(self, now: datetime, *, date_math: bool = False) -> dict[str, str]:
        """The same bound as an engine range clause.

        With `date_math`, an age stays relative ("now-7d", resolved by the engine at
        each run), for a query saved elsewhere (a Kibana filter), not run now.
        """
        edge = self.resolve(now).isoformat()
        if date_math and self.age is not None:
            edge = f"now-{self.written}"
        if self.field == "since":
            return {"gte": edge}
        return {"lt": edge} if self.whole_day else {"lte": edge}


def parse_date_value(field: str, value: str) -> DateBound:
    age = _AGE_RE.fullmatch(value)
    if age:
        return DateBound(field, age=int(age.group(1)) * _UNITS[age.group(2)], written=value)
    try:
        if len(value) == len("2026-11-01"):
            day = date.fromisoformat(value)
            return _day_bound(field, day)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DateValueError(
            f"{field}: wants a day (2026-11-01), a moment (2026-11-01T09:00) or an age "
            f"(24h, 7d, 2w), got {value!r}"
        ) from None
    return DateBound(field, moment=in_seoul(moment))


def _day_bound(field: str, day: date) -> DateBound:
    if field == "since":
        return DateBound(field, moment=datetime.combine(day, time(), SEOUL))
    # until a day = before the next day starts
    next_day = datetime.combine(day + timedelta(days=1), time(), SEOUL)
    return DateBound(field, moment=next_day, whole_day=True)
