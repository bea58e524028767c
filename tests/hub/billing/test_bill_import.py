"""Provider bill exports read into rows, and matched to the payments we expected (the unmatched report)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.billing.bill_import import BillRowKind, parse_alipay_bill, parse_wechat_bill
from hub.billing.bill_matching import ExpectedPayment, match_bill
from hub.billing.payments.errors import BadBillFile
from hub.billing.payments.port import Provider
from tests.hub.billing.bill_samples import alipay_bill, wechat_bill


def test_a_wechat_trade_bill_is_read_without_its_backticks_and_with_its_chinese_text() -> None:
    bill = parse_wechat_bill(wechat_bill())

    assert [(r.kind, r.reference, r.amount_fen, r.refund_id) for r in bill.rows] == [
        (BillRowKind.PAYMENT, "MILK202405010001", 3000, None),
        (BillRowKind.PAYMENT, "MILK202405010002", 1850, None),
        (BillRowKind.REFUND, "MILK202405010001", 1000, "RF202405010001"),
    ]
    first = bill.rows[0]
    assert first.provider is Provider.WECHAT
    assert first.transaction_id == "4200002212202405011234567890"
    assert first.description == "鲜牛奶五月预存 王小明"
    assert first.occurred_at == datetime(2024, 5, 1, 0, 12, 33, tzinfo=UTC)  # 08:12:33 Beijing
    assert (first.fee_fen, bill.rows[2].fee_fen) == (18, -6)
    assert bill.rows[1].description == "鲜牛奶 1 瓶，李阿姨"
    assert (bill.payments_fen, bill.refunds_fen) == (4850, 1000)


def test_a_wechat_bill_whose_rows_do_not_add_up_to_its_summary_is_refused() -> None:
    with pytest.raises(BadBillFile, match="summary counts 4 rows but the file has 3"):
        parse_wechat_bill(wechat_bill(count="4"))
    with pytest.raises(BadBillFile, match=r"rows add up to 48\.50 yuan, its summary says 50\.00"):
        parse_wechat_bill(wechat_bill(orders="50.00"))
    with pytest.raises(BadBillFile, match=r"refunds add up to 10\.00 yuan, its summary says 12\.00"):
        parse_wechat_bill(wechat_bill(refunds="12.00"))


def test_a_truncated_wechat_bill_is_refused() -> None:
    cut = wechat_bill().split("总交易单数".encode())[0]
    with pytest.raises(BadBillFile, match="ends without its summary"):
        parse_wechat_bill(cut)


def test_an_amount_with_more_than_two_decimals_is_refused() -> None:
    with pytest.raises(BadBillFile, match=r"line 2: 订单金额 '30\.001' is not an amount in yuan"):
        parse_wechat_bill(wechat_bill().replace(b"`30.00", b"`30.001", 2))


def test_an_alipay_gbk_bill_is_read_with_its_comment_lines_and_tabs_dropped() -> None:
    data = alipay_bill()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GBK

    bill = parse_alipay_bill(data)

    assert [(r.kind, r.reference, r.amount_fen, r.refund_id, r.fee_fen) for r in bill.rows] == [
        (BillRowKind.PAYMENT, "MILK202405010101", 4550, None, 27),
        (BillRowKind.PAYMENT, "", 2200, None, 13),
        (BillRowKind.REFUND, "MILK202405010101", 1000, "RF202405010101", 6),
    ]
    assert bill.rows[0].transaction_id == "2024050122001450101412345678"
    assert bill.rows[0].description == "鲜牛奶预存 李阿姨"
    assert bill.rows[2].occurred_at == datetime(2024, 5, 1, 11, 20, tzinfo=UTC)
    assert bill.rows[0].line_no == 6


def test_an_alipay_bill_whose_footer_counts_other_rows_is_refused() -> None:
    with pytest.raises(BadBillFile, match="footer counts 3 交易 rows but the file has 2"):
        parse_alipay_bill(alipay_bill(payments=3))


def test_a_file_of_the_other_provider_is_refused_clearly() -> None:
    with pytest.raises(BadBillFile, match="not an Alipay 业务明细 bill"):
        parse_alipay_bill(wechat_bill())
    with pytest.raises(BadBillFile, match="not a WeChat Pay trade bill"):
        parse_wechat_bill(alipay_bill())


def test_bill_rows_are_matched_to_customers_by_reference_and_amount_with_an_unmatched_report() -> None:
    rows = parse_wechat_bill(wechat_bill()).rows + parse_alipay_bill(alipay_bill()).rows
    expected = [
        ExpectedPayment("MILK202405010001", "cust-wang", 3000),
        ExpectedPayment("MILK202405010001", "cust-wang", 1000, BillRowKind.REFUND, "RF202405010001"),
        ExpectedPayment("MILK202405010002", "cust-li", 2000),  # the bill says 18.50
        ExpectedPayment("MILK202405010101", "cust-zhao", 4550),
        ExpectedPayment("MILK202405019999", "cust-sun", 2200),  # paid at the counter QR, no reference
        ExpectedPayment("MILK202405010404", "cust-zhou", 6000),  # never paid
    ]

    result = match_bill(rows, expected)

    assert sorted((m.expected.customer_id, m.row.kind) for m in result.matched) == [
        ("cust-wang", BillRowKind.PAYMENT),
        ("cust-wang", BillRowKind.REFUND),
        ("cust-zhao", BillRowKind.PAYMENT),
    ]
    assert [(m.expected.customer_id, m.difference_fen) for m in result.amount_mismatched] == [("cust-li", -150)]
    assert [(m.expected.customer_id, m.row.transaction_id) for m in result.suggested] == [
        ("cust-sun", "2024050122001450101412345679")
    ]
    assert [r.refund_id for r in result.unmatched_rows] == ["RF202405010101"]  # a refund we have no record of
    assert [e.customer_id for e in result.missing] == ["cust-zhou"]
    assert [(line.issue, line.reference) for line in result.unmatched_report()] == [
        ("amount_mismatch", "MILK202405010002"),
        ("suggested_by_amount", "MILK202405019999"),
        ("not_expected", "MILK202405010101"),
        ("not_in_bill", "MILK202405010404"),
    ]
    assert result.unmatched_report()[0].detail == "bill line 3: 18.50 yuan, expected 20.00"
    assert not result.clean


def test_a_second_row_for_a_matched_reference_is_reported_not_suggested() -> None:
    row = parse_wechat_bill(wechat_bill()).rows[0]
    expected = [ExpectedPayment("MILK202405010001", "cust-wang", 3000), ExpectedPayment("MILK-OTHER01", "c2", 3000)]

    result = match_bill([row, row], expected)

    assert len(result.matched) == 1 and result.suggested == ()
    assert [line.issue for line in result.unmatched_report()] == ["duplicate_in_bill", "not_in_bill"]


def test_an_ambiguous_amount_is_never_suggested() -> None:
    row = parse_alipay_bill(alipay_bill()).rows[1]  # 22.00, no reference
    expected = [ExpectedPayment("MILK-A00001", "a", 2200), ExpectedPayment("MILK-B00001", "b", 2200)]
    result = match_bill([row], expected)
    assert result.suggested == () and len(result.unmatched_rows) == 1 and len(result.missing) == 2
