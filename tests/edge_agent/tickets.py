"""Kitchen tickets for the edge agent's tests, and reading rendered bytes back through the simulator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contracts.kitchen import KitchenTicket, TicketLine
from firmware_sim.printer.escpos_stream import EscposStreamParser
from firmware_sim.printer.job_decoder import JobDecoder, PrintedLine

PLACED = datetime(2024, 5, 1, 4, 3, tzinfo=UTC)  # 12:03 in Shanghai


def ticket(**changes: Any) -> KitchenTicket:
    values: dict[str, Any] = dict(
        ticket_id="o-1001:wok",
        order_id="o-1001",
        order_number="A017",
        revision=1,
        store_id="sh-001",
        store_name="外滩店",
        station_id="wok",
        station_name="炒锅",
        channel="meituan",
        placed_at=PLACED,
        due_at=datetime(2024, 5, 1, 4, 30, tzinfo=UTC),
        lines=(
            TicketLine(line_id="l1", name="宫保鸡丁", quantity=2, modifiers=("少辣",), allergens=("花生",)),
            TicketLine(line_id="l2", name="鱼香肉丝", quantity=1, note="不要葱，谢谢"),
            TicketLine(line_id="l3", name="麻婆豆腐", quantity=1),
        ),
        notes="尽快，客人在等",
        customer_display="王小明",
    )
    values.update(changes)
    return KitchenTicket(**values)


def paper(data: bytes, *, chinese_by_default: bool = False) -> list[PrintedLine]:
    parser, decoder = EscposStreamParser(), JobDecoder(chinese_by_default=chinese_by_default)
    for token in parser.feed(data) + parser.finish():
        decoder.apply(token)
    return decoder.close()


def texts(data: bytes) -> list[str]:
    return [line.text for line in paper(data)]


def annotated(data: bytes) -> str:
    """A reviewable picture of the paper: each line with its style."""
    out = []
    for line in paper(data):
        if line.marker:
            out.append(line.text)
            continue
        parts = []
        for seg in line.segments:
            flags = "".join(f for f, on in (("B", seg.style.bold), ("I", seg.style.inverse)) if on)
            size = f"{seg.style.width}x{seg.style.height}" if (seg.style.width, seg.style.height) != (1, 1) else ""
            tag = " ".join(t for t in (flags, size) if t)
            parts.append(f"<{tag}>{seg.text}</>" if tag else seg.text)
        align = {"center": "^ ", "right": "> "}.get(line.align, "")
        out.append(align + "".join(parts))
    return "\n".join(out) + "\n"
