"""The only module that imports a search client: one adapter, two engines.

Elasticsearch 8.x/9.x is spoken to through the `elasticsearch` client and
OpenSearch 2.x/3.x through `opensearch-py`. The flavor is detected from
`GET /` before either client is built (the Elasticsearch client refuses to
talk to anything that does not announce itself as Elasticsearch). Every call
goes through `request()` with the same method, path and body for both, so
what the rest of the code sends does not depend on the engine; bulk indexing
uses each library's own `streaming_bulk` helper, which have the same shape.

Retries live here, once, for both flavors: the clients' own retries are
switched off because they retry without any backoff.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import urllib3

from crawler.config import ConfigError, SearchConfig
from crawler.reporting.redact import redact_credentials

log = logging.getLogger(__name__)

Flavor = Literal["elasticsearch", "opensearch"]

API_KEY_ENV = "NEWSWATCH_SEARCH_API_KEY"
USER_ENV = "NEWSWATCH_SEARCH_USER"
PASSWORD_ENV = "NEWSWATCH_SEARCH_PASSWORD"
CA_ENV = "NEWSWATCH_SEARCH_CA"

# Statuses worth retrying: overloaded (429) and gateway/unavailable errors.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# First retry after 0.5 s, doubling: 3 retries wait 3.5 s in all, long enough for
# a node restart's brief unavailability, short enough for an interactive command.
BACKOFF_START_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 8.0


class EngineError(Exception):
    """A request to the search engine failed; the message names the URL and the cause."""

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(redact_credentials(message))  # the URL may carry user:password@
        self.status = status
        self.body = body


class EngineUnreachable(EngineError):
    """No connection to the engine at all (refused, DNS, TLS, timeout)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """API key or user/password and a CA bundle, read from `<PREFIX>_API_KEY`, ..."""

    api_key: str | None = None
    user: str | None = None
    password: str | None = None
    ca_certs: str | None = None

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, prefix: str = "NEWSWATCH_SEARCH"
    ) -> Credentials:
        env = os.environ if env is None else env
        ca_certs = env.get(f"{prefix}_CA") or None
        if ca_certs and not os.path.isfile(ca_certs):
            # Checked here, or the TLS layer's error reads as "engine unreachable".
            raise ConfigError(
                f"{prefix}_CA: CA bundle {ca_certs!r} is not a file; point it at a PEM file"
                " or unset it to use the system's CAs"
            )
        return cls(
            api_key=env.get(f"{prefix}_API_KEY") or None,
            user=env.get(f"{prefix}_USER") or None,
            password=env.get(f"{prefix}_PASSWORD") or None,
            ca_certs=ca_certs,
        )

    def headers(self) -> dict[str, str]:
        if self.api_key:
            return {"authorization": f"ApiKey {self.api_key}"}
        if self.user:
            token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
            return {"authorization": f"Basic {token}"}
        return {}


@dataclass(frozen=True, slots=True)
class EngineInfo:
    flavor: Flavor
    version: str
    cluster_name: str

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


def detect_flavor(root: Mapping[str, Any]) -> EngineInfo:
    """Tell Elasticsearch from OpenSearch by the body of `GET /`."""
    version = root.get("version") or {}
    number = str(version.get("number", "0"))
    flavor: Flavor = (
        "opensearch" if version.get("distribution") == "opensearch" else "elasticsearch"
    )
    if flavor == "elasticsearch" and "tagline" not in root:
        raise EngineError(f"GET / did not answer like Elasticsearch or OpenSearch: {dict(root)!r}")
    return EngineInfo(flavor=flavor, version=number, cluster_name=str(root.get("cluster_name", "")))


class SearchStore:
    """A connected engine: `request()` for everything, `bulk()` for indexing."""

    def __init__(self, url: str, info: EngineInfo, client: Any, settings: SearchConfig) -> None:
        self.url = redact_credentials(url)  # for messages and run records only
        self.info = info
        self._client = client
        self._settings = settings

    @classmethod
    def connect(cls, settings: SearchConfig, credentials: Credentials | None = None) -> SearchStore:
        url = settings.effective_url().rstrip("/")
        creds = credentials or Credentials.from_env()
        info = detect_flavor(_probe_root(url, settings, creds))
        client = _build_client(info.flavor, url, settings, creds)
        log.debug("connected to %s %s at %s", info.flavor, info.version, redact_credentials(url))
        return cls(url, info, client, settings)

    @property
    def flavor(self) -> Flavor:
        return self.info.flavor

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        *,
        ignore: Iterable[int] = (),
    ) -> Any:
        """One request with backoff on connection errors and retryable statuses.

        Statuses in `ignore` return None instead of raising (e.g. 404 on a lookup).
        """
        attempt = 0
        while True:
            try:
                return self._perform(method, path, body, params)
            except EngineError as exc:
                if exc.status in set(ignore):
                    return None
                retryable = isinstance(exc, EngineUnreachable) or exc.status in RETRY_STATUSES
                if not retryable or attempt >= self._settings.max_retries:
                    raise
                delay = min(BACKOFF_START_SECONDS * 2**attempt, BACKOFF_MAX_SECONDS)
                log.warning("%s %s failed (%s); retrying in %.1f s", method, path, exc, delay)
                time.sleep(delay)
                attempt += 1

    def bulk(
        self, actions: Iterable[dict[str, Any]], *, chunk_size: int | None = None
    ) -> Iterator[tuple[bool, dict[str, Any]]]:
        """Index actions in chunks; one (ok, item) per action, errors collected per item.

        Every action must target an alias (`require_alias`, a bulk parameter of
        Elasticsearch 7.10+ and OpenSearch 2.x): a write to a missing alias
        fails with `index_not_found_exception` instead of auto-creating a
        concrete index with dynamic mappings (no Korean analysis).
        """
        helpers = _helpers_module(self.flavor)
        try:
            yield from helpers.streaming_bulk(
                self._client,
                actions,
                chunk_size=chunk_size or self._settings.bulk_chunk_size,
                raise_on_error=False,
                raise_on_exception=True,
                max_retries=self._settings.max_retries,
                initial_backoff=BACKOFF_START_SECONDS,
                max_backoff=BACKOFF_MAX_SECONDS,
                require_alias=True,  # passed on to the client's bulk() as a query parameter
            )
        except Exception as exc:
            raise _translate(exc, "POST", "/_bulk", self.url) from exc

    def close(self) -> None:
        self._client.close()

    def _perform(self, method: str, path: str, body: Any, params: Mapping[str, Any] | None) -> Any:
        try:
            if self.flavor == "elasticsearch":
                headers = {"accept": "application/json"}
                if body is not None:
                    headers["content-type"] = "application/json"
                response = self._client.perform_request(
                    method, path, params=dict(params or {}) or None, headers=headers, body=body
                )
                return response.body
            return self._client.transport.perform_request(
                method, path, params=dict(params or {}) or None, body=body
            )
        except Exception as exc:
            raise _translate(exc, method, path, self.url) from exc


