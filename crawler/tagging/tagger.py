"""The Tagger: topics, relevance and smart-city diplomacy facts for an Article.

Every decision is a rule over the hits collected in analysis.py, and each rule
that fires writes one line for `explain()`:

- topics: topic groups with at least one keyword hit; relevance per scoring.py;
- entities: Korean bodies, foreign cities and organizations named (canonical
  names, most-mentioned first; a child company also counts its parent);
- actors: Korean bodies that act, i.e. in an official's office ("권영진
  대구시장" → 대구시), named in the title, or a sentence subject ("대구시는");
- counterparts: foreign cities and non-Korean organizations named;
- officials: "NAME OFFICE" strings ("권영진 대구시장"), one per name, the most
  weighted spelling first (the title counts triple), plus known config people;
- event_types: rule types (visit, mou, benchmarking, ...) with a trigger hit;
- projects: gazetteer projects named (City Brain, 수성알파시티, ...).

All but topics and relevance are read only from an article that matches a
topic: the vocabulary is tuned for smart-city coverage, and outside it its
ambiguous words mislead (in a baseball report 방문 is an away game; in a
recipe 대구 is cod). Such articles are not indexed by default anyway.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from crawler.config import Config
from crawler.models import Article, TopicHit
from crawler.tagging.analysis import Collector, Hits, Occurrence, describe
from crawler.tagging.lexicon import Entry, Lexicon, load_lexicon
from crawler.tagging.scoring import SCORE_DIGITS, term_score, weighted_mentions
from crawler.tagging.terms import TermMatcher

_ENTITY_KINDS = frozenset({"korean_bodies", "cities", "organizations"})
Ranked = list[tuple[Entry, list[Occurrence]]]


@dataclass(slots=True)
class Tags:
    """The Article fields tagging fills, and (when explaining) the reasons behind them."""

    topics: list[str] = field(default_factory=list)
    topic_hits: list[TopicHit] = field(default_factory=list)
    relevance: float = 0.0
    entities: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    counterparts: list[str] = field(default_factory=list)
    officials: list[str] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    # Reasons are formatted only for explain(): formatting costs as much as tagging.
    explaining: bool = False
    reasons: list[str] = field(default_factory=list)

    def apply(self, article: Article) -> Article:
        return dataclasses.replace(
            article,
            topics=tuple(self.topics),
            topic_hits=tuple(self.topic_hits),
            relevance=round(self.relevance, SCORE_DIGITS),
            entities=tuple(self.entities),
            actors=tuple(self.actors),
            counterparts=tuple(self.counterparts),
            officials=tuple(self.officials),
            event_types=tuple(self.event_types),
            projects=tuple(self.projects),
        )


class Tagger:
    """Tags articles with two compiled regex scans per field (terms, officials)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._collector = Collector(lexicon)
        # Reads the body out of an office ("대구시장" → 대구시) for the actor rule.
        bodies = [e for e in lexicon.entries if e.kind == "korean_bodies"]
        self._bodies = TermMatcher((spelling, e) for e in bodies for spelling in e.spellings)

    @classmethod
    def from_config(cls, config: Config) -> Tagger:
        """Built-in data (crawler/data/) merged with `config.topics` and `config.gazetteer`."""
        return cls(load_lexicon(config))

    def tag(self, article: Article) -> Article:
        return self.decide(article).apply(article)

    def explain(self, article: Article) -> list[str]:
        """Human-readable reasons: which rule fired on which text, in which field."""
        return self.decide(article, explain=True).reasons

    def decide(self, article: Article, *, explain: bool = False) -> Tags:
        hits = self._collector.collect(article)
        tags = Tags(explaining=explain)
        self._decide_topics(hits, tags)
        if not tags.topics:
            if explain:
                tags.reasons.append("no topic keyword matched: no entities, facts or events read")
            return tags
        ranked = sorted(hits.entities.items(), key=lambda item: _rank(item[1]))
        _decide_entities(ranked, tags)
        _decide_officials(ranked, hits, tags)
        self._decide_actors(ranked, hits, tags)
        _decide_counterparts(ranked, tags)
        self._decide_events(hits, tags)
        return tags

    def _decide_topics(self, hits: Hits, tags: Tags) -> None:
        for group, terms in self._lexicon.topics.items():
            for term in terms:
                occurrences = hits.topics.get((group, term))
                if not occurrences:
                    continue
                score = term_score(_field_counts(occurrences))
                tags.relevance += score
                tags.topic_hits.append(TopicHit(group, term, len(occurrences)))
                if group not in tags.topics:
                    tags.topics.append(group)
                if tags.explaining:
                    tags.reasons.append(
                        f"topic {group}: {term!r} +{score} ({describe(occurrences)})"
                    )
        tags.relevance = round(tags.relevance, SCORE_DIGITS)
        if tags.explaining:
            tags.reasons.insert(
                0,
                f"relevance {tags.relevance}: sum over matched keywords of "
                "1 + ln(3 x title + 2 x subtitle/tags + 1 x text mentions)",
            )

    def _decide_actors(self, ranked: Ranked, hits: Hits, tags: Tags) -> None:
        offices: dict[str, str] = {}  # body name → the official whose office names it
        for label in hits.officials:
            for match in self._bodies.finditer(label.split(" ", 1)[1]):
                for body in match.payloads:
                    offices.setdefault(body.name, label)
        for entry, occurrences in ranked:
            if entry.kind == "korean_bodies":
                why = _actor_reason(occurrences, offices.get(entry.name))
                if why:
                    tags.actors.append(entry.name)
                    if tags.explaining:
                        tags.reasons.append(f"actor {entry.name}: {why}")

    def _decide_events(self, hits: Hits, tags: Tags) -> None:
        for kind in self._lexicon.event_rules:
            occurrences = hits.events.get(kind)
            if occurrences:
                tags.event_types.append(kind)
                if tags.explaining:
                    tags.reasons.append(f"event {kind}: {describe(occurrences)}")


