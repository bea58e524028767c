"""HMAC signatures: the webhook's request signature and the unsubscribe link's token. Pure.

Webhook receivers verify::

    X-Brigade-Timestamp: 1735689600
    X-Brigade-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw request body)>

and should refuse timestamps more than five minutes away from their clock (replays), and
deduplicate on ``X-Brigade-Delivery`` (a message is retried until a 2xx answer arrives).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "X-Brigade-Signature"
TIMESTAMP_HEADER = "X-Brigade-Timestamp"
DELIVERY_HEADER = "X-Brigade-Delivery"


def sign_body(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_body(secret: str, timestamp: int, body: bytes, signature: str) -> bool:
    return _same(sign_body(secret, timestamp, body), signature)


def _same(expected: str, given: str) -> bool:
    """Constant-time comparison that treats any non-ASCII input as a plain mismatch."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unsubscribe_token(secret: str, customer_id: str, channel: str) -> str:
    payload = _b64(f"{customer_id}:{channel}".encode())
    mac = _b64(hmac.new(secret.encode(), b"unsubscribe:" + payload.encode(), hashlib.sha256).digest()[:18])
    return f"{payload}.{mac}"


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, str] | None:
    """(customer id, channel) when the token is genuine; None otherwise."""
    payload, _, mac = token.partition(".")
    if not payload or not mac:
        return None
    expected = _b64(hmac.new(secret.encode(), b"unsubscribe:" + payload.encode(), hashlib.sha256).digest()[:18])
    if not _same(expected, mac):
        return None
    try:
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    customer_id, _, channel = text.rpartition(":")
    return (customer_id, channel) if customer_id and channel else None