def _probe_root(url: str, settings: SearchConfig, creds: Credentials) -> dict[str, Any]:
    """`GET /` with plain urllib3, before we know which client to build."""
    pool = urllib3.PoolManager(
        cert_reqs="CERT_REQUIRED" if settings.verify_certs else "CERT_NONE",
        ca_certs=creds.ca_certs,
        timeout=urllib3.Timeout(total=min(settings.timeout, 10.0)),
        retries=urllib3.Retry(
            total=settings.max_retries, backoff_factor=BACKOFF_START_SECONDS, status_forcelist=()
        ),
    )
    try:
        response = pool.request("GET", url + "/", headers=creds.headers())
    except urllib3.exceptions.HTTPError as exc:
        raise EngineUnreachable(
            f"search engine at {url} is unreachable: {_root_cause(exc)}"
        ) from exc
    finally:
        pool.clear()
    if response.status in (401, 403):
        raise EngineError(
            f"search engine at {url} refused the credentials (HTTP {response.status}); "
            f"set {API_KEY_ENV} or {USER_ENV}/{PASSWORD_ENV}",
            status=response.status,
        )
    if response.status != 200:
        raise EngineError(f"GET {url}/ answered HTTP {response.status}", status=response.status)
    try:
        root = json.loads(response.data)
    except ValueError:
        raise EngineError(f"GET {url}/ did not return JSON; is this a search engine?") from None
    if not isinstance(root, dict):
        raise EngineError(f"GET {url}/ returned unexpected JSON: {root!r}")
    return root


def _root_cause(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)


def _build_client(flavor: Flavor, url: str, settings: SearchConfig, creds: Credentials) -> Any:
    common: dict[str, Any] = {
        "verify_certs": settings.verify_certs,
        "max_retries": 0,  # retries with backoff happen in SearchStore.request
        "retry_on_timeout": False,
    }
    if creds.ca_certs:
        common["ca_certs"] = creds.ca_certs
    if flavor == "elasticsearch":
        from elasticsearch import Elasticsearch

        auth: dict[str, Any] = {}
        if creds.api_key:
            auth["api_key"] = creds.api_key
        elif creds.user:
            auth["basic_auth"] = (creds.user, creds.password or "")
        return Elasticsearch(url, request_timeout=settings.timeout, **auth, **common)

    from opensearchpy import OpenSearch

    return OpenSearch(
        hosts=[url], timeout=settings.timeout, headers=creds.headers() or None, **common
    )


def _helpers_module(flavor: Flavor) -> Any:
    if flavor == "elasticsearch":
        from elasticsearch import helpers as es_helpers

        return es_helpers
    from opensearchpy import helpers as os_helpers

    return os_helpers


def _translate(exc: Exception, method: str, path: str, url: str) -> EngineError:
    """Map either client's exception to ours, naming the URL and the request."""
    if isinstance(exc, EngineError):
        return exc
    name = type(exc).__name__
    if name in {"ConnectionError", "ConnectionTimeout", "SSLError", "TransportError"} and (
        getattr(exc, "status_code", None) in (None, "N/A")
        and getattr(getattr(exc, "meta", None), "status", None) is None
    ):
        return EngineUnreachable(f"search engine at {url} is unreachable ({method} {path}): {exc}")
    status = getattr(getattr(exc, "meta", None), "status", None) or getattr(
        exc, "status_code", None
    )
    body = getattr(exc, "body", None) or getattr(exc, "info", None)
    status_int = status if isinstance(status, int) else None
    reason = _error_reason(body) or str(exc)
    return EngineError(
        f"{method} {url}{path} failed (HTTP {status_int}): {reason}", status=status_int, body=body
    )


def _error_reason(body: Any) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        root = (err.get("root_cause") or [err])[0]
        return f"{root.get('type')}: {root.get('reason')}"
    return None
