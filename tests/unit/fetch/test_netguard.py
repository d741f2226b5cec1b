"""crawler.fetch.netguard: the SSRF guard.

Per the network rule, only loopback is ever looked up or contacted. Private and
public addresses appear solely as literals for the pure classification
function, or as fake getaddrinfo answers: no packet leaves the machine.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from crawler.fetch.netguard import (
    BadURL,
    BlockedURL,
    UnfetchableURL,
    UnresolvableHost,
    address_block_reason,
    check_url,
    check_url_async,
    host_is_allowed,
)

CLASSIFICATION_CASES = [
    ("127.0.0.1", "loopback"),
    ("127.0.0.2", "loopback"),
    ("::1", "loopback"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.0.1", "private"),
    ("fd00::1", "private"),
    ("169.254.169.254", "link-local"),  # cloud metadata service
    ("fe80::1%eth0", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("100.64.0.1", "non-global"),  # carrier-grade NAT
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
    ("::ffff:10.0.0.1", "private"),
    ("2002:a00:1::", "private"),  # 6to4 wrapping 10.0.0.1
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 wrapping 169.254.169.254
    ("8.8.8.8", None),
    ("2001:4860:4860::8888", None),
]


@pytest.mark.parametrize(("address", "reason"), CLASSIFICATION_CASES)
def test_address_block_reason(address: str, reason: str | None) -> None:
    assert address_block_reason(address) == reason


def blocked_reason(url: str, allow: list[str]) -> str | None:
    """The refusal's reason; only a guard refusal (BlockedURL) mentions crawl.allow_hosts."""
    try:
        check_url(url, allow)
    except UnfetchableURL as exc:
        assert exc.url == url and url in str(exc)
        assert ("crawl.allow_hosts" in str(exc)) == isinstance(exc, BlockedURL), str(exc)
        return exc.reason
    return None


LOOPBACK_CASES = [
    ("http://127.0.0.1:8080/feed.xml", ["127.0.0.1"], None),
    ("http://127.0.0.2:8080/feed.xml", ["127.0.0.1"], "loopback"),
    ("http://127.0.0.1:8080/", [], "loopback"),
    ("http://localhost:8080/", ["127.0.0.1"], "loopback"),
    ("http://localhost:8080/", ["localhost"], None),
    ("http://LOCALHOST./", ["localhost"], None),
    ("http://127.0.0.1:8080/", ["127.0.0.1:8080"], None),
    ("http://127.0.0.1:9090/", ["127.0.0.1:8080"], "loopback"),
    ("http://[::1]:8080/", ["::1"], None),
    ("http://[::1]:8080/", ["[::1]:8080"], None),
    ("http://[::1]:8080/", [], "loopback"),
    ("http://2130706433/", [], "loopback"),  # 127.0.0.1 as one number
    ("http://127.1/", [], "loopback"),
    ("http://0.0.0.0:8080/", [], "unspecified"),
    ("file:///etc/passwd", ["127.0.0.1"], "scheme"),
    ("ftp://127.0.0.1/x", ["127.0.0.1"], "scheme"),
    ("data:text/plain,hello", [], "scheme"),
    ("gopher://127.0.0.1:70/", ["127.0.0.1"], "scheme"),
    ("http:///nohost", [], "no-host"),
    ("http://127.0.0.1:99999/", ["127.0.0.1"], "malformed"),
]


@pytest.mark.parametrize(("url", "allow", "reason"), LOOPBACK_CASES)
def test_check_url_on_loopback(url: str, allow: list[str], reason: str | None) -> None:
    assert blocked_reason(url, allow) == reason


def fake_getaddrinfo(*addresses: str) -> Any:
    def answer(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        family = socket.AF_INET6 if any(":" in a for a in addresses) else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return answer


def test_a_name_is_refused_if_any_of_its_addresses_is_private(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo("8.8.8.8", "10.0.0.1"))
    assert blocked_reason("https://intranet.example/", []) == "private"


def test_a_name_with_only_public_addresses_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo("8.8.8.8"))
    assert blocked_reason("https://news.example/", []) is None


def test_an_unresolvable_name_is_a_dns_failure_not_a_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(UnresolvableHost) as caught:
        check_url("https://nowhere.example/feed", [])
    assert str(caught.value) == (
        "could not resolve host nowhere.example (Name or service not known) for"
        " https://nowhere.example/feed; check the host name, and that this machine"
        " can reach its DNS server"
    )
    assert caught.value.reason == "dns"


def test_the_async_check_uses_the_resolver_hook() -> None:
    async def no_dns(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def public(host: str, port: int) -> list[str]:
        return ["8.8.8.8"]

    with pytest.raises(UnresolvableHost, match=r"could not resolve host nowhere\.example"):
        asyncio.run(check_url_async("http://nowhere.example/", [], no_dns))
    asyncio.run(check_url_async("http://news.example/", [], public))


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://news.example/feed", "scheme 'ftp' is not supported, only http:// and https://"),
        ("http:///nohost", "the URL has no host name"),
    ],
)
def test_a_bad_url_says_to_fix_the_url(url: str, words: str) -> None:
    with pytest.raises(BadURL) as caught:
        check_url(url, ["127.0.0.1"])
    assert words in str(caught.value) and "fix the URL" in str(caught.value)
    assert "allow_hosts" not in str(caught.value)


def test_a_listed_name_is_not_even_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("must not resolve an allowed host")

    monkeypatch.setattr(socket, "getaddrinfo", explode)
    assert blocked_reason("http://fixture.test:8000/", ["fixture.test"]) is None


def test_check_url_async_matches_the_sync_check() -> None:
    asyncio.run(check_url_async("http://127.0.0.1:1/", ["127.0.0.1"]))
    with pytest.raises(BlockedURL) as caught:
        asyncio.run(check_url_async("http://127.0.0.2:1/", ["127.0.0.1"]))
    assert caught.value.reason == "loopback"
    with pytest.raises(BlockedURL) as caught:
        asyncio.run(check_url_async("http://localhost:1/", ["127.0.0.1"]))
    assert caught.value.reason == "loopback"


@pytest.mark.parametrize(
    ("host", "port", "allow", "expected"),
    [
        ("127.0.0.1", 80, ["127.0.0.1"], True),
        ("127.0.0.1", None, ["127.0.0.1:80"], False),
        ("Fixture.Test", 80, ["fixture.test."], True),
        ("::1", 8080, ["[::1]:8080"], True),
        ("::1", 8081, ["[::1]:8080"], False),
    ],
)
def test_host_is_allowed(host: str, port: int | None, allow: list[str], expected: bool) -> None:
    assert host_is_allowed(host, port, allow) is expected
