"""The tagging vocabulary: built-in data files merged with the config.

crawler/data/topics.yaml gives the topic groups when the config has none;
crawler/data/gazetteer.yaml gives entities, official titles, event rules and
exclusions, and the config's `gazetteer:` lists extend it with items written
"Canonical|alias|alias".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from crawler.config import Config, GazetteerConfig

EntityKind = Literal["korean_bodies", "cities", "organizations", "officials", "projects"]
ENTITY_KINDS: tuple[EntityKind, ...] = (
    "korean_bodies",
    "cities",
    "organizations",
    "officials",
    "projects",
)
TOPICS_FILE = "topics.yaml"
GAZETTEER_FILE = "gazetteer.yaml"
HOME_COUNTRY = "KR"
# Beside the package (pyproject's package-data ships crawler/data/*.yaml).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class LexiconError(ValueError):
    """A built-in data file is malformed; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A named thing: one canonical name, its aliases, and what kind it is."""

    kind: EntityKind
    name: str
    aliases: tuple[str, ...] = ()
    # Organizations only: ISO country code; None (config additions) counts as foreign.
    country: str | None = None
    parent: str | None = None

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def is_counterpart(self) -> bool:
        """Foreign cities and non-Korean organizations are diplomacy counterparts."""
        if self.kind == "cities":
            return True
        return self.kind == "organizations" and self.country != HOME_COUNTRY


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything the Tagger matches, as plain values (testable without a config)."""

    topics: dict[str, tuple[str, ...]]
    entries: tuple[Entry, ...] = ()
    official_titles: tuple[str, ...] = ()
    official_not_names: tuple[str, ...] = ()
    event_rules: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclusions: tuple[str, ...] = ()


def load_lexicon(config: Config) -> Lexicon:
    """Built-in data merged with the config (config topics replace the built-in ones)."""
    gazetteer = _mapping(_read_data(GAZETTEER_FILE), GAZETTEER_FILE)
    if config.topics is None:
        topics = _string_lists(_read_data(TOPICS_FILE), TOPICS_FILE)
    else:
        topics = {group: tuple(words) for group, words in config.topics.items()}
    entries = _builtin_entries(gazetteer)
    return Lexicon(
        topics=topics,
        entries=merge_entries(entries, config_entries(config.gazetteer)),
        official_titles=tuple(_strings(gazetteer.get("official_titles", []), "official_titles")),
        official_not_names=tuple(
            _strings(gazetteer.get("official_not_names", []), "official_not_names")
        ),
        event_rules=_string_lists(gazetteer.get("event_types", {}), "event_types"),
        exclusions=tuple(_strings(gazetteer.get("exclude", []), "exclude")),
    )


def config_entries(gazetteer: GazetteerConfig) -> list[Entry]:
    """Entries from the config's "Canonical|alias|alias" items."""
    entries = []
    for kind in ENTITY_KINDS:
        for item in getattr(gazetteer, kind):
            names = [part.strip() for part in item.split("|") if part.strip()]
            if names:
                entries.append(Entry(kind=kind, name=names[0], aliases=tuple(names[1:])))
    return entries


def merge_entries(base: list[Entry], extra: list[Entry]) -> tuple[Entry, ...]:
    """`extra` added to `base`; an extra entry with a known (kind, name) adds its aliases."""
    merged = {(e.kind, e.name): e for e in base}
    for entry in extra:
        known = merged.get((entry.kind, entry.name))
        if known is None:
            merged[(entry.kind, entry.name)] = entry
        else:
            aliases = known.aliases + tuple(a for a in entry.aliases if a not in known.aliases)
            merged[(entry.kind, entry.name)] = replace(known, aliases=aliases)
    return tuple(merged.values())


def _read_data(name: str) -> Any:
    path = DATA_DIR / name
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"crawler/data/{name}: cannot read: {exc}") from None


def _builtin_entries(gazetteer: dict[str, Any]) -> list[Entry]:
    entries = []
    for kind in ENTITY_KINDS:
        for index, item in enumerate(gazetteer.get(kind) or []):
            where = f"{GAZETTEER_FILE}: {kind}[{index}]"
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise LexiconError(f"{where}: needs a `name` string")
            entries.append(
                Entry(
                    kind=kind,
                    name=item["name"],
                    aliases=tuple(_strings(item.get("aliases") or [], f"{where}.aliases")),
                    country=item.get("country"),
                    parent=item.get("parent"),
                )
            )
    return entries


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LexiconError(f"{where}: the top level must be a mapping")
    return value


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{where}: must be a list of strings")
    return value


def _string_lists(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    groups = _mapping(value, where)
    return {str(k): tuple(_strings(v, f"{where}: {k}")) for k, v in groups.items()}
