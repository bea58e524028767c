"""A delivery is charged once, when it has a final outcome; failed and not-home follow a policy. Pure.

``DELIVERED`` charges the delivery's amount. ``FAILED`` (the depot could not deliver) and
``NOT_HOME`` (nobody to hand it to) each follow a ``FailureRule``: charge in full, charge nothing,
or charge a fixed fee. A delivery still pending cannot be charged. The charge's key is derived from
the delivery key, and the ledger refuses a second charge of one delivery under any key, so a
retried report charges nothing twice; a report that contradicts the charge already made (delivered,
then failed) is refused: correct it with a refund.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from hub.billing.errors import AlreadyCharged, InvalidEntry, NotDelivered
from hub.billing.ledger import EntryKind, Ledger, LedgerEntry, delivery_charge_key


class DeliveryOutcome(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    NOT_HOME = "not_home"


class FailureCharge(StrEnum):
    FULL = "full"
    NONE = "none"
    FEE = "fee"


@dataclass(frozen=True)
class FailureRule:
    charge: FailureCharge = FailureCharge.NONE
    fee_fen: int = 0

    def __post_init__(self) -> None:
        if (self.charge is FailureCharge.FEE) != (self.fee_fen > 0) or self.fee_fen < 0:
            raise InvalidEntry("a fee rule needs a positive fee_fen; other rules take none")

    def amount_fen(self, delivery_amount_fen: int) -> int:
        if self.charge is FailureCharge.FULL:
            return delivery_amount_fen
        if self.charge is FailureCharge.FEE:
            return self.fee_fen
        return 0


@dataclass(frozen=True)
class ChargePolicy:
    failed: FailureRule = field(default_factory=FailureRule)
    """Default: a delivery the depot could not make costs nothing."""
    not_home: FailureRule = field(default_factory=lambda: FailureRule(FailureCharge.FULL))
    """Default: goods brought to a customer who was not there are charged in full."""

    def rule_for(self, outcome: DeliveryOutcome) -> FailureRule | None:
        if outcome is DeliveryOutcome.FAILED:
            return self.failed
        if outcome is DeliveryOutcome.NOT_HOME:
            return self.not_home
        return None

    def amount_fen(self, outcome: DeliveryOutcome, delivery_amount_fen: int) -> int:
        if outcome is DeliveryOutcome.PENDING:
            raise NotDelivered("a delivery is charged when it is delivered (or has failed), not before")
        rule = self.rule_for(outcome)
        return delivery_amount_fen if rule is None else rule.amount_fen(delivery_amount_fen)

    def uses_plan_delivery(self, outcome: DeliveryOutcome) -> bool:
        """Whether the outcome uses up the plan's delivery (a punch card's punch): only when charged in full."""
        rule = self.rule_for(outcome)
        return outcome is DeliveryOutcome.DELIVERED or (rule is not None and rule.charge is FailureCharge.FULL)


@dataclass(frozen=True)
class DeliveryReport:
    delivery_key: str
    """The generated delivery's key, e.g. ``DeliveryKey.as_text()`` (``<subscription>/<date>``)."""
    business_date: date
    outcome: DeliveryOutcome
    amount_fen: int
    """What the delivery costs when delivered."""
    at: datetime
    actor: str
    """Who reported the outcome (``rider:<id>``)."""


@dataclass(frozen=True)
class ChargeResult:
    ledger: Ledger
    entry: LedgerEntry | None
    """The delivery's charge (None: the policy charges nothing for this outcome)."""
    created: bool
    """False when the charge was already there (a retried report) or nothing was charged."""
    gives_back_plan_delivery: bool
    """True when a punch card should get the delivery back (``Subscription.return_punch``)."""


def charge_delivery(ledger: Ledger, report: DeliveryReport, policy: ChargePolicy) -> ChargeResult:
    if report.amount_fen < 0:
        raise InvalidEntry(f"delivery {report.delivery_key}: its amount must not be negative")
    amount = policy.amount_fen(report.outcome, report.amount_fen)
    gives_back = not policy.uses_plan_delivery(report.outcome)
    existing = ledger.charge_for(report.delivery_key)
    if amount == 0:
        if existing is not None:
            raise AlreadyCharged(
                f"{report.delivery_key} was already charged {-existing.amount_fen} fen; refund it instead of "
                f"reporting it {report.outcome}"
            )
        return ChargeResult(ledger, None, created=False, gives_back_plan_delivery=gives_back)
    entry = LedgerEntry(
        key=delivery_charge_key(report.delivery_key),
        kind=EntryKind.DELIVERY_CHARGE,
        amount_fen=-amount,
        business_date=report.business_date,
        at=report.at,
        actor=report.actor,
        refers_to=report.delivery_key,
        note=str(report.outcome),
    )
    appended = ledger.append(entry)
    return ChargeResult(appended.ledger, appended.entry, appended.created, gives_back_plan_delivery=gives_back)
