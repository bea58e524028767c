"""Reminders and notices as computed facts; the service layer puts them in the notification outbox. Pure.

Each fact carries a ``key`` for the outbox's uniqueness, chosen so a job that runs every hour
sends each reminder once: a low-balance reminder once per funding (a new top-up may trigger the
next one), an expiring-plan reminder once per term end, a delivered/charged notice once per delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.billing.delivery_charges import ChargeResult, DeliveryOutcome, DeliveryReport
from hub.billing.ledger import Ledger


@dataclass(frozen=True)
class LowBalance:
    key: str
    account_id: str
    balance_fen: int
    threshold_fen: int
    deliveries_left: int
    """Whole deliveries the balance still pays for."""


@dataclass(frozen=True)
class PlanExpiring:
    key: str
    subscription_id: str
    ends_on: date
    days_left: int
    """0 on the last day of the term."""
    remaining_deliveries: int
    renews_automatically: bool
    """True: the reminder says it renews (with consent) rather than asking to renew."""


@dataclass(frozen=True)
class DeliveredNotice:
    key: str
    delivery_key: str
    outcome: DeliveryOutcome
    charged_fen: int
    balance_fen: int
    """The balance after the charge, as the customer should see it."""


def low_balance(
    ledger: Ledger, *, per_delivery_fen: int, threshold_deliveries: int, subject: str | None = None
) -> LowBalance | None:
    """A reminder when the balance is below ``threshold_deliveries`` deliveries' cost, keyed by
    ``subject`` (a subscription; default the account) and the latest funding."""
    if per_delivery_fen <= 0 or threshold_deliveries <= 0:
        return None
    threshold = per_delivery_fen * threshold_deliveries
    balance = ledger.balance_fen
    if balance >= threshold:
        return None
    credit = ledger.last_credit()
    funding = credit.key if credit is not None else "none"
    return LowBalance(
        key=f"low-balance:{subject or ledger.account_id}:{funding}",
        account_id=ledger.account_id,
        balance_fen=balance,
        threshold_fen=threshold,
        deliveries_left=max(balance, 0) // per_delivery_fen,
    )


def plan_expiring(
    *,
    subscription_id: str,
    ends_on: date,
    today: date,
    remind_days_before: int,
    remaining_deliveries: int,
    renews_automatically: bool,
) -> PlanExpiring | None:
    """A reminder from ``remind_days_before`` days before the term's last day through that day."""
    days_left = (ends_on - today).days
    if not 0 <= days_left <= remind_days_before:
        return None
    return PlanExpiring(
        key=f"plan-expiring:{subscription_id}:{ends_on.isoformat()}",
        subscription_id=subscription_id,
        ends_on=ends_on,
        days_left=days_left,
        remaining_deliveries=remaining_deliveries,
        renews_automatically=renews_automatically,
    )


def delivered_notice(report: DeliveryReport, result: ChargeResult) -> DeliveredNotice | None:
    """The "delivered / charged" notice, only for the report that made the charge (or a free outcome)."""
    if result.entry is not None and not result.created:
        return None  # a retried report: the notice went out with the first one
    charged = -result.entry.amount_fen if result.entry is not None else 0
    return DeliveredNotice(
        key=f"delivered:{report.delivery_key}",
        delivery_key=report.delivery_key,
        outcome=report.outcome,
        charged_fen=charged,
        balance_fen=result.ledger.balance_fen,
    )
