"""A kitchen ticket as ESC/POS bytes, rendered with python-escpos into a Dummy printer.

Text is encoded by us, not by python-escpos: GB18030 with the printer's Chinese mode switched
on explicitly (FS & ... FS .), or the profile's single-byte code page (ESC t n). python-escpos
alone sends CJK as raw GB18030 without FS & and prints a lone "，" as "?".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from contracts.kitchen import KitchenTicket, TicketLine
from edge_agent.changes import JobKind, TicketChanges
from edge_agent.errors import TicketUnprintable
from edge_agent.printing.escpos_loader import escpos_printers
from edge_agent.printing.masking import mask_display
from edge_agent.printing.printable_text import printable, printable_line, without_control_bytes
from edge_agent.printing.profile import CODE_PAGE_NUMBERS, PrinterProfile
from edge_agent.printing.text_layout import wrap

CHINESE_MODE_ON = b"\x1c&"
CHINESE_MODE_OFF = b"\x1c."
QR_SIZE_NATIVE = 6
QR_SIZE_IMAGE = 4
DOTS_PER_LINE = {58: 384, 80: 576}


@dataclass(frozen=True)
class PrintRequest:
    ticket: KitchenTicket
    kind: JobKind = JobKind.TICKET
    changes: TicketChanges | None = None
    """For a change ticket: the NEW and CANCELLED lines."""
    reprint_mark: bool = False
    """REPRINT on top: a staff reprint, or an earlier attempt whose outcome is unknown."""
    backup_from: str | None = None
    """The station whose printer failed, when a printer of the fallback chain prints its ticket."""


class _Writer:
    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile
        self.p: Any = escpos_printers.Dummy(profile=profile.escpos_profile)
        self.width = profile.line_width
        # python-escpos print()s a warning for every image when the profile lacks the paper width.
        data = copy.deepcopy(self.p.profile.profile_data)
        data.setdefault("media", {}).setdefault("width", {})["pixels"] = DOTS_PER_LINE[profile.paper_width_mm]
        self.p.profile.profile_data = data

    def raw(self, data: bytes) -> None:
        self.p._raw(data)

    def encode(self, text: str) -> bytes:
        """The last step before text reaches the printer: no data byte can be a command."""
        codec = "gb18030" if self.profile.chinese else self.profile.codepage
        return without_control_bytes(printable_line(text).encode(codec, errors="replace"))

    def line(self, text: str, *, big: bool = False, tall: bool = False, **style: Any) -> None:
        """One or more wrapped lines in a style, then back to normal text."""
        double_w = big
        self.p.set(double_width=double_w, double_height=big or tall, normal_textsize=not (big or tall), **style)
        for part in wrap(printable(text), self.width // 2 if double_w else self.width):
            self.raw(self.encode(part) + b"\n")
        self.p.set(normal_textsize=True, bold=False, invert=False, underline=0, align="left")

    def rule(self, char: str = "-") -> None:
        self.raw(self.encode(char * self.width) + b"\n")


def render_ticket(request: PrintRequest, profile: PrinterProfile, tz: ZoneInfo) -> bytes:
    """The job's bytes; TicketUnprintable when this ticket cannot be rendered at all."""
    try:
        return _render(request, profile, tz)
    except Exception as exc:  # whatever the data does to the renderer, it must not stop the agent
        raise TicketUnprintable(f"ticket cannot be rendered: {type(exc).__name__}: {exc}") from exc


def _render(request: PrintRequest, profile: PrinterProfile, tz: ZoneInfo) -> bytes:
    ticket = request.ticket
    w = _Writer(profile)
    w.p.hw("INIT")
    if profile.chinese:
        w.raw(CHINESE_MODE_ON)
    else:
        w.raw(b"\x1bt" + bytes([CODE_PAGE_NUMBERS[profile.codepage]]))
    _marks(w, request)
    _header(w, ticket, tz)
    w.rule()
    if request.kind is JobKind.CHANGE and request.changes is not None:
        _change_lines(w, request.changes)
    else:
        for line in ticket.lines:
            _item(w, line)
    if ticket.notes:
        w.rule()
        w.line(f"NOTE 备注: {ticket.notes}", bold=True)
    w.rule()
    _qr(w, ticket.order_id, profile)
    w.line(f"{ticket.ticket_id} r{ticket.revision}", align="center")
    if profile.chinese:
        w.raw(CHINESE_MODE_OFF)
    w.p.cut()
    return bytes(w.p.output)


def _marks(w: _Writer, request: PrintRequest) -> None:
    if request.reprint_mark or request.kind is JobKind.REPRINT:
        w.line(" REPRINT 重印 ", big=True, invert=True, align="center")
    if request.backup_from:
        w.line(f" BACKUP FROM {request.backup_from} ", tall=True, bold=True, invert=True, align="center")
    if request.kind is JobKind.CHANGE:
        w.line(" CHANGED 改单 ", big=True, invert=True, align="center")
    elif request.kind is JobKind.CANCEL:
        w.line(" CANCELLED 取消 ", big=True, invert=True, align="center")


def _header(w: _Writer, ticket: KitchenTicket, tz: ZoneInfo) -> None:
    if ticket.store_name:
        w.line(ticket.store_name, bold=True, align="center")
    station = ticket.station_name or ticket.station_id
    if station != ticket.station_id:
        station = f"{station} {ticket.station_id}"
    w.line(station, big=True, align="center")
    w.line(f"#{ticket.order_number}", big=True, bold=True)
    w.line(f"{ticket.channel}  rev {ticket.revision}")
    w.line(f"Placed {_clock(ticket.placed_at, tz)}")
    if ticket.due_at is not None:
        w.line(f"DUE {_clock(ticket.due_at, tz)}", tall=True, bold=True)
    if ticket.customer_display:
        w.line(f"Customer {mask_display(ticket.customer_display)}")


def _item(w: _Writer, line: TicketLine, prefix: str = "") -> None:
    w.line(f"{prefix}{line.quantity}x {line.name}", big=True, bold=True)
    for modifier in line.modifiers:
        w.line(f"  + {modifier}")
    if line.allergens:
        w.line(f" ALLERGEN 过敏: {', '.join(line.allergens)} ", bold=True, invert=True)
    if line.note:
        w.line(f"  * {line.note}")


def _change_lines(w: _Writer, changes: TicketChanges) -> None:
    if changes.removed:
        w.line(" CANCELLED 取消 ", tall=True, invert=True)
        for line in changes.removed:
            _item(w, line, prefix="- ")
    if changes.added:
        w.line(" NEW 新增 ", tall=True, invert=True)
        for line in changes.added:
            _item(w, line, prefix="+ ")
    if changes.empty:
        w.line("(no item changes / 菜品无变化)")


def _qr(w: _Writer, data: str, profile: PrinterProfile) -> None:
    w.p.set(align="center")
    if profile.native_qr:
        w.p.qr(printable_line(data), native=True, size=QR_SIZE_NATIVE)
        w.raw(b"\n")
    else:
        w.p.qr(printable_line(data), native=False, size=QR_SIZE_IMAGE, center=False)
    w.p.set(align="left")


def _clock(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%H:%M")
