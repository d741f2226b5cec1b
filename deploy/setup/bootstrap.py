"""One-shot setup for the Compose deployments, run in the newswatch image.

    python bootstrap.py elasticsearch    # or: opensearch

Elasticsearch: waits for the node, sets the kibana_system password, creates
the `newswatch` role from deploy/elasticsearch/newswatch-role.json and an API
key restricted to it, written to $NEWSWATCH_SEARCH_API_KEY_FILE (kept across
runs while it still authenticates, so a restart does not mint a new key).
OpenSearch: creates the role from deploy/opensearch/newswatch-role.json, the
internal user `newswatch` with $NEWSWATCH_SEARCH_PASSWORD, and maps the two.

Then it replaces itself with `newswatch setup`, authenticated as newswatch —
so setup itself proves the role is enough.

Admin credentials come from the environment (ADMIN_USER / ADMIN_PASSWORD) and
are never passed on to `newswatch setup`.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import urllib3

HERE = Path(__file__).resolve().parent.parent
ROLE = "newswatch"
# A single node takes 20-60 s to start (longer on first start with plugin
# installation and security index creation); 180 s means it is not coming.
WAIT_SECONDS = 180.0


def main(argv: list[str]) -> int:
    flavor = argv[1] if len(argv) > 1 else "elasticsearch"
    if flavor not in ("elasticsearch", "opensearch"):
        print(f"usage: bootstrap.py elasticsearch|opensearch (got {flavor!r})", file=sys.stderr)
        return 2
    url = os.environ["NEWSWATCH_SEARCH_URL"].rstrip("/")
    admin = _basic(os.environ["ADMIN_USER"], os.environ["ADMIN_PASSWORD"])
    http = urllib3.PoolManager(
        ca_certs=os.environ.get("NEWSWATCH_SEARCH_CA") or None,
        timeout=urllib3.Timeout(total=30),
    )
    wait_for_engine(http, url, admin)
    env = {k: v for k, v in os.environ.items() if k not in ("ADMIN_USER", "ADMIN_PASSWORD")}
    if flavor == "elasticsearch":
        env["NEWSWATCH_SEARCH_API_KEY"] = bootstrap_elasticsearch(http, url, admin)
    else:
        bootstrap_opensearch(http, url, admin)
        env["NEWSWATCH_SEARCH_USER"] = ROLE
    print("bootstrap done; running `newswatch setup` as newswatch", flush=True)
    os.execvpe("newswatch", ["newswatch", "setup"], env)


def wait_for_engine(http: urllib3.PoolManager, url: str, admin: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            answer = http.request(
                "GET", f"{url}/_cluster/health", headers={"authorization": admin}, retries=False
            )
            if answer.status == 200 and json.loads(answer.data)["status"] in ("green", "yellow"):
                return
            last = f"HTTP {answer.status}"
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            last = str(exc)
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} not healthy after {WAIT_SECONDS:.0f} s: {last}")
        time.sleep(2)


def bootstrap_elasticsearch(http: urllib3.PoolManager, url: str, admin: str) -> str:
    role = json.loads((HERE / "elasticsearch" / "newswatch-role.json").read_text())
    kibana_password = os.environ.get("KIBANA_SYSTEM_PASSWORD")
    if kibana_password:
        call(
            http,
            "POST",
            f"{url}/_security/user/kibana_system/_password",
            admin,
            {"password": kibana_password},
        )
    call(http, "PUT", f"{url}/_security/role/{ROLE}", admin, role)
    key_file = Path(os.environ["NEWSWATCH_SEARCH_API_KEY_FILE"])
    if key_file.exists():
        key = key_file.read_text().strip()
        check = http.request(
            "GET", f"{url}/_security/_authenticate", headers={"authorization": f"ApiKey {key}"}
        )
        if check.status == 200:
            print(f"API key in {key_file} still valid; kept")
            return key
    descriptor = {k: v for k, v in role.items() if k in ("cluster", "indices")}
    created = call(
        http,
        "POST",
        f"{url}/_security/api_key",
        admin,
        {
            "name": "newswatch-service",
            "role_descriptors": {ROLE: descriptor},
            "metadata": {"application": "newswatch"},
        },
    )
    key = str(created["encoded"])
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    print(f"API key {created['id']} created for role {ROLE}; written to {key_file}")
    return key


def bootstrap_opensearch(http: urllib3.PoolManager, url: str, admin: str) -> None:
    api = f"{url}/_plugins/_security/api"
    role = json.loads((HERE / "opensearch" / "newswatch-role.json").read_text())
    call(http, "PUT", f"{api}/roles/{ROLE}", admin, role)
    password = os.environ["NEWSWATCH_SEARCH_PASSWORD"]
    call(
        http,
        "PUT",
        f"{api}/internalusers/{ROLE}",
        admin,
        {"password": password, "description": "newswatch crawler service"},
    )
    call(http, "PUT", f"{api}/rolesmapping/{ROLE}", admin, {"users": [ROLE]})
    print(f"role, user and role mapping {ROLE} created or updated")


def call(http: urllib3.PoolManager, method: str, url: str, auth: str, body: Any) -> Any:
    answer = http.request(
        method,
        url,
        body=json.dumps(body).encode(),
        headers={"authorization": auth, "content-type": "application/json"},
    )
    if answer.status >= 300:
        raise SystemExit(f"{method} {url} failed (HTTP {answer.status}): {answer.data[:500]!r}")
    return json.loads(answer.data or b"{}")


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
