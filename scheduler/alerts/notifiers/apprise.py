"""Any service the apprise library knows (ntfy, Matrix, Pushover, Mattermost, ...): plain text.

For the channels our own six do not cover. The apprise URL names the service
and carries its token, so it comes only from the environment variable named
by `url_env`. apprise reports success as a boolean and the reason for a
failure only in its log, so the log of each send is captured and becomes
the DeliveryError's message (or the answer `notify-test` prints).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import apprise

from crawler.config.alerts import AppriseNotifierConfig
from scheduler.alerts.message import Message
from scheduler.alerts.notifiers.base import DeliveryError, Notifier
from scheduler.alerts.render import text_body

# apprise logs a service's answer at INFO ("Sent JSON notification.") and failures above.
LOG_LEVEL = logging.INFO
# Enough of apprise's log to show what the service answered, on one line.
ANSWER_CHARS = 500


class AppriseNotifier(Notifier[AppriseNotifierConfig]):
    channel = "apprise"

    def send(self, message: Message) -> str:
        url = self.secret(self.settings.url_env, "apprise URL")
        service = apprise.Apprise()
        if not service.add(url):
            # The URL itself is never shown: it holds the service's token.
            raise DeliveryError(
                f"notifier {self.name!r}: the apprise URL in {self.settings.url_env} is not one "
                "apprise understands (see the apprise wiki for the service's URL form)"
            )
        with _captured_log() as captured:
            delivered = service.notify(
                body=text_body(message),
                title=message.headline,
                body_format=apprise.NotifyFormat.TEXT,
            )
        said = " ".join(captured.getvalue().split())[:ANSWER_CHARS]
        if not delivered:
            raise DeliveryError(f"notifier {self.name!r}: apprise did not deliver: {said}")
        return f"apprise: {said or 'delivered'}"


@contextmanager
def _captured_log() -> Iterator[io.StringIO]:
    """apprise's log lines (its "apprise" logger) written while the block runs."""
    logger = logging.getLogger("apprise")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.setLevel(LOG_LEVEL)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(min(level or LOG_LEVEL, LOG_LEVEL))
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
