from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crawler.engine.templates import TemplateError, load_families, mappings_dir


def copy_mappings(tmp_path: Path) -> Path:
    target = tmp_path / "index_mappings"
    shutil.copytree(mappings_dir(), target)
    return target


def test_families_render_with_dictionaries_and_hashes() -> None:
    families = load_families()
    assert {f.alias for f in families.values()} == {
        "newswatch-articles",
        "newswatch-runs",
        "newswatch-watches",
        "newswatch-alerts",
    }
    analysis = families["articles"].body["template"]["settings"]["analysis"]
    rules = analysis["tokenizer"]["korean_tokenizer"]["user_dictionary_rules"]
    assert "스마트시티 스마트 시티" in rules
    assert "시티브레인, City Brain, 城市大脑" in analysis["filter"]["korean_synonyms"]["synonyms"]
    assert load_families()["articles"].template_hash == families["articles"].template_hash


def test_watches_carry_the_article_fields_and_analyzers() -> None:
    families = load_families()
    watches = families["watches"].body["template"]
    articles = families["articles"].body["template"]
    assert watches["mappings"]["properties"]["query"] == {"type": "percolator"}
    assert watches["mappings"]["properties"]["title"] == articles["mappings"]["properties"]["title"]
    assert watches["settings"]["analysis"] == articles["settings"]["analysis"]


def test_a_synonym_change_changes_the_hash(tmp_path: Path) -> None:
    directory = copy_mappings(tmp_path)
    before = load_families(directory)["articles"].template_hash
    with (directory / "synonyms.txt").open("a", encoding="utf-8") as handle:
        handle.write("세종, Sejong\n")
    assert load_families(directory)["articles"].template_hash != before


def test_malformed_template_names_the_file(tmp_path: Path) -> None:
    directory = copy_mappings(tmp_path)
    (directory / "runs.template.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"runs\.template\.json: not valid JSON"):
        load_families(directory)


def test_pattern_must_match_alias(tmp_path: Path) -> None:
    directory = copy_mappings(tmp_path)
    path = directory / "runs.template.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["index_patterns"] = ["runs-*"]
    path.write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(TemplateError, match="index_patterns must be"):
        load_families(directory)
