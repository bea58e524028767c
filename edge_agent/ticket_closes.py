"""The closes of the stations' open-ticket lists, kept on disk: after a restart a bumped ticket stays
bumped for a display that loads the list. SQLite, ``synchronous=FULL``; every method blocks (call
it through ``asyncio.to_thread``). The tickets themselves are in the spool.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from contracts.kitchen import ClosedTicket

_SCHEMA = """CREATE TABLE IF NOT EXISTS ticket_closes (
    ticket_id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    closed_at REAL NOT NULL
)"""


class TicketCloses:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def record(self, close: ClosedTicket) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO ticket_closes (ticket_id, payload, closed_at) VALUES (?, ?, ?)",
                (close.ticket_id, close.model_dump_json(), close.at.timestamp()),
            )

    def reopen(self, ticket_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM ticket_closes WHERE ticket_id = ?", (ticket_id,))

    def since(self, at: datetime) -> list[ClosedTicket]:
        with self._lock:
            rows = self._db.execute(
                "SELECT payload FROM ticket_closes WHERE closed_at >= ? ORDER BY closed_at", (at.timestamp(),)
            ).fetchall()
        return [ClosedTicket.model_validate_json(r[0]) for r in rows]

    def forget_before(self, at: datetime) -> None:
        with self._lock:
            self._db.execute("DELETE FROM ticket_closes WHERE closed_at < ?", (at.timestamp(),))

    def close(self) -> None:
        with self._lock:
            self._db.close()
