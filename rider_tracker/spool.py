"""The rider's durable store beside the outbox: positions waiting to be batched, what was reported,
the last route. SQLite with ``synchronous=FULL``: when a call returns, the data is on disk.

Positions are journaled one by one as the throttle lets them through, and leave the journal only
when sealed into a ``RiderPositionBatch`` that the device outbox holds (``mqttlink.DeviceOutbox``,
same file, its own table). The seal writes the outbox row first and removes the journal rows
second: a power cut between the two commits (a few milliseconds) sends those positions again in a
later batch under a new envelope id, which the hub's unique (rider, fix time) makes harmless.
Nothing is lost in any order of failure.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from contracts.rider import DeliveryEvent, DeliveryEventKind, FailureReason, RiderPosition, RiderRoute

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS rider_positions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        fix_at TEXT NOT NULL,
        body TEXT NOT NULL,
        journaled_at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS rider_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS rider_reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL UNIQUE,
        order_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT,
        at TEXT NOT NULL
    )""",
)


@dataclass(frozen=True, slots=True)
class ReportedEvent:
    order_id: str
    kind: DeliveryEventKind
    reason: FailureReason | None
    at: datetime
    message_id: str


class RiderSpool:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        for statement in _SCHEMA:
            self._db.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- positions ---------------------------------------------------------------------------

    def append(self, position: RiderPosition, *, now: float | None = None) -> None:
        """Journal one position and remember it as the last published (one transaction)."""
        body = position.model_dump_json()
        with self._lock, self._transaction():
            self._db.execute(
                "INSERT INTO rider_positions (fix_at, body, journaled_at) VALUES (?, ?, ?)",
                (position.fix_at.isoformat(), body, time.time() if now is None else now),
            )
            self._put_state("last_position", body)

    def waiting(self) -> tuple[int, float | None]:
        """How many positions wait to be sealed, and when the oldest of them was journaled."""
        with self._lock:
            count, oldest = self._db.execute("SELECT COUNT(*), MIN(journaled_at) FROM rider_positions").fetchone()
        return int(count), oldest

    def oldest(self, limit: int) -> list[tuple[int, RiderPosition]]:
        with self._lock:
            rows = self._db.execute("SELECT id, body FROM rider_positions ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [(int(row_id), RiderPosition.model_validate_json(body)) for row_id, body in rows]

    def remove(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        with self._lock, self._transaction():
            self._db.executemany("DELETE FROM rider_positions WHERE id = ?", [(i,) for i in ids])

    def last_position(self) -> RiderPosition | None:
        value = self._get_state("last_position")
        return RiderPosition.model_validate_json(value) if value else None

    # -- reports and route --------------------------------------------------------------------

    def record_report(self, event: DeliveryEvent, message_id: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO rider_reports (message_id, order_id, kind, reason, at) VALUES (?, ?, ?, ?, ?)",
                (
                    message_id,
                    event.order_id,
                    event.kind.value,
                    event.reason.value if event.reason else None,
                    event.at.isoformat(),
                ),
            )

    def reports(self) -> list[ReportedEvent]:
        with self._lock:
            rows = self._db.execute("SELECT order_id, kind, reason, at, message_id FROM rider_reports ORDER BY id")
            return [
                ReportedEvent(
                    order_id,
                    DeliveryEventKind(kind),
                    FailureReason(reason) if reason else None,
                    datetime.fromisoformat(at),
                    message_id,
                )
                for order_id, kind, reason, at, message_id in rows.fetchall()
            ]

    def save_route(self, route: RiderRoute) -> None:
        with self._lock:
            self._put_state("route", route.model_dump_json())

    def last_route(self) -> RiderRoute | None:
        value = self._get_state("route")
        return RiderRoute.model_validate_json(value) if value else None

    # -- internals ----------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _put_state(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO rider_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _get_state(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM rider_state WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
