"""A station's board: tickets in, bumps and recalls out. Pure Python; every call takes ``now``.

Rules (the hub's side is ``hub/kitchen/service.py``):

- Tickets arrive at least once and may arrive out of order: a (ticket_id, revision) at or below
  one already seen is a duplicate and changes nothing.
- A later revision replaces the lines; lines added, changed or removed are marked until the ticket
  is bumped. A change to a ticket already bumped brings it back (the order changed after cooking).
- ``cancelled`` marks the card cancelled; it stays on screen for a short while, then goes.
- ``reprint`` refreshes the card that is there; it never makes a second card or an alert.
- Every revision that reaches the screen owes the hub a ``shown``; a bump owes ``ready`` (no line
  ids: the whole ticket; line ids: those items); a recall owes ``recalled``.
- Bumping the last open item bumps the whole ticket.
- A station's open-ticket list from the store (a display that starts or reconnects mid-shift) is
  received ticket by ticket like the feed, timed from when the store got each ticket; a ticket the
  list says was bumped at another display or cancelled leaves the screen (``close``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from contracts.kitchen import KitchenTicket, TicketState
from kds_terminal.tickets import (
    AgeLevel,
    BoardLine,
    BoardTicket,
    LineChange,
    NotForThisDisplay,
    NothingToRecall,
    Outcome,
    OutcomeKind,
    Phase,
    StatusIntent,
    Thresholds,
    UnknownTicket,
)

DEFAULT_HISTORY = 20
SEEN_RETENTION_S = 48 * 3600
SEEN_LIMIT = 20_000


class Board:
    def __init__(
        self,
        *,
        store_id: str,
        stations: Collection[str],
        thresholds: Mapping[str, Thresholds] | None = None,
        default_thresholds: Thresholds | None = None,
        history_size: int = DEFAULT_HISTORY,
        cancelled_display_s: float = 30.0,
    ) -> None:
        self.store_id = store_id
        self.stations = tuple(stations)
        self._thresholds = dict(thresholds or {})
        self._default_thresholds = default_thresholds or Thresholds()
        self.history_size = history_size
        self.cancelled_display_s = cancelled_display_s
        self.tickets: dict[str, BoardTicket] = {}
        """Every ticket the board still knows: on screen (active, cancelled) and the recall history."""
        self.history: list[str] = []
        """Bumped ticket ids, most recent first, at most ``history_size``."""
        self.seen: dict[str, tuple[int, datetime]] = {}
        """ticket_id -> (highest revision seen, when): the dedupe record."""

    # -- reading ---------------------------------------------------------------------------

    def on_screen(self) -> list[BoardTicket]:
        """Active and cancelled cards, oldest first."""
        cards = [t for t in self.tickets.values() if t.phase is not Phase.BUMPED]
        return sorted(cards, key=lambda t: (t.arrived_at, t.order_number, t.ticket_id))

    def active(self) -> list[BoardTicket]:
        return [t for t in self.on_screen() if t.phase is Phase.ACTIVE]

    def recent_bumps(self) -> list[BoardTicket]:
        """What can be recalled, most recently bumped first."""
        return [self.tickets[i] for i in self.history]

    def thresholds_for(self, station_id: str) -> Thresholds:
        return self._thresholds.get(station_id, self._default_thresholds)

    def level(self, ticket: BoardTicket, now: datetime) -> AgeLevel:
        return self.thresholds_for(ticket.station_id).level(ticket.age_s(now))

    def all_day(self) -> list[tuple[str, int]]:
        """Open quantity per item across the active tickets, largest first."""
        counts: dict[str, int] = {}
        for ticket in self.active():
            for line in ticket.open_lines:
                counts[line.name] = counts.get(line.name, 0) + line.quantity
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    # -- tickets from the hub ---------------------------------------------------------------

    def receive(self, ticket: KitchenTicket, now: datetime, *, arrived_at: datetime | None = None) -> Outcome:
        """``arrived_at``: when the store got a ticket loaded from its list (default ``now``)."""
        if ticket.store_id != self.store_id:
            raise NotForThisDisplay(f"ticket {ticket.ticket_id} is for store {ticket.store_id}, not {self.store_id}")
        if ticket.station_id not in self.stations:
            raise NotForThisDisplay(
                f"ticket {ticket.ticket_id} is for station {ticket.station_id}; this display serves "
                + ", ".join(self.stations)
            )
        seen = self.seen.get(ticket.ticket_id)
        if seen is not None and ticket.revision <= seen[0]:
            return Outcome(OutcomeKind.DUPLICATE, ticket.ticket_id)
        self.seen[ticket.ticket_id] = (ticket.revision, now)
        known = self.tickets.get(ticket.ticket_id)
        if ticket.cancelled:
            return self._cancel(ticket, known, now)
        if known is None:
            return self._add(ticket, now, arrived_at or now)
        if ticket.reprint:
            return self._refresh(known, ticket, now)
        return self._revise(known, ticket, now)

    def _add(self, ticket: KitchenTicket, now: datetime, arrived_at: datetime) -> Outcome:
        card = BoardTicket(
            ticket_id=ticket.ticket_id,
            order_id=ticket.order_id,
            order_number=ticket.order_number,
            store_id=ticket.store_id,
            station_id=ticket.station_id,
            station_name=ticket.station_name or ticket.station_id,
            channel=ticket.channel,
            placed_at=ticket.placed_at,
            revision=ticket.revision,
            arrived_at=min(arrived_at, now),
            lines=[BoardLine.from_contract(line) for line in ticket.lines],
            due_at=ticket.due_at,
            notes=ticket.notes,
            customer_display=ticket.customer_display,
            alert_at=now,
        )
        self.tickets[card.ticket_id] = card
        return Outcome(OutcomeKind.NEW, card.ticket_id, (self._status(card, TicketState.SHOWN, now),), alert=True)

    def _cancel(self, ticket: KitchenTicket, known: BoardTicket | None, now: datetime) -> Outcome:
        if known is None:  # never shown here; remembered (in ``seen``) so a late first revision stays away
            return Outcome(OutcomeKind.CANCELLED, ticket.ticket_id)
        known.revision = ticket.revision
        if known.phase is Phase.BUMPED:
            self._forget(known.ticket_id)  # already cooked: nothing to show, nothing to recall
            return Outcome(OutcomeKind.CANCELLED, known.ticket_id)
        known.phase = Phase.CANCELLED
        known.cancelled_at = now
        known.alert_at = now
        return Outcome(OutcomeKind.CANCELLED, known.ticket_id, alert=True)

    def _refresh(self, known: BoardTicket, ticket: KitchenTicket, now: datetime) -> Outcome:
        """A reprint: same card, new revision; nothing to alert about."""
        known.revision = ticket.revision
        if known.phase is not Phase.ACTIVE:
            return Outcome(OutcomeKind.UPDATED, known.ticket_id)
        self._apply_lines(known, ticket)
        return Outcome(OutcomeKind.UPDATED, known.ticket_id, (self._status(known, TicketState.SHOWN, now),))

    def _revise(self, known: BoardTicket, ticket: KitchenTicket, now: datetime) -> Outcome:
        was_bumped = known.phase is Phase.BUMPED
        if was_bumped:
            for line in known.lines:
                line.bumped = True  # cooked before the change: only what changed is open
        known.revision = ticket.revision
        lines_changed = self._apply_lines(known, ticket)
        notes_changed = ticket.notes != known.notes
        known.notes = ticket.notes
        known.due_at = ticket.due_at
        known.customer_display = ticket.customer_display
        if was_bumped and not known.open_lines:
            # Nothing new to cook (an item left the order): still done. The hub reopened the ticket
            # for the new revision, so say so again.
            again = self._status(known, TicketState.READY, now)
            return Outcome(OutcomeKind.UPDATED, known.ticket_id, (again,))
        if was_bumped or known.phase is Phase.CANCELLED:
            self._remove_from_history(known.ticket_id)
            known.phase = Phase.ACTIVE
            known.bumped_at = None
            known.cancelled_at = None
        shown = (self._status(known, TicketState.SHOWN, now),)
        if not (lines_changed or notes_changed or was_bumped):
            return Outcome(OutcomeKind.UPDATED, known.ticket_id, shown)
        known.changed = True
        known.alert_at = now
        return Outcome(OutcomeKind.CHANGED, known.ticket_id, shown, alert=True)

    @staticmethod
    def _apply_lines(known: BoardTicket, ticket: KitchenTicket) -> bool:
        """Replace the lines with the revision's; True when what to cook changed."""
        old = {line.line_id: line for line in known.lines}
        new_lines: list[BoardLine] = []
        changed = False
        for incoming in ticket.lines:
            line = BoardLine.from_contract(incoming)
            before = old.pop(line.line_id, None)
            if before is not None and not before.removed and before.same_dish(line):
                new_lines.append(before)
                continue
            changed = True
            if before is None or before.removed:
                line.change = LineChange.ADDED
            else:
                line.change = LineChange.CHANGED
                if before.quantity != line.quantity:
                    line.previous_quantity = before.quantity
            new_lines.append(line)
        for gone in old.values():  # left the order: struck through until the ticket is bumped
            if not gone.removed:
                changed = True
                gone.change = LineChange.REMOVED
                gone.bumped = False
            new_lines.append(gone)
        known.lines = new_lines
        return changed

    def close(self, ticket_id: str, revision: int, *, cancelled: bool, now: datetime) -> Outcome:
        """The store says this ticket was bumped at another display (or cancelled) at ``revision``."""
        seen = self.seen.get(ticket_id)
        if seen is None or seen[0] < revision:
            self.seen[ticket_id] = (revision, now)  # a late delivery of that revision stays away
        known = self.tickets.get(ticket_id)
        if known is None or known.phase is not Phase.ACTIVE or known.revision > revision:
            return Outcome(OutcomeKind.IGNORED, ticket_id)
        if cancelled:
            if known.revision == revision:
                return Outcome(OutcomeKind.IGNORED, ticket_id)
            known.revision = revision
            known.phase = Phase.CANCELLED
            known.cancelled_at = now
            known.alert_at = now
            return Outcome(OutcomeKind.CANCELLED, ticket_id, alert=True)
        self._bump(known, now, ())
        return Outcome(OutcomeKind.CLOSED, ticket_id)  # nothing to tell the hub: the other display did

    # -- cooks' commands ---------------------------------------------------------------------

    def bump_ticket(self, ticket_id: str, now: datetime) -> Outcome:
        ticket = self._on_screen(ticket_id)
        if ticket.phase is Phase.CANCELLED:
            self._forget(ticket_id)
            return Outcome(OutcomeKind.DISMISSED, ticket_id)
        return self._bump(ticket, now, ())

    def bump_line(self, ticket_id: str, line_id: str, now: datetime) -> Outcome:
        """Mark one item done, or (when it already is) open again."""
        ticket = self._on_screen(ticket_id)
        line = ticket.line(line_id)
        if ticket.phase is not Phase.ACTIVE or line.removed:
            return Outcome(OutcomeKind.IGNORED, ticket_id)
        if line.bumped:
            line.bumped = False
            reopened = self._status(ticket, TicketState.RECALLED, now, (line_id,))
            return Outcome(OutcomeKind.LINE_REOPENED, ticket_id, (reopened,))
        line.bumped = True
        item = self._status(ticket, TicketState.READY, now, (line_id,))
        if ticket.open_lines:
            return Outcome(OutcomeKind.LINE_BUMPED, ticket_id, (item,))
        return self._bump(ticket, now, (item,))

    def _bump(self, ticket: BoardTicket, now: datetime, before: tuple[StatusIntent, ...]) -> Outcome:
        ticket.phase = Phase.BUMPED
        ticket.bumped_at = now
        ticket.recalled = False
        ticket.changed = False
        ticket.alert_at = None
        ticket.lines = [line for line in ticket.lines if not line.removed]
        for line in ticket.lines:  # the changes are cooked: a later revision compares with this
            line.change = LineChange.NONE
            line.previous_quantity = None
        self.history.insert(0, ticket.ticket_id)
        for dropped in self.history[self.history_size :]:
            del self.tickets[dropped]  # out of recall reach; its revision stays in ``seen``
        del self.history[self.history_size :]
        ready = self._status(ticket, TicketState.READY, now)
        return Outcome(OutcomeKind.BUMPED, ticket.ticket_id, (*before, ready))

    def recall(self, ticket_id: str | None, now: datetime) -> Outcome:
        """Bring a bumped ticket back (the most recent one when ``ticket_id`` is None)."""
        if ticket_id is None:
            if not self.history:
                raise NothingToRecall("no bumped ticket to recall")
            ticket_id = self.history[0]
        if ticket_id not in self.history:
            raise UnknownTicket(f"ticket {ticket_id} is not among the last {self.history_size} bumped")
        self._remove_from_history(ticket_id)
        ticket = self.tickets[ticket_id]
        ticket.phase = Phase.ACTIVE
        ticket.bumped_at = None
        ticket.recalled = True
        if not ticket.open_lines:  # it was done item by item: all of it comes back
            for line in ticket.bumpable_lines:
                line.bumped = False
        return Outcome(OutcomeKind.RECALLED, ticket_id, (self._status(ticket, TicketState.RECALLED, now),))

    # -- housekeeping ------------------------------------------------------------------------

    def expire(self, now: datetime) -> bool:
        """Take cancelled cards off after their display time; forget old dedupe records."""
        changed = False
        for ticket in list(self.tickets.values()):
            if (
                ticket.phase is Phase.CANCELLED
                and ticket.cancelled_at is not None
                and (now - ticket.cancelled_at).total_seconds() >= self.cancelled_display_s
            ):
                self._forget(ticket.ticket_id)
                changed = True
        stale = [
            ticket_id
            for ticket_id, (_, at) in self.seen.items()
            if ticket_id not in self.tickets and (now - at).total_seconds() > SEEN_RETENTION_S
        ]
        for ticket_id in stale:
            del self.seen[ticket_id]
        if len(self.seen) > SEEN_LIMIT:
            oldest = sorted((at, tid) for tid, (_, at) in self.seen.items() if tid not in self.tickets)
            for _, ticket_id in oldest[: len(self.seen) - SEEN_LIMIT]:
                del self.seen[ticket_id]
        return changed or bool(stale)

    # -- internals ---------------------------------------------------------------------------

    def _on_screen(self, ticket_id: str) -> BoardTicket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket.phase is Phase.BUMPED:
            raise UnknownTicket(f"ticket {ticket_id} is not on the screen")
        return ticket

    def _forget(self, ticket_id: str) -> None:
        self._remove_from_history(ticket_id)
        self.tickets.pop(ticket_id, None)

    def _remove_from_history(self, ticket_id: str) -> None:
        if ticket_id in self.history:
            self.history.remove(ticket_id)

    @staticmethod
    def _status(ticket: BoardTicket, state: TicketState, now: datetime, line_ids: tuple[str, ...] = ()) -> StatusIntent:
        return StatusIntent(
            ticket_id=ticket.ticket_id,
            order_id=ticket.order_id,
            store_id=ticket.store_id,
            station_id=ticket.station_id,
            state=state,
            at=now,
            line_ids=line_ids,
        )
