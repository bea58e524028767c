"""The rider tracker's one exception base; mapped at the edges (screen notification, log line, exit code)."""

from __future__ import annotations

from typing import ClassVar


class RiderError(Exception):
    code: ClassVar[str] = "rider.error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidReport(RiderError):
    """A delivery event the rider tried to report is incomplete (no proof, no reason, unknown stop)."""

    code = "rider.invalid_report"


class SourceUnavailable(RiderError):
    """A position source cannot be read right now (gpsd down, serial port gone); it reconnects."""

    code = "rider.source_unavailable"
