"""SSRF guard: refuse URLs whose host is, or resolves to, a non-public address.

The crawler follows links, redirects and search-portal results chosen by
strangers; without this guard a page could steer it at 127.0.0.1, the cloud
metadata service (169.254.169.254) or an intranet host. A URL is refused when
its scheme is not http(s), or when ANY address its host resolves to is
private, loopback, link-local, reserved, multicast, unspecified or otherwise
not globally routable, unless the host is listed in `crawl.allow_hosts`
(exactly as written in the URL: a name, or an IP literal, optionally with a
port). An unresolvable host is not fetched either: failing closed costs one
fetch, and the next scheduled run tries again.

Three exceptions, one base (`UnfetchableURL`), because each needs a
different fix and says so: `BadURL` (not an http(s) URL: fix the URL),
`UnresolvableHost` (DNS failure: check the name or the machine's DNS) and
`BlockedURL` (a non-public address: the only one whose fix may be
`crawl.allow_hosts`).

Known limit: the check resolves the name itself and the downloader resolves
it again, so a DNS server that answers differently the second time
(rebinding) can slip through. Closing that needs a resolver hook in the
download handler (see NetGuardMiddleware in middlewares.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Collection, Iterable
from urllib.parse import urlsplit

__all__ = [
    "BadURL",
    "BlockedURL",
    "Resolver",
    "UnfetchableURL",
    "UnresolvableHost",
    "address_block_reason",
    "check_url",
    "check_url_async",
    "host_is_allowed",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 6052 NAT64 well-known prefix: the last 32 bits are an IPv4 address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


# The guard's resolver hook: (host, port) → the addresses the host resolves to.
# Raises socket.gaierror when the name does not resolve. Tests pass their own.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class UnfetchableURL(Exception):
    """`url` will not be fetched; `reason` is a short slug used in stats keys,
    the message says what happened and what to do."""

    def __init__(self, url: str, reason: str, message: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(message)


class BadURL(UnfetchableURL):
    """Not a fetchable http(s) URL (scheme, no host, malformed): fix the URL."""

    def __init__(self, url: str, reason: str, detail: str) -> None:
        super().__init__(url, reason, f"cannot fetch {url}: {detail}; fix the URL")


class UnresolvableHost(UnfetchableURL):
    """The host name does not resolve (DNS): a typo, or no network or DNS here."""

    def __init__(self, url: str, host: str, detail: str) -> None:
        self.host = host
        super().__init__(
            url,
            "dns",
            f"could not resolve host {host} ({detail}) for {url}; check the host name,"
            " and that this machine can reach its DNS server",
        )


class BlockedURL(UnfetchableURL):
    """The guard's refusal: the host is, or resolves to, a non-public address."""

    def __init__(self, url: str, reason: str, detail: str = "") -> None:
        message = f"refused to fetch {url}: {reason}"
        if detail:
            message += f" ({detail})"
        message += "; list the host in crawl.allow_hosts if it is meant to be crawled"
        super().__init__(url, reason, message)


def address_block_reason(address: str) -> str | None:
    """Why this IP literal may not be fetched, or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    return _reason(_embedded_ipv4(ip) or ip)


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _reason(ip: IPAddress) -> str | None:
    # Order matters: the most specific label wins (127.0.0.1 is also "private").
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    )
    for reason, hit in checks:
        if hit:
            return reason
    # Shared address space (100.64/10), documentation ranges and the like.
    return None if ip.is_global else "non-global"


def host_is_allowed(host: str, port: int | None, allow_hosts: Collection[str]) -> bool:
    """Whether `host` (or `host:port`) is listed; entries without a port allow every port."""
    wanted = {_normalize_host(h) for h in allow_hosts}
    name = _normalize_host(host)
    if name in wanted:
        return True
    if port is None:
        return False
    with_port = f"[{name}]:{port}" if ":" in name else f"{name}:{port}"
    return with_port in wanted


def _normalize_host(host: str) -> str:
    """Lower-case, no trailing dot; IPv6 literals lose their brackets unless a port follows."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    return host


def check_url(url: str, allow_hosts: Collection[str]) -> None:
    """Raise an UnfetchableURL unless `url` is safe to fetch. Blocking DNS; use
    `check_url_async` inside the reactor."""
    host, port = _split(url, allow_hosts)
    if host is None:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(url, host, _resolver_error(exc)) from None
    _check_addresses(url, (str(info[4][0]) for info in infos))


async def check_url_async(
    url: str, allow_hosts: Collection[str], resolve: Resolver | None = None
) -> None:
    """`check_url` with the lookup run off the event loop (or by `resolve`)."""
    host, port = _split(url, allow_hosts)
    if host is None:
        return
    try:
        addresses = await (resolve or resolve_host)(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(url, host, _resolver_error(exc)) from None
    _check_addresses(url, addresses)


async def resolve_host(host: str, port: int) -> list[str]:
    """The system resolver (getaddrinfo), off the event loop."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _resolver_error(exc: Exception) -> str:
    """getaddrinfo's own words ("Name or service not known"), without the errno."""
    if isinstance(exc, socket.gaierror) and len(exc.args) > 1:
        return str(exc.args[1])
    return str(exc) or type(exc).__name__


def _split(url: str, allow_hosts: Collection[str]) -> tuple[str | None, int]:
    """(host still to be resolved, port); host None means allowed without lookup.
    Raises BadURL for bad schemes, missing hosts and malformed URLs, BlockedURL
    for non-public IP literals."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadURL(url, "malformed", str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in _ALLOWED_SCHEMES:
        raise BadURL(
            url,
            "scheme",
            f"scheme {scheme or '(none)'!r} is not supported, only http:// and https://",
        )
    host = _normalize_host(parts.hostname or "")
    if not host:
        raise BadURL(url, "no-host", "the URL has no host name")
    if host_is_allowed(host, port, allow_hosts):
        return None, 0
    effective_port = port or _DEFAULT_PORTS[scheme]
    try:
        reason = address_block_reason(host)
    except ValueError:
        return host, effective_port  # a name: resolve it
    if reason:
        raise BlockedURL(url, reason, f"address {host}")
    return None, effective_port


def _check_addresses(url: str, addresses: Iterable[str]) -> None:
    for address in addresses:
        reason = address_block_reason(address)
        if reason:
            raise BlockedURL(url, reason, f"resolves to {address}")
