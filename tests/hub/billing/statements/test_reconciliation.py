"""A store's day reconciled: delivered vs charged vs paid, every difference listed."""

from __future__ import annotations

from datetime import date

from hub.billing.bill_import import BillRowKind, parse_alipay_bill, parse_wechat_bill
from hub.billing.payments.port import Provider
from hub.billing.statements.reconciliation import (
    ChargeRecord,
    DeliveredItem,
    DifferenceKind,
    RecordedPayment,
    reconcile_day,
)
from tests.hub.billing.bill_samples import alipay_bill, wechat_bill

DAY = date(2024, 5, 1)
BILLS = parse_wechat_bill(wechat_bill()).rows + parse_alipay_bill(alipay_bill()).rows
RECORDED = [
    RecordedPayment("MILK202405010001", "cust-wang", 3000, Provider.WECHAT),
    RecordedPayment("MILK202405010001", "cust-wang", 1000, Provider.WECHAT, BillRowKind.REFUND, "RF202405010001"),
    RecordedPayment("MILK202405010002", "cust-li", 1850, Provider.WECHAT),
    RecordedPayment("MILK202405010101", "cust-zhao", 4550, Provider.ALIPAY),
    RecordedPayment("MILK202405010101", "cust-zhao", 1000, Provider.ALIPAY, BillRowKind.REFUND, "RF202405010101"),
    RecordedPayment("MILK202405010102", "cust-sun", 2200, Provider.ALIPAY),
    RecordedPayment("MAN20240501A7", "cust-qian", 5000, Provider.MANUAL),
]
DELIVERED = [
    DeliveredItem("dlv-1", "cust-wang", 750),
    DeliveredItem("dlv-2", "cust-li", 750),
    DeliveredItem("dlv-3", "cust-zhao", 1500),
]
CHARGES = [
    ChargeRecord("chg-1", "cust-wang", 750, "dlv-1"),
    ChargeRecord("chg-2", "cust-li", 750, "dlv-2"),
    ChargeRecord("chg-3", "cust-zhao", 1500, "dlv-3"),
]


def test_a_day_where_everything_agrees_is_balanced() -> None:
    recorded = [p for p in RECORDED if p.reference != "MILK202405010102"]
    bills = [r for r in BILLS if r.reference]  # the counter QR payment aside
    result = reconcile_day("store-cy", DAY, DELIVERED, CHARGES, recorded, bills)

    assert result.balanced, result.differences
    assert (result.delivered_fen, result.charged_fen) == (3000, 3000)
    assert result.paid_recorded_fen == 3000 - 1000 + 1850 + 4550 - 1000 + 5000
    assert result.paid_in_bills_fen == 3000 + 1850 - 1000 + 4550 - 1000


def test_every_difference_is_listed() -> None:
    delivered = [*DELIVERED, DeliveredItem("dlv-4", "cust-sun", 750)]  # not charged
    charges = [
        *CHARGES[:2],
        ChargeRecord("chg-3", "cust-zhao", 1600, "dlv-3"),  # charged more than the price
        ChargeRecord("chg-3b", "cust-zhao", 1500, "dlv-3"),  # charged twice
        ChargeRecord("chg-9", "cust-zhou", 750, "dlv-9"),  # nothing delivered
    ]
    recorded = [p for p in RECORDED if p.reference != "MILK202405010002"]  # paid, never recorded
    recorded.append(RecordedPayment("MILK202405010777", "cust-wu", 990, Provider.WECHAT))  # not in any bill

    result = reconcile_day("store-cy", DAY, delivered, charges, recorded, BILLS)

    found = sorted((d.kind, d.subject) for d in result.differences)
    assert found == sorted(
        [
            (DifferenceKind.DELIVERED_NOT_CHARGED, "dlv-4"),
            (DifferenceKind.CHARGE_AMOUNT_DIFFERS, "chg-3"),
            (DifferenceKind.CHARGED_TWICE, "chg-3b"),
            (DifferenceKind.CHARGED_NOT_DELIVERED, "chg-9"),
            (DifferenceKind.PAID_NOT_RECORDED, "MILK202405010002"),
            (DifferenceKind.PAID_NOT_RECORDED, "2024050122001450101412345679"),  # counter QR, no reference
            (DifferenceKind.RECORDED_NOT_IN_BILL, "MILK202405010102"),
            (DifferenceKind.RECORDED_NOT_IN_BILL, "MILK202405010777"),
        ]
    )
    by_subject = {d.subject: d for d in result.differences}
    assert by_subject["chg-3"].detail == "delivery dlv-3 costs 15.00 yuan, charge chg-3 took 16.00"
    assert by_subject["chg-3"].amount_fen == 100
    assert by_subject["MILK202405010002"].detail.startswith("wechat bill line 3: payment of 18.50 yuan")
    assert not result.balanced


def test_a_payment_recorded_for_another_amount_than_the_bill() -> None:
    recorded = [RecordedPayment("MILK202405010002", "cust-li", 2000, Provider.WECHAT)]
    result = reconcile_day("store-cy", DAY, [], [], recorded, [r for r in BILLS if r.reference == "MILK202405010002"])
    assert [(d.kind, d.amount_fen) for d in result.differences] == [(DifferenceKind.PAYMENT_AMOUNT_DIFFERS, -150)]


def test_a_charge_on_the_wrong_customer_is_listed() -> None:
    result = reconcile_day(
        "store-cy",
        DAY,
        [DeliveredItem("dlv-1", "cust-wang", 750)],
        [ChargeRecord("chg-1", "cust-li", 750, "dlv-1")],
        [],
        [],
    )
    assert [(d.kind, d.customer_id) for d in result.differences] == [(DifferenceKind.CHARGED_NOT_DELIVERED, "cust-li")]
