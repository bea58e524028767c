"""A rider reports a generated delivery's outcome: it is charged once (per the store's policy), a punch
card gets a failed delivery back, and the customer gets the delivered / low-balance notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from hub.billing.api import DeliveryOutcome, DeliveryReport, balance_fen, charge, load_ledger, low_balance
from hub.errors import NotFound
from hub.kernel.principal import Principal
from hub.notifications.api import Channel, SendIn, queue_message
from hub.subscriptions import service
from hub.subscriptions.errors import OutcomeAlreadyReported
from hub.subscriptions.generation import DeliveryKey
from hub.subscriptions.tables import SubscriptionDelivery, SubscriptionRecord
from hub.subscriptions.timeline import ChangeStamp

DELIVERED_TEMPLATE = "subscription-delivered"
LOW_BALANCE_TEMPLATE = "subscription-low-balance"


@dataclass(frozen=True)
class RecordedOutcome:
    delivery: SubscriptionDelivery
    charged_fen: int
    balance_fen: int
    low_balance: bool


def visible_delivery(session: Session, principal: Principal, delivery_id: int) -> SubscriptionDelivery:
    row = session.get(SubscriptionDelivery, delivery_id)
    if row is None or not principal.sees_store(row.store_id):
        raise NotFound("no subscription delivery with this id")  # no id: it may be another store's
    return row


def record_outcome(
    session: Session, principal: Principal, delivery_id: int, outcome: DeliveryOutcome, now: datetime
) -> RecordedOutcome:
    row = visible_delivery(session, principal, delivery_id)
    if row.outcome not in (DeliveryOutcome.PENDING, outcome):
        raise OutcomeAlreadyReported(
            f"delivery {delivery_id} was already reported {row.outcome}; correct it with a refund"
        )
    settings = service.store_settings(session, row.store_id)
    key = DeliveryKey(row.subscription_id, row.business_date).as_text()
    report = DeliveryReport(key, row.business_date, outcome, row.amount_fen, now, principal.label)
    result = charge(session, row.customer_id, report, service.charge_policy(settings), row.store_id)
    first_report = row.outcome == DeliveryOutcome.PENDING
    if first_report:
        row.outcome, row.finished_at, row.finished_by = str(outcome), now, principal.label
        session.add(row)
        if result.gives_back_plan_delivery:
            _give_back_punch(session, row, principal, now)
    balance = balance_fen(session, row.customer_id)
    low = low_balance(
        load_ledger(session, row.customer_id),
        per_delivery_fen=row.amount_fen,
        threshold_deliveries=settings.low_balance_deliveries,
        subject=row.subscription_id,
    )
    if first_report and outcome is DeliveryOutcome.DELIVERED:
        _notify(session, row.customer_id, DELIVERED_TEMPLATE, f"delivered:{key}", principal)
    if first_report and low is not None:
        _notify(session, row.customer_id, LOW_BALANCE_TEMPLATE, low.key, principal)
    session.flush()
    charged = -result.entry.amount_fen if result.entry is not None else 0
    return RecordedOutcome(row, charged, balance, low is not None)


def _give_back_punch(session: Session, row: SubscriptionDelivery, principal: Principal, now: datetime) -> None:
    record = session.get(SubscriptionRecord, row.subscription_id)
    if record is None:
        return
    before = service.load(session, record)
    if before.plan.is_punch_card and row.plan_deliveries > 0:
        after = before.return_punch(
            row.business_date, f"{row.outcome}, not charged", by=ChangeStamp(principal.label, now)
        )
        service.store(session, record, before, after, now)


def _notify(session: Session, customer_id: str, template: str, key: str, principal: Principal) -> None:
    """Through the notification outbox; the same key queues once (consent is checked when sent)."""
    body = SendIn(template_id=template, channel=Channel.WECHAT, key=key.replace(" ", "_")[:120])
    queue_message(session, customer_id, body, principal.label)
