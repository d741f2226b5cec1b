"""The rollover policies in index_mappings/ checked as data (no ILM or ISM engine here).

The local node has no Index State Management plugin (it is not on Maven Central)
and no Elasticsearch can be installed, so the policy bodies are checked for what
each engine requires of them: ILM needs a max_* rollover condition in the hot
phase; ISM needs a default state with a rollover, transitions to known states,
and an ism_template whose index patterns are the template's, so new backing
indices get the policy; and both need backing index names that end in -<digits>
behind a write alias named in the template settings setup adds.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from crawler.engine.lifecycle import POLICY_HASH_KEY, Lifecycle, _with_hash, policy_id
from crawler.engine.setup import SetupOptions, _rendered_template
from crawler.engine.templates import TemplateError, load_families, mappings_dir

ROLLOVER_FAMILIES = ("articles", "runs")
# Conditions each engine's rollover action accepts (ILM: Elasticsearch 8/9 docs;
# ISM: OpenSearch 2.x docs); anything else is refused when the policy is put.
ILM_CONDITIONS = {
    "max_age",
    "max_docs",
    "max_size",
    "max_primary_shard_size",
    "max_primary_shard_docs",
    "min_age",
    "min_docs",
    "min_size",
    "min_primary_shard_size",
    "min_primary_shard_docs",
}
ISM_CONDITIONS = {"min_size", "min_primary_shard_size", "min_doc_count", "min_index_age"}
# Both engines: rollover names the next index by counting up this suffix.
ROLLOVER_NAME = re.compile(r"^.*-\d+$")


def read(name: str) -> Any:
    return json.loads((mappings_dir() / name).read_text(encoding="utf-8"))


def copy_mappings(tmp_path: Path) -> Path:
    target = tmp_path / "index_mappings"
    shutil.copytree(mappings_dir(), target)
    return target


@pytest.mark.parametrize("family", ROLLOVER_FAMILIES)
def test_ilm_policy_rolls_over_in_the_hot_phase(family: str) -> None:
    phases = read(f"{family}.ilm.json")["policy"]["phases"]
    rollover = phases["hot"]["actions"]["rollover"]
    assert set(rollover) <= ILM_CONDITIONS
    assert any(key.startswith("max_") for key in rollover)
    # Articles are re-crawled through the alias: size only, so rollovers stay rare.
    if family == "articles":
        assert set(rollover) == {"max_primary_shard_size"}


@pytest.mark.parametrize("family", ROLLOVER_FAMILIES)
def test_ism_policy_rolls_over_and_attaches_to_the_family_indices(family: str) -> None:
    policy = read(f"{family}.ism.json")["policy"]
    states = {state["name"]: state for state in policy["states"]}
    (rollover,) = [a["rollover"] for a in states[policy["default_state"]]["actions"]]
    assert rollover and set(rollover) <= ISM_CONDITIONS
    template = read(f"{family}.template.json")
    patterns = [p for t in policy["ism_template"] for p in t["index_patterns"]]
    assert patterns == template["index_patterns"] == [f"{template['_meta']['alias']}-v*"]


@pytest.mark.parametrize("family", ROLLOVER_FAMILIES)
def test_ilm_and_ism_roll_over_at_the_same_size(family: str) -> None:
    ilm = read(f"{family}.ilm.json")["policy"]["phases"]["hot"]["actions"]["rollover"]
    policy = read(f"{family}.ism.json")["policy"]
    ism = policy["states"][0]["actions"][0]["rollover"]
    assert ilm["max_primary_shard_size"] == ism["min_primary_shard_size"]
    assert ilm.get("max_age") == ism.get("min_index_age")


def test_rollover_families_get_names_rollover_can_count_up() -> None:
    families = load_families()
    for name, family in families.items():
        assert family.rollover == (name in ROLLOVER_FAMILIES)
    for name in ROLLOVER_FAMILIES:
        first = families[name].index_name(1)
        assert ROLLOVER_NAME.match(first) and first.endswith("-v1-000001")
        assert first.startswith(families[name].alias + "-v")  # the template's pattern


@pytest.mark.parametrize("flavor", ["elasticsearch", "opensearch"])
def test_template_names_the_write_alias_for_the_flavor(flavor: str) -> None:
    family = load_families()["articles"]
    lifecycle = Lifecycle(flavor, available=True)  # type: ignore[arg-type]
    body = _rendered_template(family, SetupOptions(lifecycle=lifecycle))
    settings = body["template"]["settings"]
    if flavor == "elasticsearch":
        assert settings["index.lifecycle.name"] == policy_id(family.alias)
        assert settings["index.lifecycle.rollover_alias"] == family.alias
    else:
        assert settings["plugins.index_state_management.rollover_alias"] == family.alias
        assert not any(key.startswith("index.lifecycle") for key in settings)


def test_without_a_lifecycle_the_template_carries_no_lifecycle_settings() -> None:
    family = load_families()["articles"]
    settings = _rendered_template(family, SetupOptions())["template"]["settings"]
    assert not any("lifecycle" in k or "index_state_management" in k for k in settings)
    assert settings["auto_expand_replicas"] == "0-1"


def test_replicas_from_the_config_replace_the_file_and_keep_the_template_hash() -> None:
    family = load_families()["articles"]
    fixed = _rendered_template(family, SetupOptions(replicas="2"))
    settings = fixed["template"]["settings"]
    assert settings["number_of_replicas"] == 2 and settings["auto_expand_replicas"] is False
    auto = _rendered_template(family, SetupOptions())
    assert fixed["_meta"] != auto["_meta"]  # the settings hash tells setup to update
    assert (
        fixed["template"]["mappings"]["_meta"] == auto["template"]["mappings"]["_meta"]
    )  # no reindex for a replica change


def test_a_replica_change_in_the_file_does_not_change_the_template_hash(
    tmp_path: Path,
) -> None:
    directory = copy_mappings(tmp_path)
    before = load_families(directory)["articles"].template_hash
    path = directory / "articles.template.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["template"]["settings"]["auto_expand_replicas"] = "0-2"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    assert load_families(directory)["articles"].template_hash == before


def test_the_policy_hash_travels_where_each_engine_keeps_it() -> None:
    ilm = _with_hash("ilm", read("articles.ilm.json"))
    assert ilm["policy"]["_meta"][POLICY_HASH_KEY]
    assert ilm["policy"]["phases"] == read("articles.ilm.json")["policy"]["phases"]
    ism = _with_hash("ism", read("articles.ism.json"))
    assert "[newswatch_policy_hash " in ism["policy"]["description"]
    assert ism["policy"]["states"] == read("articles.ism.json")["policy"]["states"]


@pytest.mark.parametrize(
    ("file", "edit", "message"),
    [
        (
            "articles.ism.json",
            lambda b: b["policy"]["ism_template"][0].update(index_patterns=["other-*"]),
            r"articles\.ism\.json: policy\.ism_template index_patterns",
        ),
        (
            "articles.ism.json",
            lambda b: b["policy"].update(default_state="warm"),
            r"articles\.ism\.json: needs policy\.states",
        ),
        (
            "runs.ism.json",
            lambda b: b["policy"]["states"][0]["transitions"].append({"state_name": "gone"}),
            r"runs\.ism\.json: state 'hot' moves to unknown state 'gone'",
        ),
        (
            "runs.ilm.json",
            lambda b: b["policy"]["phases"]["hot"]["actions"].update(rollover={"min_docs": 1}),
            r"runs\.ilm\.json: .*needs a max_\* condition",
        ),
        (
            "articles.ism.json",
            lambda b: b["policy"]["states"][0]["actions"][0]["rollover"].update(max_size="1gb"),
            r"articles\.ism\.json: policy\.states\[hot\]\.rollover: unknown condition max_size",
        ),
    ],
)
def test_a_malformed_policy_names_the_file_and_field(
    tmp_path: Path, file: str, edit: Any, message: str
) -> None:
    directory = copy_mappings(tmp_path)
    path = directory / file
    body = json.loads(path.read_text(encoding="utf-8"))
    edit(body)
    path.write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(TemplateError, match=message):
        load_families(directory)


def test_one_policy_without_the_other_is_refused(tmp_path: Path) -> None:
    directory = copy_mappings(tmp_path)
    (directory / "runs.ilm.json").unlink()
    with pytest.raises(TemplateError, match=r"runs has only a ism policy"):
        load_families(directory)
