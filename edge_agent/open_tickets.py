"""Each station's open tickets as the store knows them: what a display that starts mid-shift must show.

Pure: every call takes its time. A ticket is open from its first revision until a display bumps
the whole ticket (``ready`` without line ids) or it is cancelled; a recall opens it again, and so
does a later revision of a bumped ticket (the order changed after cooking). A bump older than the
ticket's latest revision does not close it. Open tickets are kept for ``max_age``, closes for
``closed_for``; a station's list holds at most ``limit`` of each, the newest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.kitchen import ClosedTicket, KitchenTicket, OpenTicket, StationTickets, TicketState, TicketStatus


@dataclass
class _Entry:
    ticket: KitchenTicket
    received_at: datetime
    """When the first revision arrived."""
    revised_at: datetime
    """When the latest revision arrived."""


@dataclass(frozen=True)
class Change:
    """What one event did to the lists: the station to publish again, and the close to keep (or drop)."""

    station_id: str
    closed: ClosedTicket | None = None
    reopened: str | None = None


class OpenTickets:
    def __init__(
        self,
        store_id: str,
        *,
        max_age: timedelta = timedelta(hours=12),
        closed_for: timedelta = timedelta(hours=2),
        limit: int = 200,
    ) -> None:
        self.store_id = store_id
        self.max_age = max_age
        self.closed_for = closed_for
        self.limit = limit
        self._entries: dict[str, _Entry] = {}
        """Every ticket known, open or closed (a recall needs the ticket back)."""
        self._closed: dict[str, ClosedTicket] = {}

    # -- loading ------------------------------------------------------------------------------

    def load(self, tickets: list[tuple[KitchenTicket, datetime]], closes: list[ClosedTicket]) -> None:
        """At start: the spool's recent tickets (latest revision, first arrival) and the closes kept."""
        for ticket, received_at in tickets:
            self._entries[ticket.ticket_id] = _Entry(ticket, received_at, received_at)
            if ticket.cancelled:
                self._closed[ticket.ticket_id] = ClosedTicket(
                    ticket_id=ticket.ticket_id, revision=ticket.revision, reason="cancelled", at=received_at
                )
        for close in closes:
            entry = self._entries.get(close.ticket_id)
            if entry is not None and close.revision >= entry.ticket.revision:
                self._closed.setdefault(close.ticket_id, close)

    # -- events -------------------------------------------------------------------------------

    def ticket(self, ticket: KitchenTicket, at: datetime) -> Change | None:
        entry = self._entries.get(ticket.ticket_id)
        if entry is not None and ticket.revision <= entry.ticket.revision:
            return None  # a redelivery or an older revision
        closed = self._closed.get(ticket.ticket_id)
        first_at = entry.received_at if entry is not None else at
        self._entries[ticket.ticket_id] = _Entry(ticket, first_at, at)
        station = ticket.station_id
        if ticket.cancelled:
            close = ClosedTicket(ticket_id=ticket.ticket_id, revision=ticket.revision, reason="cancelled", at=at)
            self._closed[ticket.ticket_id] = close
            return Change(station, closed=close)
        if closed is not None:
            if ticket.reprint:  # a reprint of a bumped ticket stays bumped
                close = closed.model_copy(update={"revision": ticket.revision})
                self._closed[ticket.ticket_id] = close
                return Change(station, closed=close)
            del self._closed[ticket.ticket_id]  # changed after the bump: to cook again
            return Change(station, reopened=ticket.ticket_id)
        return Change(station)

    def status(self, status: TicketStatus) -> Change | None:
        """A display's status: a whole-ticket bump closes the ticket, a whole-ticket recall opens it."""
        if status.line_ids or status.store_id != self.store_id:
            return None  # an item bump or recall: the ticket stays open
        entry = self._entries.get(status.ticket_id)
        if entry is None or entry.ticket.station_id != status.station_id:
            return None
        closed = self._closed.get(status.ticket_id)
        if status.state is TicketState.READY:
            if closed is not None or entry.revised_at > status.at:
                return None  # already closed, or bumped before its latest revision came
            close = ClosedTicket(
                ticket_id=status.ticket_id,
                revision=entry.ticket.revision,
                reason="ready",
                device_id=status.device_id,
                at=status.at,
            )
            self._closed[status.ticket_id] = close
            return Change(entry.ticket.station_id, closed=close)
        if status.state is TicketState.RECALLED and closed is not None and closed.reason == "ready":
            if closed.at > status.at:
                return None  # a recall older than the bump that closed it
            del self._closed[status.ticket_id]
            return Change(entry.ticket.station_id, reopened=status.ticket_id)
        return None

    # -- reading ------------------------------------------------------------------------------

    def stations(self) -> set[str]:
        return {entry.ticket.station_id for entry in self._entries.values()}

    def snapshot(self, station_id: str, now: datetime) -> StationTickets:
        entries = [e for e in self._entries.values() if e.ticket.station_id == station_id]
        open_ = sorted(
            (e for e in entries if e.ticket.ticket_id not in self._closed and now - e.received_at <= self.max_age),
            key=lambda e: (e.received_at, e.ticket.ticket_id),
        )[-self.limit :]
        closed = sorted(
            (
                self._closed[e.ticket.ticket_id]
                for e in entries
                if e.ticket.ticket_id in self._closed and now - self._closed[e.ticket.ticket_id].at <= self.closed_for
            ),
            key=lambda c: (c.at, c.ticket_id),
        )[-self.limit :]
        return StationTickets(
            store_id=self.store_id,
            station_id=station_id,
            tickets=tuple(OpenTicket(ticket=e.ticket, received_at=e.received_at) for e in open_),
            closed=tuple(closed),
            at=now,
        )

    def prune(self, now: datetime) -> set[str]:
        """Forget tickets past both windows; returns the stations whose lists changed."""
        horizon = max(self.max_age, self.closed_for)
        gone = [tid for tid, e in self._entries.items() if now - e.revised_at > horizon]
        stations = {self._entries[tid].ticket.station_id for tid in gone}
        for ticket_id in gone:
            del self._entries[ticket_id]
            self._closed.pop(ticket_id, None)
        return stations
