"""Which ticket (and item) the cook has selected, and which page is on screen. Pure.

With nothing selected, the first card of the page is the target: a bump bar's BUMP key bumps the
oldest ticket without a selection first. After a bump the selection moves to the card that took
its place.
"""

from __future__ import annotations

from dataclasses import dataclass

from kds_terminal.tickets import BoardTicket


@dataclass
class Cursor:
    page_size: int
    page: int = 0
    ticket_id: str | None = None
    line_id: str | None = None
    _index: int = 0

    def pages(self, count: int) -> int:
        return max(1, -(-count // self.page_size))

    def visible(self, cards: list[BoardTicket]) -> list[BoardTicket]:
        start = self.page * self.page_size
        return cards[start : start + self.page_size]

    def reconcile(self, cards: list[BoardTicket]) -> None:
        """Keep the selection valid after the board changed."""
        ids = [c.ticket_id for c in cards]
        if self.ticket_id in ids:
            self._index = ids.index(self.ticket_id)
        elif ids:
            self._index = min(self._index, len(ids) - 1)
            self.ticket_id = ids[self._index]
            self.line_id = None
        else:
            self._index = 0
            self.ticket_id = None
            self.line_id = None
        if ids:
            self.page = self._index // self.page_size
        self.page = min(self.page, self.pages(len(ids)) - 1)
        if self.line_id is not None and self.ticket_id is not None:
            ticket = cards[self._index]
            if self.line_id not in {line.line_id for line in ticket.bumpable_lines}:
                self.line_id = None

    def target(self, cards: list[BoardTicket]) -> BoardTicket | None:
        self.reconcile(cards)
        if self.ticket_id is None:
            return None
        return cards[self._index]

    def select_slot(self, slot: int, cards: list[BoardTicket]) -> bool:
        """Number key ``slot`` (1-based) on the current page."""
        index = self.page * self.page_size + slot - 1
        if slot < 1 or slot > self.page_size or index >= len(cards):
            return False
        self._select(index, cards)
        return True

    def move(self, delta: int, cards: list[BoardTicket]) -> None:
        if cards:
            self.reconcile(cards)
            self._select(max(0, min(len(cards) - 1, self._index + delta)), cards)

    def turn_page(self, delta: int, cards: list[BoardTicket]) -> None:
        pages = self.pages(len(cards))
        page = max(0, min(pages - 1, self.page + delta))
        if cards and page != self.page:
            self._select(page * self.page_size, cards)

    def move_line(self, delta: int, cards: list[BoardTicket]) -> None:
        ticket = self.target(cards)
        if ticket is None:
            return
        ids = [line.line_id for line in ticket.bumpable_lines]
        if not ids:
            return
        if self.line_id not in ids:
            self.line_id = ids[0] if delta > 0 else ids[-1]
            return
        position = ids.index(self.line_id) + delta
        self.line_id = ids[position] if 0 <= position < len(ids) else None

    def item_target(self, ticket: BoardTicket) -> str | None:
        """The highlighted item, else the first open one (a bump bar's ITEM key works down the list)."""
        if self.line_id in {line.line_id for line in ticket.bumpable_lines}:
            return self.line_id
        first_open = next(iter(ticket.open_lines), None)
        return first_open.line_id if first_open is not None else None

    def after_item_bump(self, ticket: BoardTicket) -> None:
        """Move the highlight to the next open item below (or clear it)."""
        ids = [line.line_id for line in ticket.bumpable_lines]
        start = ids.index(self.line_id) + 1 if self.line_id in ids else 0
        open_ids = {line.line_id for line in ticket.open_lines}
        self.line_id = next((i for i in ids[start:] if i in open_ids), None)

    def clear_line(self) -> None:
        self.line_id = None

    def _select(self, index: int, cards: list[BoardTicket]) -> None:
        if cards[index].ticket_id != self.ticket_id:
            self.line_id = None
        self._index = index
        self.ticket_id = cards[index].ticket_id
        self.page = index // self.page_size
