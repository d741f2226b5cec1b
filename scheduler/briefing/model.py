"""The briefing as plain values: articles, stories, sections, the summary. Renderers read
only these, so every format shows the same stories in the same order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from crawler.vocabulary import SEOUL

OTHER_SECTION = "기타"  # "other": stories no section query matched


@dataclass(frozen=True, slots=True)
class BriefArticle:
    """One indexed article as the briefing shows it. `text` is empty for `snippet` sources."""

    id: str
    title: str
    url: str
    outlet: str
    author: str
    published: datetime | None
    timeline_time: datetime
    lead: str
    text: str
    snippet_only: bool
    story_id: str
    is_original: bool
    relevance: float
    topics: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    counterparts: tuple[str, ...] = ()
    officials: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    # Indexes of the section queries this article matched.
    sections: tuple[int, ...] = ()

    @property
    def local_time(self) -> datetime:
        return self.timeline_time.astimezone(SEOUL)


@dataclass(frozen=True, slots=True)
class Story:
    """Copies of one story in the period: the original (or earliest copy) and the rest."""

    story_id: str
    head: BriefArticle
    copies: tuple[BriefArticle, ...]

    @property
    def articles(self) -> tuple[BriefArticle, ...]:
        return (self.head, *self.copies)

    @property
    def copy_outlets(self) -> tuple[str, ...]:
        """The copies' outlets, each once, in the copies' order."""
        return tuple(dict.fromkeys(a.outlet for a in self.copies if a.outlet))

    @property
    def copies_label(self) -> str:
        """ "+4 (outlet, outlet)" or "" for a story without copies."""
        if not self.copies:
            return ""
        outlets = ", ".join(self.copy_outlets)
        return f"+{len(self.copies)}" + (f" ({outlets})" if outlets else "")

    def union(self, field_name: str) -> tuple[str, ...]:
        """A tuple field over all copies, each value once, in order of appearance."""
        values: dict[str, None] = {}
        for article in self.articles:
            values.update(dict.fromkeys(getattr(article, field_name)))
        return tuple(values)


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    stories: tuple[Story, ...]

    @property
    def article_count(self) -> int:
        return sum(len(story.articles) for story in self.stories)


@dataclass(frozen=True, slots=True)
class DiplomacyEvent:
    actor: str
    counterpart: str
    event_type: str
    day: date
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Briefing:
    name: str
    heading: str
    start: datetime
    end: datetime
    sections: tuple[Section, ...]
    new_counterparts: tuple[str, ...] = ()
    events: tuple[DiplomacyEvent, ...] = ()
    # Chart data: (day, topic) -> articles over the last days; counterpart -> stories.
    coverage: tuple[tuple[date, str, int], ...] = ()
    top_counterparts: tuple[tuple[str, int], ...] = ()
    charts: dict[str, bytes] = field(default_factory=dict)

    @property
    def stories(self) -> tuple[Story, ...]:
        return tuple(story for section in self.sections for story in section.stories)

    @property
    def articles(self) -> tuple[BriefArticle, ...]:
        return tuple(article for story in self.stories for article in story.articles)

    @property
    def period_label(self) -> str:
        fmt = "%Y-%m-%d %H:%M"
        return (
            f"{self.start.astimezone(SEOUL).strftime(fmt)} – "
            f"{self.end.astimezone(SEOUL).strftime(fmt)} KST"
        )

    @property
    def stamp(self) -> str:
        """The period's end as a file-name-safe KST stamp: 20261202-0700."""
        return self.end.astimezone(SEOUL).strftime("%Y%m%d-%H%M")
