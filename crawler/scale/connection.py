"""One Redis client per URL and process, from the environment variable the config names."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import redis

from crawler.config import Config, ConfigError
from crawler.reporting.redact import redact_credentials

# Seconds: a Redis on the same network answers in milliseconds; 10 s says "down"
# while still riding out a failover of a replicated Redis.
SOCKET_TIMEOUT = 10.0


class RedisUnavailable(RuntimeError):
    """Redis is configured but cannot be reached (exit code 1)."""


def redis_url(config: Config) -> str:
    """The Redis URL from the environment; ConfigError naming the variable when unset."""
    name = config.scale.redis_url_env
    if name is None:
        raise ConfigError("scale.redis_url_env is not set: this command needs Redis")
    url = os.environ.get(name, "").strip()
    if not url:
        raise ConfigError(
            f"scale.redis_url_env: environment variable {name} is not set "
            "(export it as redis://[:password@]host:port/db)"
        )
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"scale.redis_url_env: {name} must be a redis:// or rediss:// URL")
    return url


@cache
def client(url: str) -> Any:
    """A client with its own connection pool, shared by everything in this process."""
    return redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
    )


def connect(config: Config) -> Any:
    """The configured Redis, checked with a PING."""
    url = redis_url(config)
    server = client(url)
    try:
        server.ping()
    except redis.RedisError as exc:
        raise RedisUnavailable(f"cannot reach Redis at {redact_credentials(url)}: {exc}") from None
    return server
