"""The rider's durable store beside the outbox: positions waiting to be batched, what was reported,
the last route. SQLite with ``synchronous=FULL``: when a call returns, the data is on disk.

Positions are journaled one by one as the throttle lets them through, and leave the journal only
when sealed into a ``RiderPositionBatch`` that the device outbox holds (``mqttlink.DeviceOutbox``,
same file, its own table). The seal writes the outbox row first and removes the journal rows
second: a power cut between the two commits (a few milliseconds) sends those positions again in a
later batch under a new envelope id, which the hub's unique (rider, fix time) makes harmless.
Nothing is lost in any order of failure.

A delivery event is recorded here before it is queued in the outbox, and stays "pending" until the
hub answers: ``applied`` (its ack) or ``refused`` (with the hub's reason, for the rider's screen).
One still pending whose outbox row is gone after a restart is queued again under the same id
(``unsettled_reports``): the hub's inbox makes that harmless, and it answers again.
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
_REPORT_COLUMNS = {"body": "TEXT", "outcome": "TEXT", "refusal": "TEXT"}
"""Added after the first release: a spool written by it gains them on open."""
APPLIED = "applied"
REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class ReportedEvent:
    order_id: str
    kind: DeliveryEventKind
    reason: FailureReason | None
    at: datetime
    message_id: str
    outcome: str | None = None
    """None while the hub has not answered; ``applied`` or ``refused``."""
    refusal: str | None = None
    """The hub's reason, when refused."""


class RiderSpool:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        for statement in _SCHEMA:
            self._db.execute(statement)
        have = {str(row[1]) for row in self._db.execute("PRAGMA table_info(rider_reports)")}
        for column, kind in _REPORT_COLUMNS.items():
            if column not in have:
                self._db.execute(f"ALTER TABLE rider_reports ADD COLUMN {column} {kind}")
                if column == "outcome":  # reports of the first release were never answered one by one
                    self._db.execute("UPDATE rider_reports SET outcome = ?", (APPLIED,))

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
                "INSERT OR IGNORE INTO rider_reports (message_id, order_id, kind, reason, at, body) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    event.order_id,
                    event.kind.value,
                    event.reason.value if event.reason else None,
                    event.at.isoformat(),
                    event.model_dump_json(),
                ),
            )

    def settle_reports(self, message_ids: Sequence[str]) -> tuple[list[str], int]:
        """The hub applied these messages: reports still pending among them become ``applied``.

        Returns those reports, and how many of ``message_ids`` are reports at all (the rest are positions).
        """
        if not message_ids:
            return [], 0
        marks = ",".join("?" for _ in message_ids)
        with self._lock, self._transaction():
            rows = self._db.execute(
                f"SELECT message_id, outcome FROM rider_reports WHERE message_id IN ({marks})",  # noqa: S608
                list(message_ids),
            ).fetchall()
            settled = [str(m) for m, outcome in rows if outcome is None]
            self._db.executemany(
                "UPDATE rider_reports SET outcome = ? WHERE message_id = ?", [(APPLIED, m) for m in settled]
            )
        return settled, len(rows)

    def refuse_report(self, message_id: str, reason: str) -> ReportedEvent | None:
        """The hub refused this report (None if it is not one)."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE rider_reports SET outcome = ?, refusal = ? WHERE message_id = ?", (REFUSED, reason, message_id)
            )
        if not cursor.rowcount:
            return None
        return next((r for r in self.reports() if r.message_id == message_id), None)

    def reports(self) -> list[ReportedEvent]:
        with self._lock:
            rows = self._db.execute(
                "SELECT order_id, kind, reason, at, message_id, outcome, refusal FROM rider_reports ORDER BY id"
            )
            return [
                ReportedEvent(
                    order_id,
                    DeliveryEventKind(kind),
                    FailureReason(reason) if reason else None,
                    datetime.fromisoformat(at),
                    message_id,
                    outcome,
                    refusal,
                )
                for order_id, kind, reason, at, message_id, outcome, refusal in rows.fetchall()
            ]

    def unsettled_reports(self) -> list[tuple[str, DeliveryEvent]]:
        """Reports the hub has not answered yet, with what was sent (message id, event)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT message_id, body FROM rider_reports WHERE outcome IS NULL AND body IS NOT NULL ORDER BY id"
            ).fetchall()
        return [(str(m), DeliveryEvent.model_validate_json(body)) for m, body in rows]

    def save_route(self, route: RiderRoute, kind: str = "orders") -> None:
        """Keep the last plan of a kind (the order route, a subscription round)."""
        with self._lock:
            self._put_state(_route_key(kind), route.model_dump_json())

    def last_route(self, kind: str = "orders") -> RiderRoute | None:
        value = self._get_state(_route_key(kind))
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


def _route_key(kind: str) -> str:
    return "route" if kind == "orders" else f"route:{kind}"  # "route": what units kept before rounds had their own
