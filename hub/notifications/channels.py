"""The delivery channels: a port, and what one message looks like when it leaves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session


class Channel(StrEnum):
    """Where a message goes: a text message, WeChat, or an email."""

    SMS = "sms"
    WECHAT = "wechat"
    EMAIL = "email"


@dataclass(frozen=True)
class CouponShown:
    """A coupon as a message shows it."""

    code: str
    title: str
    valid_until: datetime


class CouponLookup(Protocol):
    """The coupon a message names (marketing provides it: ``hub.marketing.api.coupon_for_message``)."""

    def __call__(self, session: Session, coupon_id: int) -> CouponShown: ...


class DeliveryFailed(Exception):
    """The channel did not take the message; it is retried with backoff."""


class ChannelNotConfigured(DeliveryFailed):
    """No gateway / SMTP server configured for this channel: the message waits."""


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    channel: str
    customer_id: str
    to: str
    """E.164 phone (sms), WeChat openid (wechat) or email address (email)."""
    name: str
    subject: str
    text: str
    rule_id: str | None
    coupon_code: str | None
    unsubscribe_url: str
    created_at: datetime


class DeliveryPort(Protocol):
    def send(self, message: OutgoingMessage) -> None:
        """Deliver, or raise DeliveryFailed. Blocking: the sender calls it from a worker thread."""
