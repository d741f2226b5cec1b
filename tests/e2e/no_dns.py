"""`python -m tests.e2e.no_dns [newswatch arguments]`: the `newswatch` command on a
machine without DNS.

Host names fail to resolve inside this process (socket.gaierror, as glibc
answers for a name that does not exist) before any packet is sent; IP
literals (the fixture sites, the engine on 127.0.0.1) resolve as usual,
numerically. The crawler's guard resolves names through getaddrinfo
(crawler.fetch.netguard.resolve_host), so this is where a name "does not resolve"
for the end-to-end tests: no test may query a DNS server.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

_getaddrinfo = socket.getaddrinfo


def _numeric_only(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    if host is None:
        return _getaddrinfo(host, port, *args, **kwargs)
    flags = kwargs.pop("flags", 0)
    if len(args) >= 4:
        *args, flags = args  # type: ignore[assignment]
    try:
        return _getaddrinfo(host, port, *args, flags=flags | socket.AI_NUMERICHOST, **kwargs)
    except socket.gaierror:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None


def _no_name(host: str, *args: Any) -> Any:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def install() -> None:
    socket.getaddrinfo = _numeric_only  # type: ignore[assignment]
    socket.gethostbyname = lambda host: _numeric_only(host, None)[0][4][0]  # type: ignore[assignment]
    socket.gethostbyname_ex = _no_name  # type: ignore[assignment]


if __name__ == "__main__":
    install()
    from scheduler.cli import main

    sys.exit(main(sys.argv[1:]))
