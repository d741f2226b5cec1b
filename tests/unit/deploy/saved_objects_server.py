"""A loopback HTTP server implementing the saved objects import endpoint's documented contract.

Kibana (and OpenSearch Dashboards):
    POST [/s/<space>]/api/saved_objects/_import[?overwrite=true]
- refuses a request without the xsrf header (`kbn-xsrf` / `osd-xsrf`): 400;
- takes multipart/form-data with the ndjson in the field `file`, whose name
  must end in `.ndjson` (400 otherwise);
- answers 404 for a space that does not exist, 401 without valid credentials
  when credentials are required;
- imports each object on its own and reports per object: `conflict` when the
  id exists and overwrite is off, `missing_references` when a reference is
  neither in the file nor stored, `unsupported_type` for an unknown type;
- answers {success, successCount, successResults, errors}; success is false
  as soon as one object failed, while the others are still imported.
"""

from __future__ import annotations

import json
import re
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.quiet_http import QuietHandler

SUPPORTED_TYPES = frozenset(
    {"index-pattern", "search", "visualization", "lens", "dashboard", "config", "map"}
)
PATH = re.compile(r"^(?:/s/(?P<space>[^/]+))?/api/saved_objects/_import$")


class SavedObjectsServer:
    def __init__(
        self,
        xsrf_header: str = "kbn-xsrf",
        spaces: tuple[str, ...] = ("default",),
        authorization: str | None = None,
    ) -> None:
        self.xsrf_header = xsrf_header
        self.spaces = spaces
        self.authorization = authorization
        # (space, type, id) -> object, as stored by earlier imports.
        self.stored: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                server.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                status, payload = server.handle(self.path, self.headers, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SavedObjectsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, raw_path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(raw_path)
        match = PATH.match(parts.path)
        if not match:
            return 404, _error(404, "Not Found", "Not Found")
        space = match.group("space") or "default"
        if space not in self.spaces:
            return 404, _error(404, "Not Found", f"Saved object [space/{space}] not found")
        if self.authorization and headers.get("authorization") != self.authorization:
            return 401, _error(401, "Unauthorized", "[security_exception] missing authentication")
        if headers.get(self.xsrf_header) is None:
            return 400, _error(
                400, "Bad Request", f"Request must contain a {self.xsrf_header} header."
            )
        overwrite = parse_qs(parts.query).get("overwrite", ["false"])[0] == "true"
        upload = _file_field(headers.get("content-type", ""), body)
        if upload is None:
            return 400, _error(
                400, "Bad Request", "[request body.file]: expected value of type [Stream]"
            )
        filename, content = upload
        if not filename.endswith(".ndjson"):
            extension = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
            return 400, _error(400, "Bad Request", f"Invalid file extension {extension}")
        objects = [json.loads(line) for line in content.decode().splitlines() if line.strip()]
        return 200, self._import(space, objects, overwrite)

    def _import(self, space: str, objects: list[dict[str, Any]], overwrite: bool) -> dict[str, Any]:
        in_file = {(o["type"], o["id"]) for o in objects}
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for obj in objects:
            kind, oid = obj["type"], obj["id"]
            title = obj.get("attributes", {}).get("title", "")
            head = {"id": oid, "type": kind, "title": title, "meta": {"title": title}}
            if kind not in SUPPORTED_TYPES:
                errors.append({**head, "error": {"type": "unsupported_type"}})
                continue
            missing = [
                {"type": ref["type"], "id": ref["id"]}
                for ref in obj.get("references", [])
                if (ref["type"], ref["id"]) not in in_file
                and (space, ref["type"], ref["id"]) not in self.stored
            ]
            if missing:
                errors.append(
                    {**head, "error": {"type": "missing_references", "references": missing}}
                )
                continue
            exists = (space, kind, oid) in self.stored
            if exists and not overwrite:
                errors.append({**head, "error": {"type": "conflict"}})
                continue
            self.stored[(space, kind, oid)] = obj
            result = {"id": oid, "type": kind, "meta": {"title": title}}
            if exists:
                result["overwrite"] = True
            results.append(result)
        return {
            "success": not errors,
            "successCount": len(results),
            "successResults": results,
            "errors": errors,
        }


def _error(status: int, error: str, message: str) -> dict[str, Any]:
    return {"statusCode": status, "error": error, "message": message}


def _file_field(content_type: str, body: bytes) -> tuple[str, bytes] | None:
    if not content_type.startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=HTTP).parsebytes(
        b"content-type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return str(part.get_filename() or ""), payload if isinstance(payload, bytes) else b""
    return None
