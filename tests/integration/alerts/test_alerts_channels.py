"""Each channel against a real server on loopback (no search engine needed)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from crawler.config import NotifierConfig, notifier_config
from scheduler.alerts.message import Item, Message
from scheduler.alerts.notifiers import DeliveryError, build_notifier
from tests.conftest import RecordingServer
from tests.integration.alerts.test_alerts import Inbox, LoopbackSMTP

MESSAGE = Message(
    key="d-0123",
    watch="daegu",
    items=(
        Item(
            title="대구시, 알리바바 방문",
            url="https://news.example.kr/a/1",
            outlet="내일신문",
            published=dt.datetime(2018, 12, 19, 6, 27, tzinfo=dt.UTC),
            snippet=(("대구시가 ", False), ("스마트시티", True), ("를 추진", False)),
        ),
    ),
)


def ok(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    return 200, {}, {"ok": True}


@pytest.mark.parametrize("channel", ["slack", "discord", "teams"])
def test_chat_webhooks_post_their_payload_with_the_url_from_the_environment(channel: str) -> None:
    with RecordingServer(ok) as server:
        settings = notifier_config(type=channel, url_env="HOOK_URL", timeout=3)  # type: ignore[arg-type]
        build_notifier("chat", settings, {"HOOK_URL": server.url + "/hooks/T0/secret"}).send(
            MESSAGE
        )
    assert len(server.requests) == 1 and server.requests[0]["path"] == "/hooks/T0/secret"
    assert "대구시, 알리바바 방문" in server.requests[0]["body"].decode()


def test_telegram_posts_send_message_with_the_token_in_the_path() -> None:
    with RecordingServer(ok) as server:
        settings = notifier_config(
            type="telegram", url=server.url, token_env="TG_TOKEN", chat_id="-100", timeout=3
        )
        build_notifier("tg", settings, {"TG_TOKEN": "123:abc"}).send(MESSAGE)
    request = server.requests[0]
    assert request["path"] == "/bot123:abc/sendMessage"
    assert json.loads(request["body"])["parse_mode"] == "HTML"


def test_errors_keep_secrets_out_and_carry_retry_after() -> None:
    def limited(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        return 429, {"Retry-After": "42"}, {"retry": True}

    with RecordingServer(limited) as server:
        settings = notifier_config(type="slack", url_env="HOOK_URL", timeout=3)
        notifier = build_notifier("chat", settings, {"HOOK_URL": server.url + "/hooks/secret"})
        with pytest.raises(DeliveryError) as info:
            notifier.send(MESSAGE)
    assert info.value.retry_after == 42.0
    assert "429" in str(info.value) and "secret" not in str(info.value)


def test_missing_secret_is_a_delivery_error_naming_the_variable() -> None:
    settings = notifier_config(type="webhook", url="http://127.0.0.1:9/", secret_env="NOPE")
    with pytest.raises(DeliveryError, match="environment variable NOPE"):
        build_notifier("hook", settings, {}).send(MESSAGE)


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture()
def tls_smtp(tmp_path: Path) -> Iterator[tuple[LoopbackSMTP, Inbox, Path]]:
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = LoopbackSMTP(
        inbox, hostname="127.0.0.1", port=0, tls_context=context, require_starttls=True
    )
    controller.start()
    yield controller, inbox, cert
    controller.stop()


def email_settings(port: int, starttls: bool = True) -> NotifierConfig:
    return notifier_config(
        type="email",
        host="127.0.0.1",
        port=port,
        starttls=starttls,
        sender="newswatch@example.org",
        to=["analyst@example.org"],
        timeout=5,
    )


def test_email_over_starttls_verifies_the_server_certificate(
    tls_smtp: tuple[LoopbackSMTP, Inbox, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    controller, inbox, cert = tls_smtp
    notifier = build_notifier("mail", email_settings(controller.port), {})
    with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
        notifier.send(MESSAGE)  # self-signed and not trusted yet
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    notifier.send(MESSAGE)
    assert len(inbox.messages) == 1
    assert inbox.messages[0]["Message-ID"] == "<d-0123@newswatch>"


def test_email_refuses_a_server_without_starttls() -> None:
    inbox = Inbox()
    controller = LoopbackSMTP(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            build_notifier("mail", email_settings(controller.port), {}).send(MESSAGE)
    finally:
        controller.stop()
    assert inbox.messages == []