def _decide_entities(ranked: Ranked, tags: Tags) -> None:
    for entry, occurrences in ranked:
        if entry.kind == "projects":
            _add(tags.projects, [entry.name])
            if tags.explaining:
                tags.reasons.append(f"project {entry.name}: {describe(occurrences)}")
        if entry.kind not in _ENTITY_KINDS:
            continue
        _add(tags.entities, [entry.name, entry.parent] if entry.parent else [entry.name])
        if tags.explaining:
            via = f" (and its parent {entry.parent})" if entry.parent else ""
            tags.reasons.append(f"entity {entry.name}{via}: {entry.kind}, {describe(occurrences)}")


def _decide_counterparts(ranked: Ranked, tags: Tags) -> None:
    for entry, _ in ranked:
        if entry.is_counterpart:
            _add(tags.counterparts, [entry.name, entry.parent] if entry.parent else [entry.name])
            if tags.explaining:
                where = "a foreign city" if entry.kind == "cities" else f"country {entry.country}"
                tags.reasons.append(f"counterpart {entry.name}: {where}")


def _decide_officials(ranked: Ranked, hits: Hits, tags: Tags) -> None:
    names: set[str] = set()
    for label, occurrences in sorted(hits.officials.items(), key=lambda item: _rank(item[1])):
        name = label.split(" ", 1)[0]
        if name not in names:  # "권영진 대구시장" and later "권영진 시장": one person
            names.add(name)
            tags.officials.append(label)
            if tags.explaining:
                tags.reasons.append(
                    f"official {label}: NAME + office title ({describe(occurrences)})"
                )
    for entry, occurrences in ranked:
        if entry.kind == "officials" and entry.name not in tags.officials:
            tags.officials.append(entry.name)
            if tags.explaining:
                tags.reasons.append(f"official {entry.name}: gazetteer, {describe(occurrences)}")


def _actor_reason(occurrences: list[Occurrence], official: str | None) -> str:
    if official:
        return f"in the office of {official!r}"
    in_title = [o.surface for o in occurrences if o.field == "title"]
    if in_title:
        return f"named in the title as {in_title[0]!r}"
    as_subject = [o.surface for o in occurrences if o.as_subject]
    if as_subject:
        return f"sentence subject ({as_subject[0]!r} + particle) x{len(as_subject)}"
    return ""


def _add(target: list[str], names: Iterable[str]) -> None:
    target.extend(n for n in names if n not in target)


def _field_counts(occurrences: list[Occurrence]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in occurrences:
        counts[o.field] = counts.get(o.field, 0) + 1
    return counts


def _rank(occurrences: list[Occurrence]) -> tuple[float, tuple[int, int]]:
    """Most weighted mentions first; ties in reading order."""
    return (-weighted_mentions(_field_counts(occurrences)), min(o.order for o in occurrences))
