"""pyproject's runtime dependencies are exactly what crawler/ and scheduler/ import.

An import of a package that is only present because another dependency pulls
it in breaks the day that dependency drops it; a declared package nothing
imports is weight (and a false promise in the design notes).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("crawler", "scheduler")

# Distribution name → the top-level module it installs, where they differ.
IMPORT_NAMES = {
    "beautifulsoup4": "bs4",
    "python-dateutil": "dateutil",
    "pyyaml": "yaml",
    "prometheus-client": "prometheus_client",
    "opensearch-py": "opensearchpy",
    "charset-normalizer": "charset_normalizer",
    "fpdf2": "fpdf",
}

# Declared distributions that no `import` names, with the import that needs them.
USED_THROUGH = {
    "cssselect": "lxml.cssselect",  # lxml's CSSSelector compiles selectors with it
}


def distribution_names() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # "name[extra]>=1.0; marker" → "name", in the normalized (PEP 503) spelling.
    names = (re.match(r"[A-Za-z0-9._-]+", spec) for spec in project["dependencies"])
    return [re.sub(r"[-_.]+", "-", m.group(0)).lower() for m in names if m]


def module_of(distribution: str) -> str:
    return IMPORT_NAMES.get(distribution, distribution.replace("-", "_"))


def imported_modules() -> dict[str, set[str]]:
    """Every absolute import in the packages (lazy ones included) → files importing it."""
    found: dict[str, set[str]] = defaultdict(set)
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found[name].add(str(path.relative_to(REPO)))
    return found


def third_party(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    by_top: dict[str, set[str]] = defaultdict(set)
    for name, files in modules.items():
        top = name.split(".")[0]
        if top not in sys.stdlib_module_names and top not in PACKAGES:
            by_top[top] |= files
    return by_top


def test_every_imported_package_is_declared() -> None:
    declared = {module_of(name) for name in distribution_names()}
    undeclared = {
        module: sorted(files)
        for module, files in third_party(imported_modules()).items()
        if module not in declared
    }
    assert not undeclared, (
        f"imported but not in pyproject's dependencies: {undeclared}; declare the "
        "distribution (and add it to IMPORT_NAMES if its module name differs)"
    )


def test_every_declared_package_is_imported() -> None:
    modules = imported_modules()
    tops = set(third_party(modules))
    unused = [
        name
        for name in distribution_names()
        if module_of(name) not in tops and USED_THROUGH.get(name) not in modules
    ]
    assert not unused, f"declared in pyproject but imported by no module: {unused}"


def test_the_mapping_reads_real_specifiers() -> None:
    names = distribution_names()
    assert "python-dateutil" in names and "apscheduler" in names
    assert module_of("python-dateutil") == "dateutil"
    assert module_of("apscheduler") == "apscheduler"
