"""Printable statements and receipts as PDF with Chinese text (reportlab).

Chinese is set in ``STSong-Light``, one of the Adobe CID fonts reportlab ships the metrics for:
nothing is embedded, so files stay small and every PDF reader supplies its Song face (Adobe-GB1
with the UniGB-UCS2-H encoding, which also keeps the text extractable and searchable).
"""

from __future__ import annotations

import io
from datetime import tzinfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hub.billing.payments.port import yuan
from hub.billing.statements.statement import MonthlyStatement, PaymentReceipt
from hub.kernel.business_days import CHINA

FONT = "STSong-Light"
WEEKDAYS = "一二三四五六日"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=11, wordWrap="CJK", textColor=colors.grey)
    return title, body, small


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def statement_pdf(statement: MonthlyStatement, tz: tzinfo = CHINA) -> bytes:
    title, body, small = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=statement.title,
        author=statement.store_name,
    )
    story = [
        Paragraph(_escape(statement.title), title),
        Paragraph(_escape(f"客户：{statement.customer_name}（{statement.customer_id}）"), body),
        Paragraph(
            f"期初余额 ¥{yuan(statement.opening_balance_fen)}　充值 ¥{yuan(statement.paid_fen)}　"
            f"扣费 ¥{yuan(statement.charged_fen)}　期末余额 ¥{yuan(statement.closing_balance_fen)}　"
            f"配送 {statement.delivered_quantity} 件",
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    rows: list[list[object]] = [["日期", "配送", "暂停", "扣费（元）", "充值（元）", "当日余额（元）"]]
    for d in statement.days:
        deliveries = "；".join(f"{x.product} {x.quantity}{x.unit}" for x in d.deliveries)
        pauses = "；".join(p.reason or "暂停" for p in d.pauses)
        charges = "<br/>".join(f"{yuan(c.amount_fen)}　{_escape(c.description)}" for c in d.charges)
        payments = "<br/>".join(f"{'退款' if p.amount_fen < 0 else '充值'} {yuan(p.amount_fen)}" for p in d.payments)
        rows.append(
            [
                f"{d.day:%m-%d} 周{WEEKDAYS[d.day.weekday()]}",
                Paragraph(_escape(deliveries), body),
                Paragraph(_escape(pauses), body),
                Paragraph(charges, body),
                Paragraph(payments, body),
                yuan(d.closing_balance_fen),
            ]
        )
    table = Table(rows, colWidths=[22 * mm, 48 * mm, 26 * mm, 36 * mm, 24 * mm, 24 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _font()),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (5, 1), (5, -1), "RIGHT"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 4 * mm),
        Paragraph(f"生成时间 {statement.generated_at.astimezone(tz):%Y-%m-%d %H:%M}　金额单位：元", small),
    ]
    doc.build(story)
    return out.getvalue()


def receipt_pdf(receipt: PaymentReceipt, tz: tzinfo = CHINA) -> bytes:
    title, body, small = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A5,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"收款收据 {receipt.receipt_no}",
        author=receipt.store_name,
    )
    lines = [
        ("收据编号", receipt.receipt_no),
        ("客户", f"{receipt.customer_name}（{receipt.customer_id}）"),
        ("金额", f"¥{yuan(receipt.amount_fen)}"),
        ("支付方式", receipt.method_name),
        ("支付时间", f"{receipt.paid_at.astimezone(tz):%Y-%m-%d %H:%M}"),
        ("订单号", receipt.reference),
    ]
    if receipt.transaction_id:
        lines.append(("交易号", receipt.transaction_id))
    if receipt.balance_after_fen is not None:
        lines.append(("充值后余额", f"¥{yuan(receipt.balance_after_fen)}"))
    if receipt.received_by:
        lines.append(("收款人", receipt.received_by))
    table = Table([[k, Paragraph(_escape(v), body)] for k, v in lines], colWidths=[28 * mm, 90 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _font()),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    doc.build(
        [
            Paragraph(_escape(f"{receipt.store_name} 收款收据"), title),
            Spacer(1, 3 * mm),
            table,
            Spacer(1, 4 * mm),
            Paragraph("本收据由系统生成，金额单位：元。", small),
        ]
    )
    return out.getvalue()
