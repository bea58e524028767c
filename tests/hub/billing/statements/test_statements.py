"""Monthly statements and receipts as JSON, CSV and PDF with Chinese text (checked by reading the text back)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from hub.billing.payments.port import Provider
from hub.billing.statements.formats import receipt_json, statement_csv, statement_json
from hub.billing.statements.pdf import receipt_pdf, statement_pdf
from hub.billing.statements.statement import (
    ChargeLine,
    DeliveryLine,
    MonthlyStatement,
    PauseLine,
    PaymentLine,
    PaymentReceipt,
    StatementInputError,
    build_monthly_statement,
)

GENERATED = datetime(2024, 6, 1, 1, 0, tzinfo=UTC)


def may_statement(**changes: object) -> MonthlyStatement:
    values: dict[str, object] = dict(
        customer_id="cust-wang",
        customer_name="王小明",
        store_name="朝阳鲜奶站",
        year=2024,
        month=5,
        opening_balance_fen=1250,
        generated_at=GENERATED,
        deliveries=[
            DeliveryLine(date(2024, 5, 1), "dlv-0501", "鲜牛奶 950ml", 1),
            DeliveryLine(date(2024, 5, 2), "dlv-0502", "鲜牛奶 950ml", 2),
            DeliveryLine(date(2024, 5, 31), "dlv-0531", "酸奶 200g", 3, unit="杯"),
        ],
        pauses=[PauseLine(date(2024, 5, 3), "出差暂停"), PauseLine(date(2024, 5, 4), "出差暂停")],
        charges=[
            ChargeLine(date(2024, 5, 1), "chg-0501", "鲜牛奶 950ml ×1", 1500),
            ChargeLine(date(2024, 5, 2), "chg-0502", "鲜牛奶 950ml ×2", 3000),
            ChargeLine(date(2024, 5, 31), "chg-0531", "酸奶 200g ×3", 1800),
        ],
        payments=[
            # 23:30 on 1 May in UTC is 07:30 on 2 May in Beijing: it belongs to the 2nd
            PaymentLine(datetime(2024, 5, 1, 23, 30, tzinfo=UTC), "pay-1", Provider.WECHAT, 5000, "MILK202405020001"),
            PaymentLine(datetime(2024, 5, 20, 2, 0, tzinfo=UTC), "pay-2", Provider.ALIPAY, -500, "MILK202405020001"),
        ],
    )
    values.update(changes)
    return build_monthly_statement(**values)  # type: ignore[arg-type]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_statement_lists_every_day_with_its_balance_in_the_stores_timezone() -> None:
    s = may_statement()

    assert len(s.days) == 31
    assert s.days[0].closing_balance_fen == 1250 - 1500
    assert [p.payment_id for p in s.days[1].payments] == ["pay-1"]
    assert s.days[1].closing_balance_fen == 1250 - 1500 - 3000 + 5000
    assert [p.reason for p in s.days[2].pauses] == ["出差暂停"]
    assert s.days[10].quiet
    assert (s.charged_fen, s.paid_fen, s.delivered_quantity) == (6300, 4500, 6)
    assert s.closing_balance_fen == 1250 + 4500 - 6300 == -550


def test_a_statement_that_does_not_add_up_to_the_ledger_is_refused() -> None:
    with pytest.raises(
        StatementInputError, match=r"closes at -5\.50 yuan but the ledger says 12\.50: an entry is missing"
    ):
        may_statement(expected_closing_fen=1250)
    assert may_statement(expected_closing_fen=-550).closing_balance_fen == -550


def test_an_entry_outside_the_month_is_refused() -> None:
    with pytest.raises(StatementInputError, match="delivery dlv-0601 on 2024-06-01 is not in 2024-05"):
        may_statement(deliveries=[DeliveryLine(date(2024, 6, 1), "dlv-0601", "鲜牛奶", 1)])


def test_the_statement_as_json_keeps_fen_and_yuan_and_chinese() -> None:
    data = json.loads(statement_json(may_statement()))

    assert data["month"] == "2024-05"
    assert (data["opening_balance_fen"], data["closing_balance_yuan"]) == (1250, "-5.50")
    assert data["customer_name"] == "王小明"
    day2 = data["days"][1]
    assert day2["date"] == "2024-05-02"
    assert day2["deliveries"] == [{"delivery_id": "dlv-0502", "product": "鲜牛奶 950ml", "quantity": 2, "unit": "瓶"}]
    assert day2["payments"][0]["amount_yuan"] == "50.00" and day2["payments"][0]["provider"] == "wechat"
    assert data["days"][2]["pauses"] == [{"reason": "出差暂停"}]


def test_the_statement_as_csv_opens_in_excel_with_one_row_per_entry() -> None:
    raw = statement_csv(may_statement())
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))

    assert rows[0] == ["日期", "类型", "说明", "数量", "金额（元）", "当日余额（元）"]
    assert rows[1] == ["", "期初余额", "朝阳鲜奶站 鲜奶月结单 2024年5月", "", "", "12.50"]
    assert ["2024-05-02", "配送", "鲜牛奶 950ml", "2瓶", "", "17.50"] in rows
    assert ["2024-05-02", "扣费", "鲜牛奶 950ml ×2", "", "-30.00", "17.50"] in rows
    assert ["2024-05-02", "充值", "wechat MILK202405020001", "", "50.00", "17.50"] in rows
    assert ["2024-05-03", "暂停", "出差暂停", "", "", "17.50"] in rows
    assert ["2024-05-20", "退款", "alipay MILK202405020001", "", "-5.00", "12.50"] in rows
    assert rows[-1] == ["", "期末余额", "", "", "", "-5.50"]


def test_the_statement_pdf_carries_the_chinese_names_dates_and_amounts() -> None:
    data = statement_pdf(may_statement())
    assert data.startswith(b"%PDF")

    text = pdf_text(data)

    for expected in (
        "朝阳鲜奶站 鲜奶月结单 2024年5月",
        "王小明",
        "期初余额 ¥12.50",
        "期末余额 ¥-5.50",
        "05-02 周四",
        "鲜牛奶 950ml 2瓶",
        "出差暂停",
        "酸奶 200g 3杯",
        "充值 50.00",
        "退款 -5.00",
        "17.50",
    ):
        assert expected in text, expected


def test_a_receipt_as_json_and_pdf() -> None:
    receipt = PaymentReceipt(
        receipt_no="R-2024-000123",
        customer_id="cust-wang",
        customer_name="王小明",
        store_name="朝阳鲜奶站",
        amount_fen=5000,
        provider=Provider.WECHAT,
        paid_at=datetime(2024, 5, 1, 23, 30, tzinfo=UTC),
        reference="MILK202405020001",
        transaction_id="4200002212202405021234567890",
        balance_after_fen=1750,
    )

    data = json.loads(receipt_json(receipt))
    assert (data["amount_yuan"], data["method"], data["balance_after_fen"]) == ("50.00", "微信支付", 1750)

    text = pdf_text(receipt_pdf(receipt))
    for expected in (
        "朝阳鲜奶站 收款收据",
        "R-2024-000123",
        "王小明",
        "¥50.00",
        "微信支付",
        "2024-05-02 07:30",
        "¥17.50",
    ):
        assert expected in text, expected
