"""The edge agent's exceptions: one base, a stable code each, mapped where they are handled."""

from __future__ import annotations

from typing import ClassVar

from contracts.devices import PrinterStatus


class EdgeError(Exception):
    code: ClassVar[str] = "edge.error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class PrinterUnavailable(EdgeError):
    """The printer cannot print now and nothing was sent: the job may go elsewhere as it is."""

    code = "printer.unavailable"

    def __init__(self, detail: str, status: PrinterStatus) -> None:
        super().__init__(detail)
        self.status = status


class PrintOutcomeUnknown(EdgeError):
    """Bytes were (or may have been) sent, but the printer did not confirm: a retry says REPRINT."""

    code = "printer.outcome_unknown"

    def __init__(self, detail: str, status: PrinterStatus = PrinterStatus.ERROR) -> None:
        super().__init__(detail)
        self.status = status


class TicketUnprintable(EdgeError):
    """The ticket cannot be rendered (a date out of range, a text no code page holds): no printer
    would do better, so its job fails for good and the next job prints."""

    code = "ticket.unprintable"


class OrderRejected(EdgeError):
    """An in-store order the agent cannot take (unknown dish, no menu yet)."""

    code = "pos.order_rejected"
