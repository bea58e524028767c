"""Each printer's health as the agent last saw it, and when to try a failed printer again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from contracts.devices import PrinterStatus

_WORKING = (PrinterStatus.ONLINE, PrinterStatus.PAPER_NEAR_END)


@dataclass
class PrinterHealth:
    status: PrinterStatus = PrinterStatus.ONLINE
    detail: str | None = None
    failures: int = 0
    changed_at: float = 0.0

    @property
    def usable(self) -> bool:
        return self.failures == 0 and self.status in _WORKING


class HealthBoard:
    """Printers start usable; a failure takes one out of routing until a status read says it is back."""

    def __init__(
        self,
        printer_ids: list[str],
        *,
        retry_min_s: float = 0.5,
        retry_max_s: float = 15.0,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self._health = {pid: PrinterHealth(changed_at=time.time()) for pid in printer_ids}
        self._retry_min_s = retry_min_s
        self._retry_max_s = retry_max_s
        self._listeners: list[Callable[[str], None]] = [on_change] if on_change else []

    def on_change(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def usable(self, printer_id: str) -> bool:
        health = self._health.get(printer_id)
        return health is not None and health.usable

    def get(self, printer_id: str) -> PrinterHealth:
        return self._health[printer_id]

    def items(self) -> list[tuple[str, PrinterHealth]]:
        return list(self._health.items())

    def retry_delay(self, printer_id: str) -> float:
        failures = max(self._health[printer_id].failures, 1)
        return float(min(self._retry_max_s, self._retry_min_s * 2.0 ** (failures - 1)))

    def mark_up(self, printer_id: str, status: PrinterStatus) -> None:
        health = self._health[printer_id]
        changed = health.status is not status or health.failures > 0
        health.status, health.detail, health.failures = status, None, 0
        if changed:
            self._changed(printer_id)

    def mark_down(self, printer_id: str, status: PrinterStatus, detail: str) -> None:
        health = self._health[printer_id]
        changed = health.status is not status or health.failures == 0
        health.status, health.detail = status, detail[:200]
        health.failures += 1
        if changed:
            self._changed(printer_id)

    def _changed(self, printer_id: str) -> None:
        self._health[printer_id].changed_at = time.time()
        for listener in list(self._listeners):
            listener(printer_id)
