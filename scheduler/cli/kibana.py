"""Load newswatch's saved objects into Kibana or OpenSearch Dashboards.

The objects (data views / index patterns, saved searches, visualizations and a
dashboard) are data files under `deploy/`; this module only sends them through
the saved objects import API and turns its answer into a report:

    POST [/s/<space>]/api/saved_objects/_import[?overwrite=true]
    multipart/form-data, field `file` = the ndjson; header kbn-xsrf / osd-xsrf

The answer has `success`, `successCount`, `successResults` and per-object
`errors` (`conflict`, `missing_references`, `unsupported_type`, `unknown`),
so one bad object never hides behind an overall "ok".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import urllib3

from crawler.engine.client import Credentials

Flavor = Literal["kibana", "opensearch-dashboards"]
FLAVORS: tuple[Flavor, ...] = ("kibana", "opensearch-dashboards")

USER_ENV = "NEWSWATCH_KIBANA_USER"
PASSWORD_ENV = "NEWSWATCH_KIBANA_PASSWORD"
API_KEY_ENV = "NEWSWATCH_KIBANA_API_KEY"

# Both products refuse state-changing API calls without their xsrf header (HTTP 400).
XSRF_HEADERS: dict[Flavor, str] = {"kibana": "kbn-xsrf", "opensearch-dashboards": "osd-xsrf"}

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"
DEFAULT_FILES: dict[Flavor, Path] = {
    "kibana": DEPLOY_DIR / "kibana" / "newswatch.ndjson",
    "opensearch-dashboards": DEPLOY_DIR / "opensearch-dashboards" / "newswatch.ndjson",
}

# An import of a few dozen objects takes well under a second; a Kibana that is
# still migrating its own saved objects at startup can take tens of seconds.
TIMEOUT_SECONDS = 60.0


class KibanaError(Exception):
    """The import request itself failed (unreachable, refused, not a Kibana); names the URL."""


@dataclass(frozen=True, slots=True)
class ImportedObject:
    type: str
    id: str
    title: str
    overwritten: bool


@dataclass(frozen=True, slots=True)
class FailedObject:
    type: str
    id: str
    title: str
    error_type: str
    detail: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    success: bool
    success_count: int
    imported: list[ImportedObject] = field(default_factory=list)
    failed: list[FailedObject] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.success and not self.failed


# Kibana's credentials have the same shape as the engine's, under their own names.
KibanaAuth = Credentials
ENV_PREFIX = "NEWSWATCH_KIBANA"


def import_path(space: str | None, overwrite: bool) -> str:
    prefix = f"/s/{quote(space, safe='')}" if space and space != "default" else ""
    query = "?overwrite=true" if overwrite else ""
    return f"{prefix}/api/saved_objects/_import{query}"


def import_saved_objects(
    url: str,
    ndjson: bytes,
    *,
    flavor: Flavor = "kibana",
    space: str | None = None,
    overwrite: bool = False,
    auth: KibanaAuth | None = None,
    filename: str = "newswatch.ndjson",
) -> ImportReport:
    """Send one ndjson file to the import API; per-object failures are in the report."""
    auth = auth or Credentials.from_env(prefix=ENV_PREFIX)
    target = url.rstrip("/") + import_path(space, overwrite)
    # Kibana checks the file name's extension and refuses anything but .ndjson.
    body, content_type = urllib3.encode_multipart_formdata(
        {"file": (filename, ndjson, "application/ndjson")}
    )
    headers = {XSRF_HEADERS[flavor]: "true", "content-type": content_type, **auth.headers()}
    status, payload = _post(target, body, headers, auth.ca_certs)
    if status != 200:
        raise KibanaError(_http_failure(target, status, payload, flavor))
    if not isinstance(payload, dict) or "success" not in payload:
        raise KibanaError(f"POST {target} answered without an import result: {payload!r}")
    return parse_import_response(payload)


def parse_import_response(payload: Mapping[str, Any]) -> ImportReport:
    imported = [
        ImportedObject(
            type=str(item.get("type", "?")),
            id=str(item.get("destinationId") or item.get("id", "?")),
            title=str((item.get("meta") or {}).get("title", "")),
            overwritten=bool(item.get("overwrite")),
        )
        for item in payload.get("successResults") or []
    ]
    failed = [_failure(item) for item in payload.get("errors") or []]
    return ImportReport(
        success=bool(payload.get("success")),
        success_count=int(payload.get("successCount", len(imported))),
        imported=imported,
        failed=failed,
    )


def describe_failure(failure: FailedObject) -> str:
    title = f' "{failure.title}"' if failure.title else ""
    return f"{failure.type} {failure.id}{title}: {failure.error_type}: {failure.detail}"


def _failure(item: Mapping[str, Any]) -> FailedObject:
    error = item.get("error") or {}
    kind = str(error.get("type", "unknown"))
    return FailedObject(
        type=str(item.get("type", "?")),
        id=str(item.get("id", "?")),
        title=str(item.get("title") or (item.get("meta") or {}).get("title", "")),
        error_type=kind,
        detail=_failure_detail(kind, error),
    )


def _failure_detail(kind: str, error: Mapping[str, Any]) -> str:
    """What went wrong with one object, and what to do about it."""
    if kind == "conflict":
        return "an object with this id already exists; run again with --overwrite to replace it"
    if kind == "ambiguous_conflict":
        return "several existing objects match it; delete the duplicates or use --overwrite"
    if kind == "missing_references":
        refs = ", ".join(
            f"{ref.get('type', '?')} {ref.get('id', '?')}" for ref in error.get("references") or []
        )
        return f"it refers to objects that exist neither in the file nor in Kibana: {refs}"
    if kind == "unsupported_type":
        return "this Kibana does not know the object type (wrong --flavor or version?)"
    message = error.get("message") or error.get("reason") or json.dumps(dict(error))
    status = error.get("statusCode")
    return f"{message} (HTTP {status})" if status else str(message)


def _post(
    target: str, body: bytes, headers: dict[str, str], ca_certs: str | None
) -> tuple[int, Any]:
    pool = urllib3.PoolManager(
        ca_certs=ca_certs,
        timeout=urllib3.Timeout(total=TIMEOUT_SECONDS),
        # No retries: an import is not idempotent without --overwrite, and a
        # retried partial import would report conflicts for its own first half.
        retries=False,
    )
    try:
        response = pool.request("POST", target, body=body, headers=headers)
    except urllib3.exceptions.HTTPError as exc:
        reason = getattr(exc, "reason", None) or exc
        raise KibanaError(f"{target} is unreachable: {reason}") from exc
    finally:
        pool.clear()
    try:
        return response.status, json.loads(response.data or b"null")
    except ValueError:
        return response.status, response.data.decode("utf-8", "replace")[:300]


def _http_failure(target: str, status: int, payload: Any, flavor: Flavor) -> str:
    message = payload.get("message") if isinstance(payload, dict) else payload
    hint = ""
    if status in (401, 403):
        hint = (
            f"; set {API_KEY_ENV} or {USER_ENV}/{PASSWORD_ENV} "
            "(a user allowed to manage saved objects)"
        )
    elif status == 404:
        hint = "; is this the right URL (and --space), and is it " + (
            "Kibana?" if flavor == "kibana" else "OpenSearch Dashboards?"
        )
    return f"POST {target} failed (HTTP {status}): {message}{hint}"
