"""The briefing's top: new counterparts, the period's diplomacy events, chart data.

"New" counterparts are those of the period that no article before the period
named (one terms query over the earlier articles). Diplomacy events are the
stories whose event types include one of DIPLOMACY_EVENTS, one row per story and
type, from the story's original. Coverage per day by topic comes from a
date_histogram over the last COVERAGE_DAYS days ending with the period.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.vocabulary import SEOUL
from scheduler.briefing.model import DiplomacyEvent, Story

# The event types the summary's table lists (gazetteer.yaml event_types); benchmarking
# is left out: it describes most visits already listed as `visit`.
DIPLOMACY_EVENTS = ("visit", "mou", "forum", "pilot", "investment")
COVERAGE_DAYS = 14
# Bars in the counterparts chart: more than 10 labels no longer read at A4 width.
TOP_COUNTERPARTS = 10
# Topic groups in the coverage chart; a config rarely has more, the rest are summed.
MAX_TOPICS = 8
UNTAGGED = "(none)"


def diplomacy_events(stories: tuple[Story, ...]) -> tuple[DiplomacyEvent, ...]:
    rows = []
    for story in stories:
        head = story.head
        for kind in DIPLOMACY_EVENTS:
            if kind in story.union("event_types"):
                rows.append(
                    DiplomacyEvent(
                        actor=", ".join(story.union("actors")) or "-",
                        counterpart=", ".join(story.union("counterparts")) or "-",
                        event_type=kind,
                        day=head.local_time.date(),
                        title=head.title,
                        url=head.url,
                    )
                )
    return tuple(sorted(rows, key=lambda e: (e.day, e.event_type, e.title)))


def top_counterparts(stories: tuple[Story, ...]) -> tuple[tuple[str, int], ...]:
    """Counterparts by the number of stories naming them, then by name."""
    counts = Counter(name for story in stories for name in story.union("counterparts"))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ranked[:TOP_COUNTERPARTS])


def new_counterparts(
    store: SearchStore, stories: tuple[Story, ...], start: datetime
) -> tuple[str, ...]:
    named = sorted({name for story in stories for name in story.union("counterparts")})
    if not named:
        return ()
    body = {
        "size": 0,
        "query": {
            "bool": {
                "filter": [
                    {"range": {"timeline_time": {"lt": start.isoformat()}}},
                    {"terms": {"counterparts": named}},
                ]
            }
        },
        "aggs": {"seen": {"terms": {"field": "counterparts", "size": len(named) + 50}}},
    }
    response = store.request("POST", f"/{ARTICLES_ALIAS}/_search", body)
    seen = {bucket["key"] for bucket in response["aggregations"]["seen"]["buckets"]}
    return tuple(name for name in named if name not in seen)


def coverage_by_day(store: SearchStore, end: datetime) -> tuple[tuple[date, str, int], ...]:
    """(day, topic, articles) over the COVERAGE_DAYS days up to the period's end, KST days."""
    last_day = (end - timedelta(microseconds=1)).astimezone(SEOUL).date()
    first_day = last_day - timedelta(days=COVERAGE_DAYS - 1)
    begin = datetime.combine(first_day, datetime.min.time(), tzinfo=SEOUL)
    body: dict[str, Any] = {
        "size": 0,
        "query": {"range": {"timeline_time": {"gte": begin.isoformat(), "lt": end.isoformat()}}},
        "aggs": {
            "days": {
                "date_histogram": {
                    "field": "timeline_time",
                    "calendar_interval": "day",
                    "time_zone": "Asia/Seoul",
                    "min_doc_count": 0,
                    "extended_bounds": {
                        "min": begin.isoformat(),
                        "max": datetime.combine(
                            last_day, datetime.min.time(), tzinfo=SEOUL
                        ).isoformat(),
                    },
                },
                "aggs": {
                    "topics": {
                        "terms": {"field": "topics", "size": MAX_TOPICS, "missing": UNTAGGED}
                    }
                },
            }
        },
    }
    response = store.request("POST", f"/{ARTICLES_ALIAS}/_search", body)
    rows: list[tuple[date, str, int]] = []
    for bucket in response["aggregations"]["days"]["buckets"]:
        day = datetime.fromtimestamp(bucket["key"] / 1000, SEOUL).date()
        rows.append((day, "", 0))  # every day is on the axis, even an empty one
        rows.extend((day, t["key"], int(t["doc_count"])) for t in bucket["topics"]["buckets"])
    return tuple(rows)
