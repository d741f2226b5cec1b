"""E-mail over SMTP: STARTTLS (required unless `starttls: false`), text and HTML parts.

The Message-ID is derived from the dedup key, so a message re-sent after a
crash carries the same id and mail clients show it once. A server that does
not offer STARTTLS is refused rather than sent credentials in the clear.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from crawler.config.alerts import EmailNotifierConfig
from scheduler.alerts.escape import escape_html, safe_url
from scheduler.alerts.message import Item, Message
from scheduler.alerts.notifiers.base import DeliveryError, Notifier
from scheduler.alerts.render import emphasize, meta_line, text_body

DELIVERY_HEADER = "X-Newswatch-Delivery"


def build_email(message: Message, sender: str, recipients: list[str]) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.headline  # one line: page text has its whitespace collapsed
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = f"<{message.key}@newswatch>"
    mail[DELIVERY_HEADER] = message.key
    mail.set_content(text_body(message))
    mail.add_alternative(render_html(message), subtype="html")
    return mail


def render_html(message: Message) -> str:
    items = "".join(_item_html(item, message) for item in message.items)
    return (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f"<h2>{escape_html(message.headline)}</h2>{items}</body></html>"
    )


def _item_html(item: Item, message: Message) -> str:
    title = escape_html(item.title)
    url = safe_url(item.url)
    heading = f'<a href="{escape_html(url)}">{title}</a>' if url else title
    snippet = emphasize(item.snippet, escape_html, "<mark>", "</mark>")
    return (
        f"<h3>{heading}</h3>"
        f'<p style="color:#555">{escape_html(meta_line(item))} · '
        f"watch: {escape_html(message.watch)}</p><p>{snippet}</p>"
    )


class _AnsweringSMTP(smtplib.SMTP):
    """smtplib.SMTP that keeps the server's reply to DATA (send_message drops it)."""

    data_reply: tuple[int, bytes] = (0, b"")

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.data_reply = super().data(msg)
        return self.data_reply


class EmailNotifier(Notifier[EmailNotifierConfig]):
    channel = "email"

    def send(self, message: Message) -> str:
        settings = self.settings
        return self.deliver(build_email(message, settings.sender or "", list(settings.to)))

    def deliver(self, mail: EmailMessage) -> str:
        """Send a finished e-mail (an alert, or a briefing with its attachments); the reply."""
        settings = self.settings
        try:
            with _AnsweringSMTP(
                settings.host or "", settings.port, timeout=settings.timeout
            ) as smtp:
                self._secure_and_login(smtp)
                refused = smtp.send_message(mail)
                code, reply = smtp.data_reply
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(
                f"notifier {self.name!r}: SMTP {settings.host}:{settings.port}: {exc}"
            ) from None
        answer = f"SMTP {code} {reply.decode('utf-8', 'replace')}".strip()
        if refused:  # some recipients refused, the others accepted: sent, and said so
            answer += f" (refused: {', '.join(sorted(refused))})"
        return answer

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo()
        if self.settings.starttls:
            if not smtp.has_extn("starttls"):
                raise DeliveryError(
                    f"notifier {self.name!r}: {self.settings.host} does not offer STARTTLS; "
                    "refusing to send in clear (set starttls: false only for a local relay)"
                )
            # The system's CA store (SSL_CERT_FILE is honoured), hostname checked.
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if self.settings.username_env:
            user = self.secret(self.settings.username_env, "SMTP user")
            password = self.secret(self.settings.password_env, "SMTP password")
            smtp.login(user, password)
