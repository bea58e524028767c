"""Reading a printer's real-time status bytes (DLE EOT 1, 2, 4). Pure."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.devices import PrinterStatus

STATUS_REQUEST = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"
"""DLE EOT 1 (printer), DLE EOT 2 (offline cause), DLE EOT 4 (paper roll): three one-byte replies."""
REPLY_LENGTH = 3

OFFLINE_BIT = 0x08
COVER_OPEN_BIT = 0x04
PAPER_STOP_BIT = 0x20
PAPER_NEAR_END_BITS = 0x0C
PAPER_OUT_BITS = 0x60


@dataclass(frozen=True, slots=True)
class PrinterReading:
    online: bool
    cover_open: bool = False
    paper_near_end: bool = False
    paper_out: bool = False

    @property
    def status(self) -> PrinterStatus:
        if self.paper_out:
            return PrinterStatus.PAPER_OUT
        if self.cover_open:
            return PrinterStatus.COVER_OPEN
        if not self.online:
            return PrinterStatus.OFFLINE
        if self.paper_near_end:
            return PrinterStatus.PAPER_NEAR_END
        return PrinterStatus.ONLINE

    @property
    def ready(self) -> bool:
        """Online with paper: a job sent now is printed (near end still prints)."""
        return self.online and not self.paper_out and not self.cover_open


def parse_status(reply: bytes) -> PrinterReading:
    """Three status bytes, in the order of ``STATUS_REQUEST``."""
    if len(reply) < REPLY_LENGTH:
        raise ValueError(f"expected {REPLY_LENGTH} status bytes, got {len(reply)}")
    printer, cause, paper = reply[0], reply[1], reply[2]
    return PrinterReading(
        online=not printer & OFFLINE_BIT,
        cover_open=bool(cause & COVER_OPEN_BIT),
        paper_near_end=bool(paper & PAPER_NEAR_END_BITS),
        paper_out=bool(paper & PAPER_OUT_BITS) or bool(cause & PAPER_STOP_BIT),
    )
