"""The engine's aliases, each spelled once: in its template's `_meta.alias` in index_mappings/.

Code names them through these constants; a unit test finds no other spelling.
"""

from __future__ import annotations

import json

from crawler.engine.templates import FAMILIES, TemplateError, mappings_dir


def _aliases() -> dict[str, str]:
    directory = mappings_dir()
    found: dict[str, str] = {}
    for family in FAMILIES:
        path = directory / f"{family}.template.json"
        try:
            found[family] = str(json.loads(path.read_text(encoding="utf-8"))["_meta"]["alias"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TemplateError(f"{path}: cannot read _meta.alias: {exc}") from None
    return found


ALIASES = _aliases()
ARTICLES_ALIAS = ALIASES["articles"]
RUNS_ALIAS = ALIASES["runs"]
WATCHES_ALIAS = ALIASES["watches"]
ALERTS_ALIAS = ALIASES["alerts"]
