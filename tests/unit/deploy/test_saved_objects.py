"""The Kibana / OpenSearch Dashboards saved objects: they parse, their ids are pinned, and
every field they name exists in index_mappings/ (sorted and aggregated fields are
aggregatable), so a renamed field breaks this test rather than a dashboard in production."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
MAPPINGS = REPO / "index_mappings"
KIBANA_FILE = REPO / "deploy" / "kibana" / "newswatch.ndjson"
OSD_FILE = REPO / "deploy" / "opensearch-dashboards" / "newswatch.ndjson"
BUILD_SCRIPT = REPO / "deploy" / "saved-objects" / "build.py"

# Pinned: links, bookmarks and --overwrite re-imports rely on these never changing.
SHARED_IDS = [
    "newswatch-articles-dataview",
    "newswatch-runs-dataview",
    "newswatch-alerts-dataview",
    "newswatch-briefings-dataview",
    "newswatch-latest-relevant-search",
    "newswatch-by-outlet-search",
    "newswatch-by-watch-search",
    "newswatch-latest-alerts-search",
    "newswatch-crawl-runs-search",
]
KIBANA_IDS = [*SHARED_IDS, "newswatch-overview-dashboard"]
OSD_IDS = [
    *SHARED_IDS,
    "newswatch-articles-over-time",
    "newswatch-top-outlets",
    "newswatch-top-topics",
    "newswatch-top-entities",
    "newswatch-crawl-health",
    "newswatch-overview-dashboard",
]
# Lens' pseudo-field for "count of documents".
LENS_RECORDS = "___records___"
AGGREGATABLE = {"keyword", "date", "long", "integer", "float", "double", "boolean"}
KQL_FIELD = re.compile(r"([A-Za-z_][\w.]*)\s*(?::|>=|<=|>|<)")


def flatten(properties: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, type) for every field, multi-fields (title.keyword) included."""
    for name, spec in properties.items():
        path = prefix + name
        if "properties" in spec:
            yield path, spec.get("type", "object")
            yield from flatten(spec["properties"], path + ".")
            continue
        yield path, spec.get("type", "object")
        for sub, sub_spec in spec.get("fields", {}).items():
            yield f"{path}.{sub}", sub_spec["type"]


def fields_by_alias() -> dict[str, dict[str, str]]:
    result = {}
    for path in sorted(MAPPINGS.glob("*.template.json")):
        template = json.loads(path.read_text(encoding="utf-8"))
        alias = template["_meta"]["alias"]
        result[alias] = dict(flatten(template["template"]["mappings"]["properties"]))
    return result


