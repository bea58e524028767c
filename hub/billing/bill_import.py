"""Reading the providers' bill exports (CSV) into plain rows. Pure.

WeChat Pay trade bill (交易账单, API v3 ``tradebill`` or the merchant platform's download): UTF-8
(sometimes with a BOM), a header row, detail rows whose every field starts with a backtick (so
Excel keeps long numbers), then a summary header (``总交易单数,...``) and one summary row. Columns
are found by name: WeChat says their order may change.

Alipay business detail (业务明细, from ``alipay.data.dataservice.bill.downloadurl.query`` or the
merchant site): GBK, ``#`` comment lines before (account, dates, ``#----业务明细列表----``) and after
(``#----业务明细列表结束----``, ``#交易合计：N笔，...``, ``#退款合计：N笔，...``, export time);
fields often end in a tab. Refund rows carry negative amounts.

Amounts are yuan with two decimals, read with ``decimal`` into fen; a file whose rows do not add
up to its own summary is refused (a truncated or edited download).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from hub.billing.payments.errors import BadBillFile
from hub.billing.payments.port import Provider, fen_from_yuan, yuan
from hub.kernel.business_days import CHINA

ALIPAY_TOTALS = re.compile(r"#(交易|退款)合计[:：]\s*(\d+)\s*笔")


class BillRowKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


@dataclass(frozen=True)
class BillRow:
    provider: Provider
    kind: BillRowKind
    transaction_id: str
    reference: str
    """Our order reference (商户订单号); may be empty for payments we did not create (a static QR code)."""
    amount_fen: int
    """Payments: the order amount; refunds: the refunded amount (positive)."""
    occurred_at: datetime
    """Aware UTC (the file's times are the provider's local time, Beijing by default)."""
    refund_id: str | None = None
    fee_fen: int = 0
    description: str = ""
    line_no: int = 0
    """Line in the file, for the person checking the report."""


@dataclass(frozen=True)
class ParsedBill:
    provider: Provider
    rows: tuple[BillRow, ...]

    @property
    def payments_fen(self) -> int:
        return sum(r.amount_fen for r in self.rows if r.kind is BillRowKind.PAYMENT)

    @property
    def refunds_fen(self) -> int:
        return sum(r.amount_fen for r in self.rows if r.kind is BillRowKind.REFUND)


def parse_wechat_bill(data: bytes, tz: tzinfo = CHINA) -> ParsedBill:
    text = _decode(data, ("utf-8-sig", "gb18030"), anchor="微信订单号", what="a WeChat Pay trade bill")
    records = [(n, [_clean(f) for f in row]) for n, row in enumerate(csv.reader(io.StringIO(text)), 1) if any(row)]
    if not records:
        raise BadBillFile("the WeChat Pay bill is empty")
    _, header = records[0]
    summary_at = next((i for i, (_, row) in enumerate(records) if row and row[0] == "总交易单数"), None)
    if summary_at is None or summary_at + 1 >= len(records):
        raise BadBillFile("the WeChat Pay bill ends without its summary (总交易单数): a truncated download?")
    rows = tuple(_wechat_row(n, dict(zip(header, row, strict=False)), tz) for n, row in records[1:summary_at])
    summary = dict(zip(records[summary_at][1], records[summary_at + 1][1], strict=False))
    count = summary.get("总交易单数", "")
    if not count.isdigit() or int(count) != len(rows):
        raise BadBillFile(f"the WeChat Pay bill's summary counts {count} rows but the file has {len(rows)}")
    if "订单总金额" in summary:
        stated = _fen(summary["订单总金额"], "订单总金额", records[summary_at + 1][0])
        orders = sum(
            _fen(dict(zip(header, row, strict=False)).get("订单金额", "0"), "订单金额", n)
            for n, row in records[1:summary_at]
        )
        if stated != orders:
            raise BadBillFile(
                f"the WeChat Pay bill's rows add up to {yuan(orders)} yuan, its summary says {yuan(stated)}"
            )
    bill = ParsedBill(Provider.WECHAT, rows)
    if summary.get("申请退款总金额"):
        stated = _fen(summary["申请退款总金额"], "申请退款总金额", records[summary_at + 1][0])
        if stated != bill.refunds_fen:
            raise BadBillFile(
                f"the WeChat Pay bill's refunds add up to {yuan(bill.refunds_fen)} yuan, "
                f"its summary says {yuan(stated)}"
            )
    return bill


def _wechat_row(line: int, fields: dict[str, str], tz: tzinfo) -> BillRow:
    state = fields.get("交易状态", "")
    order_fen = _fen(_first(fields, "订单金额", "应结订单金额", "总金额"), "订单金额", line)
    if state not in ("SUCCESS", "REFUND", "REVOKED"):
        raise BadBillFile(f"line {line}: WeChat Pay trade state {state!r} is neither SUCCESS, REFUND nor REVOKED")
    refund = _first(fields, "申请退款金额", "退款金额") if state != "SUCCESS" else ""
    return BillRow(
        provider=Provider.WECHAT,
        kind=BillRowKind.PAYMENT if state == "SUCCESS" else BillRowKind.REFUND,
        transaction_id=_required(fields, "微信订单号", line),
        reference=fields.get("商户订单号", ""),
        amount_fen=_fen(refund, "退款金额", line) if refund else order_fen,
        occurred_at=_time(_required(fields, "交易时间", line), tz, line),
        refund_id=(fields.get("商户退款单号") or None) if state != "SUCCESS" else None,
        fee_fen=_fee(fields.get("手续费", "0"), line),
        description=fields.get("商品名称", ""),
        line_no=line,
    )


def parse_alipay_bill(data: bytes, tz: tzinfo = CHINA) -> ParsedBill:
    text = _decode(data, ("gb18030", "utf-8-sig"), anchor="支付宝交易号", what="an Alipay 业务明细 bill")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), None)
    if start is None:
        raise BadBillFile("the Alipay bill has no detail header (支付宝交易号,...)")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), None)
    if end is None:
        raise BadBillFile("the Alipay bill ends without its footer (业务明细列表结束): a truncated download?")
    header = [_header(f) for f in next(csv.reader([lines[start]]))]
    rows: list[BillRow] = []
    for n, row in enumerate(csv.reader(lines[start + 1 : end]), start + 2):
        if any(f.strip() for f in row):
            rows.append(_alipay_row(n, dict(zip(header, (_clean(f) for f in row), strict=False)), tz))
    stated = {kind: int(count) for kind, count in ALIPAY_TOTALS.findall("\n".join(lines[end:]))}
    counted = {
        "交易": sum(r.kind is BillRowKind.PAYMENT for r in rows),
        "退款": sum(r.kind is BillRowKind.REFUND for r in rows),
    }
    if not stated:
        raise BadBillFile("the Alipay bill has no totals (#交易合计) after its detail: a truncated download?")
    for kind, count in stated.items():
        if counted[kind] != count:
            raise BadBillFile(f"the Alipay bill's footer counts {count} {kind} rows but the file has {counted[kind]}")
    return ParsedBill(Provider.ALIPAY, tuple(rows))


def _alipay_row(line: int, fields: dict[str, str], tz: tzinfo) -> BillRow:
    kind = fields.get("业务类型", "")
    if kind not in ("交易", "退款"):
        raise BadBillFile(f"line {line}: Alipay business type {kind!r} is neither 交易 nor 退款")
    return BillRow(
        provider=Provider.ALIPAY,
        kind=BillRowKind.PAYMENT if kind == "交易" else BillRowKind.REFUND,
        transaction_id=_required(fields, "支付宝交易号", line),
        reference=fields.get("商户订单号", ""),
        amount_fen=abs(_fen(_required(fields, "订单金额（元）", line), "订单金额（元）", line)),
        occurred_at=_time(_first(fields, "完成时间", "创建时间"), tz, line),
        refund_id=(fields.get("退款批次号/请求号") or None) if kind == "退款" else None,
        fee_fen=abs(_fee(fields.get("服务费（元）") or "0", line)),
        description=fields.get("商品名称", ""),
        line_no=line,
    )


def _decode(data: bytes, encodings: tuple[str, ...], anchor: str, what: str) -> str:
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if anchor in text:
            return text
    raise BadBillFile(f"this is not {what}: no {anchor} column in it (read as {' or '.join(encodings)})")


def _clean(field: str) -> str:
    return field.strip().lstrip("`").strip()


def _header(field: str) -> str:
    return _clean(field).lstrip("\ufeff").replace("(", "（").replace(")", "）").replace(" ", "")


def _first(fields: dict[str, str], *names: str) -> str:
    return next((fields[n] for n in names if fields.get(n)), "")


def _required(fields: dict[str, str], name: str, line: int) -> str:
    value = fields.get(name, "")
    if not value:
        raise BadBillFile(f"line {line}: no {name}")
    return value


def _fen(text: str, column: str, line: int) -> int:
    try:
        return fen_from_yuan(text or "0")
    except ValueError as exc:
        raise BadBillFile(f"line {line}: {column} {text!r} is not an amount in yuan") from exc


def _fee(text: str, line: int) -> int:
    """Fees come with up to five decimals (0.18000): rounded half up to the fen, as settled."""
    try:
        return int((Decimal(text.strip() or "0") * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation as exc:
        raise BadBillFile(f"line {line}: fee {text!r} is not an amount in yuan") from exc


def _time(text: str, tz: tzinfo, line: int) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz).astimezone(UTC)
    except ValueError as exc:
        raise BadBillFile(f"line {line}: {text!r} is not a time like 2024-05-01 08:12:33") from exc
