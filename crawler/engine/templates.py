"""Read the index templates in index_mappings/ and render them for the engine.

The JSON files are data and are sent as they are, with three additions made
here because they come from other data files or from each other:
- the user dictionary and synonym lists (plain text files users extend),
- the article fields and analyzers copied into the percolator (watches)
  template, so a watch is analyzed exactly like the articles it matches,
- a hash of the rendered template in `mappings._meta`, which is how
  `newswatch setup` tells that a live index is out of date.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAPPINGS_DIR_ENV = "NEWSWATCH_MAPPINGS_DIR"
FAMILIES = ("articles", "runs", "watches", "alerts")
HASH_KEY = "newswatch_template_hash"


class TemplateError(Exception):
    """A file in index_mappings/ is missing or malformed; the message names it."""


@dataclass(frozen=True, slots=True)
class IndexFamily:
    """One template and the alias its versioned indices (`<alias>-v<N>`) sit behind."""

    name: str
    alias: str
    body: dict[str, Any]

    @property
    def template_hash(self) -> str:
        return str(self.body["template"]["mappings"]["_meta"][HASH_KEY])

    def index_name(self, version: int) -> str:
        return f"{self.alias}-v{version}"

    @property
    def reindex_script(self) -> dict[str, Any] | None:
        """The template's `_meta.reindex_script`: Painless filling fields older documents lack."""
        script = self.body.get("_meta", {}).get("reindex_script")
        if script is None:
            return None
        return {"lang": "painless", "source": str(script["source"])}


def mappings_dir() -> Path:
    if os.environ.get(MAPPINGS_DIR_ENV):
        return Path(os.environ[MAPPINGS_DIR_ENV])
    return Path(__file__).resolve().parents[2] / "index_mappings"


def load_families(directory: Path | None = None) -> dict[str, IndexFamily]:
    directory = directory or mappings_dir()
    raw = {name: _read_json(directory / f"{name}.template.json") for name in FAMILIES}
    analysis = raw["articles"]["template"]["settings"]["analysis"]
    analysis["tokenizer"]["korean_tokenizer"]["user_dictionary_rules"] = read_word_list(
        directory / "user_dictionary.txt"
    )
    analysis["filter"]["korean_synonyms"]["synonyms"] = read_word_list(directory / "synonyms.txt")
    if raw["watches"].get("_meta", {}).get("include_article_fields"):
        _include_article_fields(raw["watches"], raw["articles"])
    return {name: _family(name, body, directory) for name, body in raw.items()}


def read_word_list(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a UTF-8 text file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot read: {exc}") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read: {exc}") from None
    except ValueError as exc:
        raise TemplateError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: the top level must be an object")
    try:
        data["template"]["mappings"]["properties"]
        data["_meta"]["alias"]
    except (KeyError, TypeError):
        raise TemplateError(f"{path}: needs template.mappings.properties and _meta.alias") from None
    return data


def _include_article_fields(watches: dict[str, Any], articles: dict[str, Any]) -> None:
    target = watches["template"]
    source = articles["template"]
    target["settings"]["analysis"] = copy.deepcopy(source["settings"]["analysis"])
    for name, spec in source["mappings"]["properties"].items():
        target["mappings"]["properties"].setdefault(name, copy.deepcopy(spec))


def _family(name: str, body: dict[str, Any], directory: Path) -> IndexFamily:
    mappings = body["template"]["mappings"]
    mappings.setdefault("_meta", {}).pop(HASH_KEY, None)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())
    # 16 hex chars (64 bits) is plenty to tell template revisions apart.
    mappings["_meta"][HASH_KEY] = digest.hexdigest()[:16]
    alias = body["_meta"]["alias"]
    pattern = f"{alias}-v*"
    if body.get("index_patterns") != [pattern]:
        raise TemplateError(
            f"{directory / (name + '.template.json')}: index_patterns must be [{pattern!r}]"
        )
    return IndexFamily(name=name, alias=alias, body=body)
