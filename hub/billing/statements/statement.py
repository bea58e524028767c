"""A customer's monthly statement and a payment receipt, as plain values. Pure.

The statement lists every day of the month (in the store's timezone) with its deliveries, pauses,
charges and payments and the balance at the end of the day; the closing balance is the opening
balance plus payments minus charges. Given the ledger's own closing balance, the builder refuses a
statement that does not add up to it (an entry missing from the inputs).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import ClassVar

from hub.billing.payments.port import Provider, yuan
from hub.errors import InvalidInput
from hub.kernel.business_days import CHINA


class StatementInputError(InvalidInput):
    code: ClassVar[str] = "billing.statement_input"


@dataclass(frozen=True)
class DeliveryLine:
    day: date
    delivery_id: str
    product: str
    quantity: int
    unit: str = "瓶"


@dataclass(frozen=True)
class PauseLine:
    day: date
    reason: str = ""


@dataclass(frozen=True)
class ChargeLine:
    day: date
    charge_id: str
    description: str
    amount_fen: int
    """Taken from the balance; negative for a credit (an adjustment in the customer's favour)."""


@dataclass(frozen=True)
class PaymentLine:
    at: datetime
    payment_id: str
    provider: Provider
    amount_fen: int
    """Added to the balance; negative for a refund."""
    reference: str = ""


@dataclass(frozen=True)
class StatementDay:
    day: date
    deliveries: tuple[DeliveryLine, ...]
    pauses: tuple[PauseLine, ...]
    charges: tuple[ChargeLine, ...]
    payments: tuple[PaymentLine, ...]
    closing_balance_fen: int

    @property
    def charged_fen(self) -> int:
        return sum(c.amount_fen for c in self.charges)

    @property
    def paid_fen(self) -> int:
        return sum(p.amount_fen for p in self.payments)

    @property
    def quiet(self) -> bool:
        return not (self.deliveries or self.pauses or self.charges or self.payments)


@dataclass(frozen=True)
class MonthlyStatement:
    customer_id: str
    customer_name: str
    store_name: str
    year: int
    month: int
    opening_balance_fen: int
    days: tuple[StatementDay, ...]
    generated_at: datetime
    currency: str = "CNY"

    @property
    def closing_balance_fen(self) -> int:
        return self.days[-1].closing_balance_fen if self.days else self.opening_balance_fen

    @property
    def charged_fen(self) -> int:
        return sum(d.charged_fen for d in self.days)

    @property
    def paid_fen(self) -> int:
        return sum(d.paid_fen for d in self.days)

    @property
    def delivered_quantity(self) -> int:
        return sum(x.quantity for d in self.days for x in d.deliveries)

    @property
    def title(self) -> str:
        return f"{self.store_name} 鲜奶月结单 {self.year}年{self.month}月"


def build_monthly_statement(
    *,
    customer_id: str,
    customer_name: str,
    store_name: str,
    year: int,
    month: int,
    opening_balance_fen: int,
    generated_at: datetime,
    deliveries: Iterable[DeliveryLine] = (),
    pauses: Iterable[PauseLine] = (),
    charges: Iterable[ChargeLine] = (),
    payments: Iterable[PaymentLine] = (),
    expected_closing_fen: int | None = None,
    tz: tzinfo = CHINA,
) -> MonthlyStatement:
    if generated_at.tzinfo is None:
        raise StatementInputError("generated_at must be timezone-aware")
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    by_day: dict[date, tuple[list[DeliveryLine], list[PauseLine], list[ChargeLine], list[PaymentLine]]] = {}
    for n in range(last.day):
        by_day[date(year, month, n + 1)] = ([], [], [], [])

    def slot(day: date, what: str) -> tuple[list[DeliveryLine], list[PauseLine], list[ChargeLine], list[PaymentLine]]:
        if not first <= day <= last:
            raise StatementInputError(f"{what} on {day} is not in {year}-{month:02d}")
        return by_day[day]

    for d in deliveries:
        slot(d.day, f"delivery {d.delivery_id}")[0].append(d)
    for p in pauses:
        slot(p.day, "a pause")[1].append(p)
    for c in charges:
        slot(c.day, f"charge {c.charge_id}")[2].append(c)
    for pay in payments:
        if pay.at.tzinfo is None:
            raise StatementInputError(f"payment {pay.payment_id} has a naive time")
        slot(pay.at.astimezone(tz).date(), f"payment {pay.payment_id}")[3].append(pay)

    balance = opening_balance_fen
    days = []
    for day, (dels, paus, chs, pays) in by_day.items():
        pays.sort(key=lambda p: p.at)
        balance += sum(p.amount_fen for p in pays) - sum(c.amount_fen for c in chs)
        days.append(StatementDay(day, tuple(dels), tuple(paus), tuple(chs), tuple(pays), balance))
    if expected_closing_fen is not None and expected_closing_fen != balance:
        raise StatementInputError(
            f"the statement of {customer_id} for {year}-{month:02d} closes at {yuan(balance)} yuan "
            f"but the ledger says {yuan(expected_closing_fen)}: an entry is missing",
            customer_id=customer_id,
        )
    return MonthlyStatement(
        customer_id, customer_name, store_name, year, month, opening_balance_fen, tuple(days), generated_at
    )


@dataclass(frozen=True)
class PaymentReceipt:
    receipt_no: str
    customer_id: str
    customer_name: str
    store_name: str
    amount_fen: int
    provider: Provider
    paid_at: datetime
    reference: str = ""
    transaction_id: str | None = None
    balance_after_fen: int | None = None
    received_by: str | None = None
    """Manual payments: who took the money."""
    currency: str = "CNY"

    PROVIDER_NAMES: ClassVar[dict[Provider, str]] = {
        Provider.WECHAT: "微信支付",
        Provider.ALIPAY: "支付宝",
        Provider.MANUAL: "现金/转账",
    }

    @property
    def method_name(self) -> str:
        return self.PROVIDER_NAMES[self.provider]
