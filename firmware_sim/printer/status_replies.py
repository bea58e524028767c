"""Real-time status bytes (DLE EOT n) as an Epson-compatible thermal printer sends them.

Every status byte has bits 1 and 4 set (0x12); the others say what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

FIXED = 0x12


class Paper(StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"


@dataclass(frozen=True, slots=True)
class Condition:
    paper: Paper = Paper.OK
    cover_open: bool = False

    @property
    def can_print(self) -> bool:
        return self.paper is not Paper.OUT and not self.cover_open


def status_byte(n: int, condition: Condition) -> bytes:
    """The reply to DLE EOT n; an unknown n gets no reply, as on a real printer."""
    stopped = not condition.can_print
    if n == 1:  # printer status: bit 3 = offline
        return bytes([FIXED | (0x08 if stopped else 0)])
    if n == 2:  # offline cause: bit 2 cover open, bit 5 printing stopped by paper end
        cover = 0x04 if condition.cover_open else 0
        paper_end = 0x20 if condition.paper is Paper.OUT else 0
        return bytes([FIXED | cover | paper_end])
    if n == 3:  # error cause: none simulated
        return bytes([FIXED])
    if n == 4:  # paper roll sensor: bits 2-3 near end, bits 5-6 paper end
        near = 0x0C if condition.paper in (Paper.NEAR_END, Paper.OUT) else 0
        out = 0x60 if condition.paper is Paper.OUT else 0
        return bytes([FIXED | near | out])
    return b""
