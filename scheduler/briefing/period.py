"""Which span of time a briefing covers.

The end is the moment it is made, cut to the minute (a scheduled 07:00 briefing
covers up to 07:00:00, and a re-run in the same minute gives the same document);
`--end` fixes it. The start is, in order: `--start`, `--since` (a window before
the end), or the config's `period`: a window, or `since_last`, the end of the
previous briefing of the same name (a day before the end for the first one).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crawler.config import parse_interval
from crawler.config.briefings import SINCE_LAST, BriefingConfig
from crawler.vocabulary import SEOUL, in_seoul

# The first `since_last` briefing, with nothing archived before it, covers a day.
FIRST_PERIOD = timedelta(days=1)


class PeriodError(ValueError):
    """The requested period is empty or reversed; the message names the option."""


def resolve_period(
    briefing: BriefingConfig,
    now: datetime,
    *,
    since: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    last_end: datetime | None = None,
) -> tuple[datetime, datetime]:
    stop = (end or now.replace(second=0, microsecond=0)).astimezone(SEOUL)
    if start is not None:
        begin = start.astimezone(SEOUL)
    elif since is not None:
        begin = stop - timedelta(seconds=parse_interval(since))
    elif briefing.period == SINCE_LAST:
        begin = last_end.astimezone(SEOUL) if last_end is not None else stop - FIRST_PERIOD
    else:
        begin = stop - timedelta(seconds=parse_interval(briefing.period))
    if begin >= stop:
        raise PeriodError(
            f"briefing {briefing.name}: the period {begin.isoformat()} – {stop.isoformat()} "
            "is empty (--start must be before --end)"
        )
    return begin, stop


def parse_moment(text: str, option: str) -> datetime:
    """An ISO 8601 time; without an offset it is Korean time (the product's rule)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise PeriodError(
            f"{option}: {text!r} is not an ISO 8601 time such as 2026-12-02T07:00+09:00"
        ) from None
    return in_seoul(moment)
