"""Notifications' public module for other domains: queueing a message once per key, and who a
notification went to (a customer's reply to it names the notification)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from hub.notifications.channels import Channel, CouponLookup, CouponShown
from hub.notifications.schemas import SendIn
from hub.notifications.sender import NotificationSender
from hub.notifications.service import notifications, queue_message
from hub.notifications.tables import MessageTemplate, Notification


def notification_recipient(session: Session, notification_id: int) -> tuple[str, str] | None:
    """(customer id, channel) of a notification, or None when there is no such notification."""
    row = session.execute(
        select(notifications.c.customer_id, notifications.c.channel).where(notifications.c.id == notification_id)
    ).first()
    return None if row is None else (str(row.customer_id), str(row.channel))


notifications_table = Notification.__table__  # type: ignore[attr-defined]

MessageChannel = Channel

__all__ = [
    "Channel",
    "CouponLookup",
    "CouponShown",
    "MessageChannel",
    "MessageTemplate",
    "Notification",
    "NotificationSender",
    "SendIn",
    "notification_recipient",
    "notifications_table",
    "queue_message",
]
