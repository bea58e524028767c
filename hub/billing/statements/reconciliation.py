"""A store's daily reconciliation: delivered vs charged vs paid, with every difference listed. Pure.

Inputs are one business day of one store: what riders delivered (with the price each delivery
should cost), what the ledger charged, the payments we recorded, and the rows of the providers'
bills for that day. Manual payments (cash, transfers) are never in a provider's bill, so they are
only counted. Every difference is a line a person can act on; ``balanced`` means there is none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hub.billing.bill_import import BillRow, BillRowKind
from hub.billing.bill_matching import ExpectedPayment, match_bill
from hub.billing.payments.port import Provider, yuan


class DifferenceKind(StrEnum):
    DELIVERED_NOT_CHARGED = "delivered_not_charged"
    CHARGED_NOT_DELIVERED = "charged_not_delivered"
    CHARGED_TWICE = "charged_twice"
    CHARGE_AMOUNT_DIFFERS = "charge_amount_differs"
    PAID_NOT_RECORDED = "paid_not_recorded"
    """In the provider's bill, not in our records (a notice we never applied, or a stranger's payment)."""
    RECORDED_NOT_IN_BILL = "recorded_not_in_bill"
    """In our records, not in the provider's bill (applied from a forged or mistaken notice?)."""
    PAYMENT_AMOUNT_DIFFERS = "payment_amount_differs"


@dataclass(frozen=True)
class DeliveredItem:
    delivery_id: str
    customer_id: str
    price_fen: int


@dataclass(frozen=True)
class ChargeRecord:
    charge_id: str
    customer_id: str
    amount_fen: int
    delivery_id: str | None = None
    """The delivery it pays for; None for a charge of no delivery (a fee)."""


@dataclass(frozen=True)
class RecordedPayment:
    reference: str
    customer_id: str
    amount_fen: int
    provider: Provider
    kind: BillRowKind = BillRowKind.PAYMENT
    refund_id: str | None = None


@dataclass(frozen=True)
class Difference:
    kind: DifferenceKind
    customer_id: str | None
    subject: str
    """The delivery, charge or payment reference concerned."""
    amount_fen: int
    detail: str


@dataclass(frozen=True)
class DailyReconciliation:
    store_id: str
    day: date
    delivered_fen: int
    charged_fen: int
    paid_recorded_fen: int
    """Payments minus refunds we recorded, all providers (manual included)."""
    paid_in_bills_fen: int
    """Payments minus refunds in the providers' bills."""
    differences: tuple[Difference, ...]

    @property
    def balanced(self) -> bool:
        return not self.differences


def reconcile_day(
    store_id: str,
    day: date,
    delivered: Iterable[DeliveredItem],
    charges: Iterable[ChargeRecord],
    payments: Iterable[RecordedPayment],
    bill_rows: Iterable[BillRow],
) -> DailyReconciliation:
    delivered, charges, payments, bill_rows = list(delivered), list(charges), list(payments), list(bill_rows)
    differences = _charges(delivered, charges) + _payments(payments, bill_rows)
    return DailyReconciliation(
        store_id=store_id,
        day=day,
        delivered_fen=sum(d.price_fen for d in delivered),
        charged_fen=sum(c.amount_fen for c in charges),
        paid_recorded_fen=sum(_signed(p.kind, p.amount_fen) for p in payments),
        paid_in_bills_fen=sum(_signed(r.kind, r.amount_fen) for r in bill_rows),
        differences=tuple(differences),
    )


def _charges(delivered: list[DeliveredItem], charges: list[ChargeRecord]) -> list[Difference]:
    out: list[Difference] = []
    by_delivery: dict[str, list[ChargeRecord]] = defaultdict(list)
    for c in charges:
        if c.delivery_id is not None:
            by_delivery[c.delivery_id].append(c)
    known = {d.delivery_id for d in delivered}
    for d in delivered:
        mine = by_delivery.get(d.delivery_id, [])
        if not mine:
            out.append(
                Difference(
                    DifferenceKind.DELIVERED_NOT_CHARGED,
                    d.customer_id,
                    d.delivery_id,
                    d.price_fen,
                    f"delivery {d.delivery_id} ({yuan(d.price_fen)} yuan) was not charged",
                )
            )
            continue
        for extra in mine[1:]:
            out.append(
                Difference(
                    DifferenceKind.CHARGED_TWICE,
                    extra.customer_id,
                    extra.charge_id,
                    extra.amount_fen,
                    f"charge {extra.charge_id} charges delivery {d.delivery_id} again (first: {mine[0].charge_id})",
                )
            )
        if mine[0].amount_fen != d.price_fen:
            out.append(
                Difference(
                    DifferenceKind.CHARGE_AMOUNT_DIFFERS,
                    d.customer_id,
                    mine[0].charge_id,
                    mine[0].amount_fen - d.price_fen,
                    f"delivery {d.delivery_id} costs {yuan(d.price_fen)} yuan, "
                    f"charge {mine[0].charge_id} took {yuan(mine[0].amount_fen)}",
                )
            )
        if mine[0].customer_id != d.customer_id:
            out.append(
                Difference(
                    DifferenceKind.CHARGED_NOT_DELIVERED,
                    mine[0].customer_id,
                    mine[0].charge_id,
                    mine[0].amount_fen,
                    f"charge {mine[0].charge_id} is on customer {mine[0].customer_id}, "
                    f"delivery {d.delivery_id} went to {d.customer_id}",
                )
            )
    for delivery_id, mine in by_delivery.items():
        if delivery_id not in known:
            out += [
                Difference(
                    DifferenceKind.CHARGED_NOT_DELIVERED,
                    c.customer_id,
                    c.charge_id,
                    c.amount_fen,
                    f"charge {c.charge_id} is for delivery {delivery_id}, which was not delivered that day",
                )
                for c in mine
            ]
    return out


def _payments(payments: list[RecordedPayment], bill_rows: list[BillRow]) -> list[Difference]:
    expected = [
        ExpectedPayment(p.reference, p.customer_id, p.amount_fen, p.kind, p.refund_id)
        for p in payments
        if p.provider is not Provider.MANUAL
    ]
    result = match_bill(bill_rows, expected, suggest_by_amount=False)
    out = [
        Difference(
            DifferenceKind.PAYMENT_AMOUNT_DIFFERS,
            m.expected.customer_id,
            m.expected.reference,
            m.difference_fen,
            f"{m.row.provider} bill line {m.row.line_no}: {yuan(m.row.amount_fen)} yuan, "
            f"we recorded {yuan(m.expected.amount_fen)}",
        )
        for m in result.amount_mismatched
    ]
    out += [
        Difference(
            DifferenceKind.PAID_NOT_RECORDED,
            None,
            r.reference or r.transaction_id,
            _signed(r.kind, r.amount_fen),
            f"{r.provider} bill line {r.line_no}: {r.kind} of {yuan(r.amount_fen)} yuan "
            f"(transaction {r.transaction_id}) is not in our records",
        )
        for r in (*result.unmatched_rows, *result.duplicate_rows)
    ]
    out += [
        Difference(
            DifferenceKind.RECORDED_NOT_IN_BILL,
            e.customer_id,
            e.reference,
            _signed(e.kind, e.amount_fen),
            f"recorded {e.kind} of {yuan(e.amount_fen)} yuan is in no provider's bill",
        )
        for e in result.missing
    ]
    return out


def _signed(kind: BillRowKind, amount_fen: int) -> int:
    return -amount_fen if kind is BillRowKind.REFUND else amount_fen
