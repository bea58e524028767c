"""The email channel: SMTP (plain, STARTTLS or SSL), with a one-click List-Unsubscribe header."""

from __future__ import annotations

import logging
import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

from hub.notifications.channels import ChannelNotConfigured, DeliveryFailed, OutgoingMessage
from hub.notifications.settings import NotifySettings

logger = logging.getLogger(__name__)
SMTP_POLICY = policy.SMTP.clone(max_line_length=998)
"""Long headers stay on one line: List-Unsubscribe must remain a plain <url>."""


def build_email(message: OutgoingMessage, sender: str) -> EmailMessage:
    email = EmailMessage(policy=SMTP_POLICY)
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject or message.text[:40]
    email["Message-ID"] = make_msgid(idstring=f"brigade-{message.id}")
    email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text + f"\n\n退订 / unsubscribe: {message.unsubscribe_url}\n")
    return email


class EmailChannel:
    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings

    def send(self, message: OutgoingMessage) -> None:
        s = self._settings
        if not s.smtp_host:
            raise ChannelNotConfigured("no SMTP server configured (BRIGADE_NOTIFY__SMTP_HOST)")
        email = build_email(message, s.smtp_from)
        try:
            smtp_class = smtplib.SMTP_SSL if s.smtp_ssl else smtplib.SMTP
            with smtp_class(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s) as smtp:
                if s.smtp_starttls and not s.smtp_ssl:
                    smtp.starttls()
                if s.smtp_username and s.smtp_password is not None:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            code = getattr(exc, "smtp_code", None)  # never the text: it may quote the address
            raise DeliveryFailed(f"SMTP: {type(exc).__name__}" + (f" {code}" if code else "")) from exc
        logger.info("notification %s sent by email", message.id)
