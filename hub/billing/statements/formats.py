"""Statements and receipts as JSON and CSV. Pure.

JSON carries every amount twice: ``*_fen`` (int, for machines) and ``*_yuan`` (text with two
decimals, for people). CSV is UTF-8 with a BOM so Excel on a Chinese Windows opens it right; one
row per entry, quiet days included, with the balance at the end of each day.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, tzinfo
from typing import Any

from hub.billing.payments.port import yuan
from hub.billing.statements.statement import MonthlyStatement, PaymentReceipt
from hub.kernel.business_days import CHINA

CSV_HEADER = ("日期", "类型", "说明", "数量", "金额（元）", "当日余额（元）")


def _money(name: str, fen: int) -> dict[str, Any]:
    return {f"{name}_fen": fen, f"{name}_yuan": yuan(fen)}


def statement_dict(statement: MonthlyStatement) -> dict[str, Any]:
    return {
        "customer_id": statement.customer_id,
        "customer_name": statement.customer_name,
        "store_name": statement.store_name,
        "month": f"{statement.year}-{statement.month:02d}",
        "currency": statement.currency,
        "generated_at": statement.generated_at.isoformat(),
        **_money("opening_balance", statement.opening_balance_fen),
        **_money("charged", statement.charged_fen),
        **_money("paid", statement.paid_fen),
        **_money("closing_balance", statement.closing_balance_fen),
        "delivered_quantity": statement.delivered_quantity,
        "days": [
            {
                "date": d.day.isoformat(),
                "deliveries": [
                    {"delivery_id": x.delivery_id, "product": x.product, "quantity": x.quantity, "unit": x.unit}
                    for x in d.deliveries
                ],
                "pauses": [{"reason": p.reason} for p in d.pauses],
                "charges": [
                    {"charge_id": c.charge_id, "description": c.description, **_money("amount", c.amount_fen)}
                    for c in d.charges
                ],
                "payments": [
                    {
                        "payment_id": p.payment_id,
                        "provider": p.provider.value,
                        "reference": p.reference,
                        "at": p.at.isoformat(),
                        **_money("amount", p.amount_fen),
                    }
                    for p in d.payments
                ],
                **_money("closing_balance", d.closing_balance_fen),
            }
            for d in statement.days
        ],
    }


def statement_json(statement: MonthlyStatement) -> str:
    return json.dumps(statement_dict(statement), ensure_ascii=False, indent=2)


def statement_csv(statement: MonthlyStatement) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerow(["", "期初余额", statement.title, "", "", yuan(statement.opening_balance_fen)])
    for d in statement.days:
        day, balance = d.day.isoformat(), yuan(d.closing_balance_fen)
        if d.quiet:
            writer.writerow([day, "无", "", "", "", balance])
        for x in d.deliveries:
            writer.writerow([day, "配送", x.product, f"{x.quantity}{x.unit}", "", balance])
        for p in d.pauses:
            writer.writerow([day, "暂停", p.reason, "", "", balance])
        for c in d.charges:
            writer.writerow([day, "扣费", c.description, "", yuan(-c.amount_fen), balance])
        for pay in d.payments:
            kind = "退款" if pay.amount_fen < 0 else "充值"
            writer.writerow(
                [day, kind, f"{pay.provider.value} {pay.reference}".strip(), "", yuan(pay.amount_fen), balance]
            )
    writer.writerow(["", "期末余额", "", "", "", yuan(statement.closing_balance_fen)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def receipt_dict(receipt: PaymentReceipt) -> dict[str, Any]:
    return {
        "receipt_no": receipt.receipt_no,
        "customer_id": receipt.customer_id,
        "customer_name": receipt.customer_name,
        "store_name": receipt.store_name,
        "provider": receipt.provider.value,
        "method": receipt.method_name,
        "reference": receipt.reference,
        "transaction_id": receipt.transaction_id,
        "paid_at": receipt.paid_at.isoformat(),
        "currency": receipt.currency,
        **_money("amount", receipt.amount_fen),
        **(_money("balance_after", receipt.balance_after_fen) if receipt.balance_after_fen is not None else {}),
        "received_by": receipt.received_by,
    }


def receipt_json(receipt: PaymentReceipt) -> str:
    return json.dumps(receipt_dict(receipt), ensure_ascii=False, indent=2)


def local_time(at: datetime, tz: tzinfo = CHINA) -> str:
    """For printed documents: the store's local time to the minute."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
