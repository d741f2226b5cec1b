"""What `newswatch doctor` says about the shared Redis: reachable, who leads, workers alive."""

from __future__ import annotations

from crawler.config import Config, ConfigError
from crawler.scale.connection import RedisUnavailable, connect


def redis_health(config: Config) -> tuple[bool, str]:
    """(ok, one line): version, the scheduler leader, the crawl workers with a heartbeat."""
    try:
        server = connect(config)
    except (ConfigError, RedisUnavailable) as exc:
        return False, str(exc)
    prefix = config.scale.key_prefix
    version = server.info("server").get("redis_version", "?")
    leader = server.get(f"{prefix}:leader")
    workers = sum(1 for _ in server.scan_iter(match=f"{prefix}:worker:*", count=1000))
    leads = f"leader {leader.decode()}" if leader else "no scheduler leads"
    return True, f"Redis {version}; {leads}; {workers} crawl workers alive"
