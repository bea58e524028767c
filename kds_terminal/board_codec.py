"""The board as a JSON-ready document and back, for the local state file. Pure."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from kds_terminal.board import Board
from kds_terminal.tickets import BoardError, BoardLine, BoardTicket, LineChange, Phase

FORMAT = 1


class StateFormatError(BoardError):
    code = "kds.state_format"


def board_to_doc(board: Board) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "store_id": board.store_id,
        "tickets": [_ticket_doc(t) for t in board.tickets.values()],
        "history": list(board.history),
        "seen": {tid: [rev, at.isoformat()] for tid, (rev, at) in board.seen.items()},
    }


def load_doc(board: Board, doc: dict[str, Any]) -> None:
    """Fill an empty board from a saved document; raises StateFormatError if it is not one."""
    try:
        if doc.get("format") != FORMAT:
            raise StateFormatError(f"state format {doc.get('format')!r}, expected {FORMAT}")
        if doc.get("store_id") != board.store_id:
            raise StateFormatError(f"state is for store {doc.get('store_id')!r}, not {board.store_id!r}")
        tickets = [_ticket_from(t) for t in doc["tickets"]]
        seen = {str(tid): (int(rev), _time(at)) for tid, (rev, at) in doc["seen"].items()}
        history = [str(tid) for tid in doc["history"]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateFormatError(f"unreadable board state: {exc!r}") from exc
    board.tickets = {t.ticket_id: t for t in tickets if t.station_id in board.stations}
    board.history = [tid for tid in history if tid in board.tickets][: board.history_size]
    for ticket_id in [tid for tid, t in board.tickets.items() if t.phase is Phase.BUMPED]:
        if ticket_id not in board.history:
            del board.tickets[ticket_id]
    board.seen = seen


_TIMES = ("placed_at", "arrived_at", "due_at", "bumped_at", "cancelled_at", "alert_at")
_TICKET_FIELDS = tuple(f.name for f in fields(BoardTicket) if f.name != "lines")


def _ticket_doc(ticket: BoardTicket) -> dict[str, Any]:
    """By hand, not ``dataclasses.asdict``: this runs on every change and asdict is ten times slower."""
    doc: dict[str, Any] = {name: getattr(ticket, name) for name in _TICKET_FIELDS}
    for name in _TIMES:
        value = doc[name]
        doc[name] = value.isoformat() if value is not None else None
    doc["phase"] = ticket.phase.value
    doc["lines"] = [
        {
            "line_id": line.line_id,
            "name": line.name,
            "quantity": line.quantity,
            "modifiers": list(line.modifiers),
            "allergens": list(line.allergens),
            "note": line.note,
            "bumped": line.bumped,
            "change": line.change.value,
            "previous_quantity": line.previous_quantity,
        }
        for line in ticket.lines
    ]
    return doc


def _ticket_from(doc: dict[str, Any]) -> BoardTicket:
    known = {f.name for f in fields(BoardTicket)}
    values = {k: v for k, v in doc.items() if k in known}
    for name in _TIMES:
        if values.get(name) is not None:
            values[name] = _time(values[name])
    values["phase"] = Phase(values.get("phase", Phase.ACTIVE.value))
    values["lines"] = [_line_from(line) for line in doc.get("lines", [])]
    return BoardTicket(**values)


def _line_from(doc: dict[str, Any]) -> BoardLine:
    known = {f.name for f in fields(BoardLine)}
    values = {k: v for k, v in doc.items() if k in known}
    values["modifiers"] = tuple(values.get("modifiers", ()))
    values["allergens"] = tuple(values.get("allergens", ()))
    values["change"] = LineChange(values.get("change", LineChange.NONE.value))
    return BoardLine(**values)


def _time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"naive time {value!r} in board state")
    return parsed
