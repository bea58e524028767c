"""The sender job: delivers queued notifications, one row per transaction, with retries.

Consent and contact are checked now, at send time (a customer who unsubscribed after being
targeted gets nothing); quiet hours push a message to the next allowed moment; a failed
attempt is retried with exponential backoff until ``max_attempts``, then marked failed (kept,
and retryable). Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so several hub processes
never send the same row at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from hub.crm.api import CustomerConsent, CustomerProfile, CustomerStats, load_config
from hub.customers.api import Customer, CustomerIdentity
from hub.db import Database
from hub.db_types import utcnow
from hub.kernel.business_days import zone
from hub.kernel.sql_dialect import is_postgres
from hub.loyalty.api import balance
from hub.notifications.channels import (
    ChannelNotConfigured,
    CouponLookup,
    DeliveryFailed,
    DeliveryPort,
    OutgoingMessage,
)
from hub.notifications.email_channel import EmailChannel
from hub.notifications.quiet_hours import quiet_until
from hub.notifications.settings import NotifySettings
from hub.notifications.signing import unsubscribe_token
from hub.notifications.tables import MessageTemplate, Notification
from hub.notifications.templates import VARIABLES, render
from hub.notifications.webhook import WebhookChannel
from hub.stores.api import Store

logger = logging.getLogger(__name__)

notifications = Notification.__table__  # type: ignore[attr-defined]
message_templates = MessageTemplate.__table__  # type: ignore[attr-defined]
customers = Customer.__table__  # type: ignore[attr-defined]
identities = CustomerIdentity.__table__  # type: ignore[attr-defined]
consents = CustomerConsent.__table__  # type: ignore[attr-defined]
profiles = CustomerProfile.__table__  # type: ignore[attr-defined]
stats = CustomerStats.__table__  # type: ignore[attr-defined]
stores = Store.__table__  # type: ignore[attr-defined]


@dataclass
class SendResult:
    sent: int = 0
    suppressed: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.suppressed + self.retried + self.failed + self.deferred


def backoff(settings: NotifySettings, attempts: int) -> timedelta:
    return timedelta(seconds=min(settings.backoff_max_s, settings.backoff_base_s * 2 ** max(0, attempts - 1)))


def unsubscribe_url(settings: NotifySettings, secret: str, customer_id: str, channel: str) -> str:
    token = unsubscribe_token(secret, customer_id, channel)
    return f"{settings.public_base_url.rstrip('/')}/unsubscribe?token={token}"


def contact_for(session: Session, customer_id: str, channel: str) -> str | None:
    if channel == "email":
        return session.execute(select(profiles.c.email).where(profiles.c.customer_id == customer_id)).scalar()
    kind, namespace = ("phone", "") if channel == "sms" else ("platform", "wechat")
    return session.execute(
        select(identities.c.value)
        .where(identities.c.customer_id == customer_id, identities.c.kind == kind, identities.c.namespace == namespace)
        .order_by(identities.c.id)
        .limit(1)
    ).scalar()


class NotificationSender:
    def __init__(
        self,
        db: Database,
        settings: NotifySettings,
        secret: str,
        *,
        default_tz: str,
        coupons: CouponLookup,
        channels: dict[str, DeliveryPort] | None = None,
    ) -> None:
        """``coupons``: a message naming a coupon shows its code, title and last day (marketing's lookup)."""
        self._db = db
        self._coupons = coupons
        self._settings = settings
        self._secret = secret
        self._default_tz = default_tz
        webhook_secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else secret
        webhook = WebhookChannel(settings.webhook_url, webhook_secret, settings.webhook_timeout_s)
        self._channels: dict[str, DeliveryPort] = channels or {
            "sms": webhook,
            "wechat": webhook,
            "email": EmailChannel(settings),
        }

    def send_due(self, now: datetime | None = None, limit: int | None = None) -> SendResult:
        """Handle the queued messages that are due; blocking (run it in a worker thread)."""
        result = SendResult()
        for _ in range(limit or self._settings.batch_size):
            moment = now or utcnow()
            with self._db.session() as session:
                query = (
                    select(notifications)
                    .where(notifications.c.status == "queued", notifications.c.next_attempt_at <= moment)
                    .order_by(notifications.c.next_attempt_at, notifications.c.id)
                    .limit(1)
                )
                if is_postgres(session):
                    query = query.with_for_update(skip_locked=True)
                row = session.execute(query).first()
                if row is None:
                    break
                self._handle(session, row, moment, result)
                session.commit()
        return result

    def _set(self, session: Session, row: Any, **values: Any) -> None:
        session.execute(update(notifications).where(notifications.c.id == row.id).values(**values))

    def _handle(self, session: Session, row: Any, now: datetime, result: SendResult) -> None:
        reason = self._refusal(session, row)
        if reason is not None:
            self._set(session, row, status="suppressed", last_error=reason)
            result.suppressed += 1
            logger.info("notification %s suppressed: %s", row.id, reason)
            return
        tz = session.execute(select(stats.c.timezone).where(stats.c.customer_id == row.customer_id)).scalar()
        resume = quiet_until(now, tz or self._default_tz, self._settings.quiet_start, self._settings.quiet_end)
        if resume is not None:
            self._set(session, row, next_attempt_at=resume)
            result.deferred += 1
            return
        message = self._message(session, row, tz or self._default_tz)
        try:
            self._channels[row.channel].send(message)
        except ChannelNotConfigured as exc:
            self._set(session, row, next_attempt_at=now + backoff(self._settings, 99), last_error=str(exc)[:500])
            result.deferred += 1
            return
        except DeliveryFailed as exc:
            attempts = row.attempts + 1
            if attempts >= self._settings.max_attempts:
                self._set(session, row, status="failed", attempts=attempts, last_error=str(exc)[:500])
                result.failed += 1
                logger.warning("notification %s failed for good after %d attempts: %s", row.id, attempts, exc)
            else:
                later = now + backoff(self._settings, attempts)
                self._set(session, row, attempts=attempts, next_attempt_at=later, last_error=str(exc)[:500])
                result.retried += 1
                logger.info("notification %s attempt %d failed (%s); next at %s", row.id, attempts, exc, later)
            return
        self._set(session, row, status="sent", attempts=row.attempts + 1, sent_at=now, last_error=None)
        result.sent += 1

    def _refusal(self, session: Session, row: Any) -> str | None:
        customer = session.execute(select(customers).where(customers.c.id == row.customer_id)).first()
        if customer is None or customer.anonymised_at is not None:
            return "the customer's personal data was erased"
        if customer.merged_into_id is not None:
            return "the customer was merged into another"
        if row.channel not in self._channels:
            return f"unknown channel {row.channel}"
        consented = session.execute(
            select(consents.c.granted).where(
                consents.c.customer_id == row.customer_id, consents.c.channel == row.channel
            )
        ).scalar()
        if not consented:
            return f"no consent for {row.channel} (or unsubscribed)"
        if contact_for(session, row.customer_id, row.channel) is None:
            return f"no {row.channel} contact"
        return None

    def _message(self, session: Session, row: Any, tz: str) -> OutgoingMessage:
        template = session.execute(select(message_templates).where(message_templates.c.id == row.template_id)).one()
        customer = session.execute(select(customers).where(customers.c.id == row.customer_id)).one()
        store_name = ""
        if customer.home_store_id:
            store_name = (
                session.execute(select(stores.c.name).where(stores.c.id == customer.home_store_id)).scalar() or ""
            )
        values: dict[str, object] = {
            "name": customer.display_name or "亲爱的顾客",
            "store_name": store_name,
            "points": balance(session, row.customer_id),
            "unsubscribe_url": unsubscribe_url(self._settings, self._secret, row.customer_id, row.channel),
        }
        tier = session.execute(select(stats.c.tier).where(stats.c.customer_id == row.customer_id)).scalar()
        names = {t.code: t.name for t in load_config(session).tiers}
        values["tier"] = names.get(tier or "", "会员")
        code = None
        if row.coupon_id is not None:
            coupon = self._coupons(session, row.coupon_id)
            code = coupon.code
            values["coupon_code"] = code
            values["coupon_title"] = coupon.title
            last_day = (coupon.valid_until - timedelta(microseconds=1)).astimezone(zone(tz)).date()
            values["coupon_valid_until"] = f"{last_day.month}月{last_day.day}日"
        values.update({k: v for k, v in dict(row.variables or {}).items() if k in VARIABLES})
        to = contact_for(session, row.customer_id, row.channel)
        assert to is not None
        return OutgoingMessage(
            id=row.id,
            channel=row.channel,
            customer_id=row.customer_id,
            to=to,
            name=str(values["name"]),
            subject=render(template.subject, values),
            text=render(template.body, values),
            rule_id=row.rule_id,
            coupon_code=code,
            unsubscribe_url=str(values["unsubscribe_url"]),
            created_at=row.created_at,
        )
