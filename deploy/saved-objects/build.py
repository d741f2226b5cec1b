"""Write the Kibana and OpenSearch Dashboards saved objects for newswatch.

    python deploy/saved-objects/build.py        # rewrites both ndjson files

The ndjson files are what `newswatch kibana import` sends; this script is
where they are edited, because Kibana stores most of an object as JSON
*strings* inside JSON (searchSourceJSON, panelsJSON, visState), which is
unreadable and error-prone to edit by hand. A unit test checks that the
committed files equal this script's output and that every field they name
exists in index_mappings/.

Ids are chosen by hand and never change: re-importing with --overwrite then
updates the objects in place, and links to the dashboard keep working.

Shapes follow what Kibana 8.8+ exports (Lens `formBased` layers, dashboard
panels by value for Lens and by reference for saved searches, stamped with
`typeMigrationVersion` so Kibana 9 migrates them forward on import) and what
OpenSearch Dashboards 2.x exports (aggregation-based visualizations).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DEPLOY = Path(__file__).resolve().parent.parent
KIBANA_FILE = DEPLOY / "kibana" / "newswatch.ndjson"
OSD_FILE = DEPLOY / "opensearch-dashboards" / "newswatch.ndjson"

ARTICLES_VIEW = "newswatch-articles-dataview"
RUNS_VIEW = "newswatch-runs-dataview"
ALERTS_VIEW = "newswatch-alerts-dataview"
BRIEFINGS_VIEW = "newswatch-briefings-dataview"
DASHBOARD = "newswatch-overview-dashboard"

# The articles' time field: `published` when known, else when the crawl first saw the
# article (`timeline_basis` says which; crawler.models.Article derives both), so undated
# articles appear in time-filtered views instead of vanishing; `published` stays null.
ARTICLES_TIME = "timeline_time"

# (id, alias, time field, name): one data view per alias of index_mappings/.
DATA_VIEWS = (
    (ARTICLES_VIEW, "newswatch-articles", ARTICLES_TIME, "newswatch articles"),
    (RUNS_VIEW, "newswatch-runs", "started", "newswatch crawl runs"),
    (ALERTS_VIEW, "newswatch-alerts", "created", "newswatch alerts"),
    # The briefing archive, placed at each briefing's period end (last week's morning).
    (BRIEFINGS_VIEW, "newswatch-briefings", "end", "newswatch briefings"),
)

# Saved searches: (id, title, data view, KQL query, columns, sort).
# Relevance 1.0 is crawl.min_relevance's default: what counts as relevant.
SEARCHES = (
    (
        "newswatch-latest-relevant-search",
        "newswatch: latest relevant articles",
        ARTICLES_VIEW,
        "relevance >= 1",
        ["title", "site_name", "topics", "entities", "relevance", "timeline_basis", "url"],
        [[ARTICLES_TIME, "desc"]],
    ),
    (
        "newswatch-by-outlet-search",
        "newswatch: articles by outlet",
        ARTICLES_VIEW,
        "",
        ["site_name", "title", "kind", "is_original", "url"],
        [["site_name", "asc"], [ARTICLES_TIME, "desc"]],
    ),
    (
        "newswatch-by-watch-search",
        "newswatch: alerted articles by watch",
        ALERTS_VIEW,
        'record_type : "delivery"',
        ["watch", "title", "notifier", "status", "url"],
        [["watch", "asc"], ["created", "desc"]],
    ),
    (
        "newswatch-latest-alerts-search",
        "newswatch: latest alerts",
        ALERTS_VIEW,
        'record_type : "delivery"',
        ["watch", "notifier", "status", "attempts", "title", "last_error"],
        [["created", "desc"]],
    ),
    (
        "newswatch-crawl-runs-search",
        "newswatch: crawl runs",
        RUNS_VIEW,
        "",
        [
            "source",
            "status",
            "duration_seconds",
            "counts.fetched",
            "counts.new",
            "counts.errors",
            "last_error",
        ],
        [["started", "desc"]],
    ),
)

# Charts: (id, title, data view, kind, field). kind "time": count per time
# bucket of the view's time field; "terms": top values of a keyword field;
# "time_by": count over time, split by the field's top values.
CHARTS = (
    ("newswatch-articles-over-time", "Articles over time", ARTICLES_VIEW, "time", ARTICLES_TIME),
    ("newswatch-top-outlets", "Top outlets", ARTICLES_VIEW, "terms", "site_name"),
    ("newswatch-top-topics", "Top topics", ARTICLES_VIEW, "terms", "topics"),
    ("newswatch-top-entities", "Top entities", ARTICLES_VIEW, "terms", "entities"),
    ("newswatch-crawl-health", "Crawl runs by status", RUNS_VIEW, "time_by", "status"),
)
# Ten bars: enough to show the main outlets and topics, few enough to read the labels.
TOP_N = 10

# Dashboard layout on Kibana's 48-column grid: (panel id, x, y, w, h).
LAYOUT = (
    ("newswatch-articles-over-time", 0, 0, 32, 12),
    ("newswatch-crawl-health", 32, 0, 16, 12),
    ("newswatch-top-outlets", 0, 12, 16, 14),
    ("newswatch-top-topics", 16, 12, 16, 14),
    ("newswatch-top-entities", 32, 12, 16, 14),
    ("newswatch-latest-relevant-search", 0, 26, 48, 16),
    ("newswatch-latest-alerts-search", 0, 42, 48, 12),
)
TIME_FIELD = {view: time for view, _alias, time, _name in DATA_VIEWS}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def search_source(view_ref: bool, query: str = "") -> str:
    source: dict[str, Any] = {"query": {"query": query, "language": "kuery"}, "filter": []}
    if view_ref:
        source["indexRefName"] = "kibanaSavedObjectMeta.searchSourceJSON.index"
    return dumps(source)


def view_reference(view: str) -> dict[str, str]:
    return {
        "id": view,
        "name": "kibanaSavedObjectMeta.searchSourceJSON.index",
        "type": "index-pattern",
    }


# --- shared by both flavors ---------------------------------------------------------


def data_view(view: str, alias: str, time: str, name: str, *, kibana: bool) -> dict[str, Any]:
    attributes: dict[str, Any] = {"title": alias, "timeFieldName": time}
    if kibana:
        attributes["name"] = name
    obj: dict[str, Any] = {"id": view, "type": "index-pattern", "attributes": attributes}
    obj["references"] = []
    return obj


def saved_search(
    sid: str, title: str, view: str, query: str, columns: list[str], sort: list[list[str]]
) -> dict[str, Any]:
    return {
        "id": sid,
        "type": "search",
        "attributes": {
            "title": title,
            "description": "",
            "columns": columns,
            "sort": sort,
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(True, query)},
        },
        "references": [view_reference(view)],
    }


# --- Kibana: Lens charts, dashboard with panels by value --------------------------------


def lens_attributes(title: str, view: str, kind: str, field: str) -> dict[str, Any]:
    layer = f"{view}-layer"
    time = TIME_FIELD[view]
    count = {
        "label": "Count of records",
        "dataType": "number",
        "operationType": "count",
        "sourceField": "___records___",
        "isBucketed": False,
        "scale": "ratio",
        "params": {"emptyAsNull": True},
    }
    histogram = {
        "label": time,
        "dataType": "date",
        "operationType": "date_histogram",
        "sourceField": time,
        "isBucketed": True,
        "scale": "interval",
        "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False},
    }
    terms = {
        "label": f"Top {TOP_N} values of {field}",
        "dataType": "string",
        "operationType": "terms",
        "sourceField": field,
        "isBucketed": True,
        "scale": "ordinal",
        "params": {
            "size": TOP_N,
            "orderBy": {"type": "column", "columnId": "count"},
            "orderDirection": "desc",
            "otherBucket": True,
            "missingBucket": False,
        },
    }
    columns: dict[str, Any] = {"count": count}
    visual: dict[str, Any] = {
        "layerId": layer,
        "layerType": "data",
        "accessors": ["count"],
        "seriesType": "bar_stacked",
    }
    if kind == "time":
        columns = {"time": histogram, **columns}
        visual.update(xAccessor="time", seriesType="bar_stacked")
        preferred = "bar_stacked"
    elif kind == "terms":
        columns = {"terms": terms, **columns}
        visual.update(xAccessor="terms", seriesType="bar_horizontal")
        preferred = "bar_horizontal"
    else:  # time_by
        columns = {"time": histogram, "terms": terms, **columns}
        visual.update(xAccessor="time", splitAccessor="terms", seriesType="bar_stacked")
        preferred = "bar_stacked"
    return {
        "title": title,
        "description": "",
        "visualizationType": "lnsXY",
        "type": "lens",
        "references": [
            {
                "type": "index-pattern",
                "id": view,
                "name": f"indexpattern-datasource-layer-{layer}",
            }
        ],
        "state": {
            "visualization": {
                "legend": {"isVisible": kind == "time_by", "position": "right"},
                "valueLabels": "hide",
                "preferredSeriesType": preferred,
                "layers": [visual],
            },
            "query": {"query": "", "language": "kuery"},
            "filters": [],
            "datasourceStates": {
                "formBased": {
                    "layers": {
                        layer: {
                            "columns": columns,
                            "columnOrder": list(columns),
                            "incompleteColumns": {},
                        }
                    }
                }
            },
            "internalReferences": [],
            "adHocDataViews": {},
        },
    }


def kibana_dashboard() -> dict[str, Any]:
    charts = {cid: (title, view, kind, field) for cid, title, view, kind, field in CHARTS}
    panels: list[dict[str, Any]] = []
    references: list[dict[str, str]] = []
    for index, (pid, x, y, w, h) in enumerate(LAYOUT, 1):
        panel_index = str(index)
        panel: dict[str, Any] = {
            "version": "8.8.0",
            "gridData": {"x": x, "y": y, "w": w, "h": h, "i": panel_index},
            "panelIndex": panel_index,
        }
        if pid in charts:
            title, view, kind, field = charts[pid]
            attributes = lens_attributes(title, view, kind, field)
            panel.update(type="lens", title=title)
            panel["embeddableConfig"] = {"attributes": attributes, "enhancements": {}}
            references += [
                {**ref, "name": f"{panel_index}:{ref['name']}"} for ref in attributes["references"]
            ]
        else:
            panel.update(type="search", embeddableConfig={}, panelRefName=f"panel_{panel_index}")
            references.append(
                {"name": f"{panel_index}:panel_{panel_index}", "type": "search", "id": pid}
            )
        panels.append(panel)
    return {
        "id": DASHBOARD,
        "type": "dashboard",
        "attributes": {
            "title": "newswatch overview",
            "description": "Korean smart-city diplomacy coverage: volume, outlets, topics, "
            "entities, alerts and crawl health",
            "timeRestore": True,
            "timeFrom": "now-30d",
            "timeTo": "now",
            "refreshInterval": {"pause": True, "value": 60000},
            "optionsJSON": dumps(
                {"useMargins": True, "syncColors": False, "hidePanelTitles": False}
            ),
            "panelsJSON": dumps(panels),
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(False)},
        },
        "references": references,
    }


# Versions of the formats written above, so Kibana migrates them forward on import.
KIBANA_TYPE_VERSIONS = {
    "index-pattern": "7.11.0",
    "search": "7.9.3",
    "dashboard": "8.7.0",
}


def kibana_objects() -> list[dict[str, Any]]:
    objects = [data_view(*view, kibana=True) for view in DATA_VIEWS]
    objects += [saved_search(*search) for search in SEARCHES]
    objects.append(kibana_dashboard())
    for obj in objects:
        obj["coreMigrationVersion"] = "8.8.0"
        obj["typeMigrationVersion"] = KIBANA_TYPE_VERSIONS[obj["type"]]
    return objects


# --- OpenSearch Dashboards: aggregation-based visualizations -------------------------


def osd_visualization(vid: str, title: str, view: str, kind: str, field: str) -> dict[str, Any]:
    histogram = {
        "id": "time",
        "enabled": True,
        "type": "date_histogram",
        "schema": "segment",
        "params": {"field": TIME_FIELD[view], "interval": "auto", "min_doc_count": 1},
    }
    terms = {
        "id": "terms",
        "enabled": True,
        "type": "terms",
        "schema": "segment" if kind == "terms" else "group",
        "params": {"field": field, "size": TOP_N, "order": "desc", "orderBy": "count"},
    }
    count = {"id": "count", "enabled": True, "type": "count", "schema": "metric", "params": {}}
    aggs = {
        "time": [count, histogram],
        "terms": [count, terms],
        "time_by": [count, histogram, terms],
    }
    vis_type = "horizontal_bar" if kind == "terms" else "histogram"
    vis_state = {
        "title": title,
        "type": vis_type,
        "params": {
            "type": vis_type,
            "addTooltip": True,
            "addLegend": kind == "time_by",
            "legendPosition": "right",
        },
        "aggs": aggs[kind],
    }
    return {
        "id": vid,
        "type": "visualization",
        "attributes": {
            "title": title,
            "description": "",
            "visState": dumps(vis_state),
            "uiStateJSON": "{}",
            "version": 1,
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(True)},
        },
        "references": [view_reference(view)],
    }


def osd_dashboard() -> dict[str, Any]:
    panels = []
    references = []
    chart_ids = {cid for cid, *_rest in CHARTS}
    for index, (pid, x, y, w, h) in enumerate(LAYOUT):
        panel_index = str(index + 1)
        panels.append(
            {
                "version": "2.19.0",
                "gridData": {"x": x, "y": y, "w": w, "h": h, "i": panel_index},
                "panelIndex": panel_index,
                "embeddableConfig": {},
                "panelRefName": f"panel_{index}",
            }
        )
        kind = "visualization" if pid in chart_ids else "search"
        references.append({"name": f"panel_{index}", "type": kind, "id": pid})
    return {
        "id": DASHBOARD,
        "type": "dashboard",
        "attributes": {
            "title": "newswatch overview",
            "description": "Korean smart-city diplomacy coverage: volume, outlets, topics, "
            "entities, alerts and crawl health",
            "hits": 0,
            "timeRestore": True,
            "timeFrom": "now-30d",
            "timeTo": "now",
            "refreshInterval": {"pause": True, "value": 60000},
            "optionsJSON": dumps({"useMargins": True, "hidePanelTitles": False}),
            "panelsJSON": dumps(panels),
            "version": 1,
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(False)},
        },
        "references": references,
    }


OSD_MIGRATION_VERSIONS = {
    "index-pattern": "7.6.0",
    "search": "7.9.3",
    "visualization": "7.10.0",
    "dashboard": "7.9.3",
}


def osd_objects() -> list[dict[str, Any]]:
    objects = [data_view(*view, kibana=False) for view in DATA_VIEWS]
    objects += [saved_search(*search) for search in SEARCHES]
    objects += [osd_visualization(*chart) for chart in CHARTS]
    objects.append(osd_dashboard())
    for obj in objects:
        obj["migrationVersion"] = {obj["type"]: OSD_MIGRATION_VERSIONS[obj["type"]]}
    return objects


def render(objects: list[dict[str, Any]]) -> str:
    return "".join(dumps(obj) + "\n" for obj in objects)


def main() -> int:
    for path, objects in ((KIBANA_FILE, kibana_objects()), (OSD_FILE, osd_objects())):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(objects), encoding="utf-8")
        print(f"wrote {path} ({len(objects)} objects)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
