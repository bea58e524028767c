"""What a printer can do, from configuration: paper width, code page, native QR support."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

CODE_PAGE_NUMBERS = {"cp437": 0, "cp850": 2, "cp860": 3, "cp863": 4, "cp865": 5, "cp1252": 16, "cp866": 17, "cp858": 19}
"""ESC t n for the single-byte code pages; ``gb18030`` is the printer's Chinese mode (FS &) instead."""


class PrinterProfile(BaseModel):
    model_config = {"frozen": True}

    paper_width_mm: Literal[58, 80] = 80
    codepage: Literal["gb18030", "cp437", "cp850", "cp860", "cp863", "cp865", "cp1252", "cp866", "cp858"] = "gb18030"
    """gb18030: Chinese text, sent as GB18030 with the printer's Chinese mode switched on (FS &)."""
    native_qr: bool = True
    """False for printers without GS ( k: the QR code is sent as a raster image (much bigger, slower)."""
    columns: int | None = Field(default=None, ge=16, le=80)
    """Characters per line in font A; default 48 on 80 mm paper, 32 on 58 mm."""
    escpos_profile: str = "default"
    """A python-escpos capabilities profile name (e.g. TM-T88V)."""

    @property
    def line_width(self) -> int:
        if self.columns is not None:
            return self.columns
        return 48 if self.paper_width_mm == 80 else 32

    @property
    def chinese(self) -> bool:
        return self.codepage == "gb18030"
