"""`search:`: the engine newswatch writes to and reads from."""

from __future__ import annotations

import os
import re

from pydantic import Field, field_validator

from crawler.config.errors import ConfigError
from crawler.config.fields import Strict
from crawler.reporting.redact import redact_credentials

SEARCH_URL_ENV = "NEWSWATCH_SEARCH_URL"
# The local engine that `make engine` starts (deploy/local-search/engine.sh): loopback,
# on NEWSWATCH_ENGINE_PORT, 9200 when unset (the port engine.sh and the Makefile use).
ENGINE_PORT_ENV = "NEWSWATCH_ENGINE_PORT"
LOCAL_ENGINE_PORT = 9200


class SearchConfig(Strict):
    url: str | None = None
    # Seconds per request; bulk requests of 500 docs take well under 5 s locally,
    # 30 s leaves room for a busy production cluster.
    timeout: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    verify_certs: bool = True
    # 500 documents (~1-2 MB of Korean text) per bulk request: the elasticsearch-py
    # default, and the knee of the curve in `make bench-index` on the local node.
    bulk_chunk_size: int = Field(default=500, ge=1, le=10_000)

    @field_validator("url")
    @classmethod
    def _url_has_scheme(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"must be an http(s) URL such as http://127.0.0.1:9200, got {value!r}")
        return value

    def effective_url(self) -> str:
        """`NEWSWATCH_SEARCH_URL` over `search.url` over the local engine."""
        return os.environ.get(SEARCH_URL_ENV) or self.url or local_engine_url()

    def uses_local_engine(self) -> bool:
        return not (os.environ.get(SEARCH_URL_ENV) or self.url)

    def engine_hint(self) -> str:
        """What to do when the engine in use does not answer, naming its URL and port."""
        url = redact_credentials(self.effective_url())
        if not self.uses_local_engine():
            return f"check that the engine at {url} runs ({SEARCH_URL_ENV} or search.url)"
        port = local_engine_port()
        command = (
            "make engine" if port == LOCAL_ENGINE_PORT else f"{ENGINE_PORT_ENV}={port} make engine"
        )
        return f"start the local engine on port {port} with `{command}`"


def local_engine_port() -> int:
    text = os.environ.get(ENGINE_PORT_ENV, "").strip()
    if not text:
        return LOCAL_ENGINE_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"{ENGINE_PORT_ENV} must be a port number, got {text!r}")
    return int(text)


def local_engine_url() -> str:
    """The engine `make engine` starts: 127.0.0.1 on NEWSWATCH_ENGINE_PORT (default 9200)."""
    return f"http://127.0.0.1:{local_engine_port()}"