def objects(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def view_fields(objs: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Data view id → the fields of the alias it covers."""
    by_alias = fields_by_alias()
    return {
        o["id"]: by_alias[o["attributes"]["title"]] for o in objs if o["type"] == "index-pattern"
    }


def search_source(obj: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"]))


def the_view(obj: dict[str, Any]) -> str:
    (ref,) = [r for r in obj["references"] if r["type"] == "index-pattern"]
    return str(ref["id"])


def field_uses(objs: list[dict[str, Any]]) -> Iterator[tuple[str, str, str, bool]]:
    """(object id, data view id, field, must be aggregatable) for every field an object names."""
    for obj in objs:
        attrs = obj["attributes"]
        if obj["type"] == "index-pattern":
            yield obj["id"], obj["id"], attrs["timeFieldName"], True
        elif obj["type"] == "search":
            view = the_view(obj)
            for column in attrs["columns"]:
                yield obj["id"], view, column, False
            for field, _direction in attrs["sort"]:
                yield obj["id"], view, field, True
            for field in KQL_FIELD.findall(search_source(obj)["query"]["query"]):
                yield obj["id"], view, field, False
        elif obj["type"] == "visualization":
            view = the_view(obj)
            for agg in json.loads(attrs["visState"])["aggs"]:
                if "field" in agg["params"]:
                    yield obj["id"], view, agg["params"]["field"], True
        elif obj["type"] == "dashboard":
            yield from lens_field_uses(obj)


def lens_field_uses(dashboard: dict[str, Any]) -> Iterator[tuple[str, str, str, bool]]:
    for panel in json.loads(dashboard["attributes"]["panelsJSON"]):
        if panel.get("type") != "lens":
            continue
        lens = panel["embeddableConfig"]["attributes"]
        layer_views = {
            ref["name"].removeprefix("indexpattern-datasource-layer-"): ref["id"]
            for ref in lens["references"]
        }
        for layer_id, layer in lens["state"]["datasourceStates"]["formBased"]["layers"].items():
            for column in layer["columns"].values():
                if column["sourceField"] != LENS_RECORDS:
                    yield lens["title"], layer_views[layer_id], column["sourceField"], True


@pytest.mark.parametrize(("path", "ids"), [(KIBANA_FILE, KIBANA_IDS), (OSD_FILE, OSD_IDS)])
def test_ids_are_pinned_and_unique(path: Path, ids: list[str]) -> None:
    found = [o["id"] for o in objects(path)]
    assert found == ids
    assert len(set(found)) == len(found)


@pytest.mark.parametrize("path", [KIBANA_FILE, OSD_FILE])
def test_every_line_is_a_saved_object(path: Path) -> None:
    for obj in objects(path):
        assert {"id", "type", "attributes", "references"} <= set(obj), obj["id"]
        assert obj["attributes"]["title"], obj["id"]


@pytest.mark.parametrize("path", [KIBANA_FILE, OSD_FILE])
def test_data_views_cover_the_aliases_of_the_index_templates(path: Path) -> None:
    views = {o["attributes"]["title"]: o for o in objects(path) if o["type"] == "index-pattern"}
    assert set(views) == set(fields_by_alias()) - {"newswatch-watches"}
    assert views["newswatch-articles"]["id"] == "newswatch-articles-dataview"
    # Not `published`: undated articles (published null) would never appear in a time range.
    time_field = views["newswatch-articles"]["attributes"]["timeFieldName"]
    assert time_field == "timeline_time"
    assert fields_by_alias()["newswatch-articles"][time_field] == "date"


@pytest.mark.parametrize("path", [KIBANA_FILE, OSD_FILE])
def test_articles_are_sorted_and_charted_by_the_time_field_not_published(path: Path) -> None:
    objs = objects(path)
    articles = {o["id"] for o in objs if o["attributes"]["title"] == "newswatch-articles"}
    named = [field for _owner, view, field, _agg in field_uses(objs) if view in articles]
    assert "timeline_time" in named
    assert "published" not in named


@pytest.mark.parametrize("path", [KIBANA_FILE, OSD_FILE])
def test_every_field_named_exists_in_the_index_templates(path: Path) -> None:
    objs = objects(path)
    fields = view_fields(objs)
    uses = list(field_uses(objs))
    assert len(uses) > 30  # the walk above really found the fields
    problems = []
    for owner, view, field, aggregated in uses:
        kind = fields[view].get(field)
        if kind is None:
            problems.append(f"{owner}: {field} is not a field of {view}")
        elif aggregated and kind not in AGGREGATABLE:
            problems.append(f"{owner}: {field} ({kind}) cannot be sorted or aggregated")
    assert problems == []


@pytest.mark.parametrize("path", [KIBANA_FILE, OSD_FILE])
def test_references_resolve_within_the_file(path: Path) -> None:
    objs = objects(path)
    present = {(o["type"], o["id"]) for o in objs}
    for obj in objs:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in present, f"{obj['id']} → {ref}"


def test_dashboard_shows_every_chart_and_the_latest_alerts() -> None:
    (dashboard,) = [o for o in objects(KIBANA_FILE) if o["type"] == "dashboard"]
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    titles = {p["title"] for p in panels if p["type"] == "lens"}
    assert titles == {
        "Articles over time",
        "Top outlets",
        "Top topics",
        "Top entities",
        "Crawl runs by status",
    }
    searches = {r["id"] for r in dashboard["references"] if r["type"] == "search"}
    assert searches == {"newswatch-latest-relevant-search", "newswatch-latest-alerts-search"}
    by_ref = {p["panelRefName"] for p in panels if p["type"] == "search"}
    assert {
        r["name"].split(":", 1)[1] for r in dashboard["references"] if r["type"] == "search"
    } == by_ref


def test_committed_files_equal_the_build_script_output() -> None:
    spec = importlib.util.spec_from_file_location("saved_objects_build", BUILD_SCRIPT)
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    message = "run `python deploy/saved-objects/build.py` and commit the result"
    assert KIBANA_FILE.read_text(encoding="utf-8") == build.render(build.kibana_objects()), message
    assert OSD_FILE.read_text(encoding="utf-8") == build.render(build.osd_objects()), message
