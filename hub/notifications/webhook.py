"""The webhook channel: one HMAC-SHA256-signed JSON POST per message (see ``signing``).

Body (UTF-8 JSON)::

    {"id": 42, "channel": "sms", "to": "+8613812345678", "customer_id": "...", "name": "王小明",
     "subject": "", "text": "王小明，好久不见！...", "rule_id": "win-back", "coupon_code": "3F0A...",
     "unsubscribe_url": "https://.../unsubscribe?token=...", "created_at": "2025-06-30T12:00:00+00:00"}

Any 2xx answer is delivery; anything else (or no answer within the timeout) is retried.
"""

from __future__ import annotations

import json
import logging
import time

import httpx

from hub.notifications.channels import ChannelNotConfigured, DeliveryFailed, OutgoingMessage
from hub.notifications.signing import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_body

logger = logging.getLogger(__name__)


def message_body(message: OutgoingMessage) -> bytes:
    return json.dumps(
        {
            "id": message.id,
            "channel": message.channel,
            "to": message.to,
            "customer_id": message.customer_id,
            "name": message.name,
            "subject": message.subject,
            "text": message.text,
            "rule_id": message.rule_id,
            "coupon_code": message.coupon_code,
            "unsubscribe_url": message.unsubscribe_url,
            "created_at": message.created_at.isoformat(),
        },
        ensure_ascii=False,
    ).encode()


class WebhookChannel:
    def __init__(self, url: str | None, secret: str, timeout_s: float = 10.0) -> None:
        self._url = url
        self._secret = secret
        self._timeout = timeout_s

    def send(self, message: OutgoingMessage) -> None:
        if not self._url:
            raise ChannelNotConfigured("no webhook gateway configured (BRIGADE_NOTIFY__WEBHOOK_URL)")
        body = message_body(message)
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: sign_body(self._secret, stamp, body),
            DELIVERY_HEADER: str(message.id),
            "User-Agent": "brigade-hub",
        }
        try:
            response = httpx.post(self._url, content=body, headers=headers, timeout=self._timeout)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"webhook unreachable: {type(exc).__name__}") from exc
        if not response.is_success:
            raise DeliveryFailed(f"webhook answered {response.status_code}")
        logger.info("notification %s delivered to the webhook gateway (%s)", message.id, message.channel)
