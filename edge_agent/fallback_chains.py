"""Which printer prints a station's tickets: its own, else the next one up in its fallback chain. Pure."""

from __future__ import annotations

from collections.abc import Callable

from edge_agent.settings import PrinterConfig


class FallbackChains:
    def __init__(self, printers: list[PrinterConfig], default_printer: str | None = None) -> None:
        self._by_id = {p.id: p for p in printers}
        self._own: dict[str, str] = {}
        for p in printers:
            if p.station is not None:
                self._own.setdefault(p.station, p.id)
        self._default = default_printer
        self._chains: dict[str, tuple[str, ...]] = {}

    def chain(self, station: str) -> tuple[str, ...]:
        """The station's printers in order (its own printer first); empty if nothing can print it."""
        cached = self._chains.get(station)
        if cached is not None:
            return cached
        first = self._own.get(station, self._default)
        chain: list[str] = []
        while first is not None and first not in chain:
            chain.append(first)
            first = self._by_id[first].fallback
        self._chains[station] = tuple(chain)
        return self._chains[station]

    def route(self, station: str, usable: Callable[[str], bool]) -> str | None:
        """The first usable printer of the chain, or None when every one of them is down."""
        for printer_id in self.chain(station):
            if usable(printer_id):
                return printer_id
        return None

    def backup_label(self, station: str, printer_id: str) -> str | None:
        """The station named on the ticket when a printer other than the station's own prints it."""
        return None if self._own.get(station) == printer_id else station
