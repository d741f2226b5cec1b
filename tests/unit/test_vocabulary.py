"""Each fact once: aliases live in index_mappings/, the rest in crawler/vocabulary.py.

These tests read the code itself, so a second spelling of a fact fails them.
"""

from __future__ import annotations

import ast
import json
import re
import typing
from pathlib import Path

import pytest

from crawler.config.alerts import NotifierConfig
from crawler.config.sources import Source
from crawler.engine.indices import ALIASES
from crawler.spiders import SPIDERS
from crawler.vocabulary import ARTICLE_KINDS, NOTIFIER_TYPES, SOURCE_TYPES
from scheduler.alerts.notifiers import NOTIFIER_CLASSES

REPO = Path(__file__).resolve().parents[2]
CODE = [
    path
    for folder in ("crawler", "scheduler", "benchmarks")
    for path in sorted((REPO / folder).rglob("*.py"))
]
VOCABULARY = REPO / "crawler" / "vocabulary.py"


def string_constants(path: Path) -> list[tuple[int, str]]:
    """(line, value) of every string literal that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_the_aliases_are_read_from_the_templates() -> None:
    for family, alias in ALIASES.items():
        template = json.loads((REPO / "index_mappings" / f"{family}.template.json").read_text())
        assert template["_meta"]["alias"] == alias


def test_no_alias_is_spelled_in_the_code() -> None:
    spelled = re.compile("|".join(re.escape(alias) for alias in ALIASES.values()))
    found = [
        f"{path.relative_to(REPO)}:{line}: {value!r}"
        for path in CODE
        for line, value in string_constants(path)
        if spelled.search(value)
    ]
    assert not found, "use crawler.engine.indices instead:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "pattern",
    [
        r"ZoneInfo\(",  # the zone itself
        r"timedelta\(hours=9\)",  # a fixed +09:00 standing in for it
        r"\.replace\(tzinfo=SEOUL\)",  # the naive-time rule, written again
    ],
)
def test_the_time_zone_and_its_rule_are_defined_once(pattern: str) -> None:
    found = [
        f"{path.relative_to(REPO)}:{n}"
        for path in CODE
        if path != VOCABULARY
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(pattern, line)
    ]
    assert not found, "use crawler.vocabulary (SEOUL, in_seoul):\n" + "\n".join(found)


def _tags(union: object) -> set[str]:
    members = typing.get_args(typing.get_args(union)[0])
    return {typing.get_args(member.model_fields["type"].annotation)[0] for member in members}


def test_source_types_agree_with_the_config_and_the_spiders() -> None:
    assert _tags(Source) == set(SOURCE_TYPES) == set(SPIDERS)


def test_notifier_types_agree_with_the_config_and_the_notifiers() -> None:
    assert _tags(NotifierConfig) == set(NOTIFIER_TYPES) == set(NOTIFIER_CLASSES)


def test_article_kinds_match_the_platform_rules() -> None:
    from crawler.extraction.platforms import SITE_RULES

    assert {rule.kind for rule in SITE_RULES} <= set(ARTICLE_KINDS)
