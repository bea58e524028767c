"""The durable spool: every ticket revision journaled before anything is done with it.

A ticket revision is keyed by (ticket, revision), i.e. (order, station, revision): a redelivery
finds its row and is dropped. Each new revision gets one print job; the job is marked
``printing`` on disk before its bytes go out, so after a crash a job found ``printing`` has an
unknown outcome and is printed again marked REPRINT. SQLite with ``synchronous=FULL``: when a
call returns, it is on disk. All methods block (a few ms); callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from contracts.kitchen import KitchenTicket
from edge_agent.changes import JobKind, job_kind

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS tickets (
        ticket_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        order_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        payload TEXT NOT NULL,
        hub_seen INTEGER NOT NULL,
        received_reported INTEGER NOT NULL DEFAULT 0,
        received_at REAL NOT NULL,
        PRIMARY KEY (ticket_id, revision)
    )""",
    """CREATE TABLE IF NOT EXISTS jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL UNIQUE,
        ticket_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        station_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        reprint_mark INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        printer_id TEXT,
        backup_from TEXT,
        error TEXT,
        result_reported INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        finished_at REAL
    )""",
    "CREATE INDEX IF NOT EXISTS jobs_open ON jobs (state) WHERE state IN ('pending', 'printing')",
    """CREATE TABLE IF NOT EXISTS local_orders (
        local_order_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        queued INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


_JOBS_SELECT = (
    "SELECT j.job_id, j.seq, j.kind, j.reprint_mark, j.attempts, j.printer_id, j.backup_from, "
    "t.payload, t.hub_seen, j.ticket_id, j.revision FROM jobs j "
    "JOIN tickets t ON t.ticket_id = j.ticket_id AND t.revision = j.revision WHERE "
)


class JobState(StrEnum):
    PENDING = "pending"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"
    """Terminal: there is no printer for the station at all."""


class Journaled(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    STALE = "stale"
    """Older than a revision already journaled: kept for the record, not printed."""
    HUB_CONFIRMED = "hub_confirmed"
    """The hub's copy of a ticket this store made itself (an in-store order): not printed again."""


@dataclass
class SpoolJob:
    job_id: str
    seq: int
    ticket: KitchenTicket
    previous: KitchenTicket | None
    kind: JobKind
    reprint_mark: bool = False
    attempts: int = 0
    hub_seen: bool = True
    printer_id: str | None = None
    backup_from: str | None = None
    failure_reported: bool = field(default=False, compare=False)

    @property
    def station_id(self) -> str:
        return self.ticket.station_id


@dataclass
class JournalResult:
    outcome: Journaled
    job: SpoolJob | None = None
    received_reported: bool = False
    printed: list[SpoolJob] = field(default_factory=list)
    """For HUB_CONFIRMED: the jobs of that ticket already printed (their results go to the hub now)."""


class TicketSpool:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- tickets ------------------------------------------------------------------------------

    def journal(self, ticket: KitchenTicket, *, origin: str = "hub") -> JournalResult:
        with self._lock, self._transaction():
            return self._journal(ticket, origin)

    def journal_many(self, tickets: list[KitchenTicket], *, origin: str) -> list[JournalResult]:
        """Several tickets in one transaction (an in-store order's tickets)."""
        with self._lock, self._transaction():
            return [self._journal(t, origin) for t in tickets]

    def _journal(self, ticket: KitchenTicket, origin: str) -> JournalResult:
        db = self._db
        row = db.execute(
            "SELECT origin, hub_seen, received_reported FROM tickets WHERE ticket_id = ? AND revision = ?",
            (ticket.ticket_id, ticket.revision),
        ).fetchone()
        if row is not None:
            if origin == "hub" and row[0] == "local" and not row[1]:
                db.execute(
                    "UPDATE tickets SET hub_seen = 1, payload = ? WHERE ticket_id = ? AND revision = ?",
                    (ticket.model_dump_json(), ticket.ticket_id, ticket.revision),
                )
                db.execute(
                    "UPDATE jobs SET result_reported = 0 WHERE ticket_id = ? AND revision = ?",
                    (ticket.ticket_id, ticket.revision),
                )
                printed = self._jobs("j.ticket_id = ? AND j.revision = ? AND j.state = 'printed'", ticket)
                return JournalResult(Journaled.HUB_CONFIRMED, printed=printed)
            return JournalResult(Journaled.DUPLICATE, received_reported=bool(row[2]))
        latest = db.execute(
            "SELECT revision, payload FROM tickets WHERE ticket_id = ? ORDER BY revision DESC LIMIT 1",
            (ticket.ticket_id,),
        ).fetchone()
        db.execute(
            "INSERT INTO tickets (ticket_id, revision, order_id, station_id, origin, payload, hub_seen, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ticket.ticket_id,
                ticket.revision,
                ticket.order_id,
                ticket.station_id,
                origin,
                ticket.model_dump_json(),
                int(origin == "hub"),
                time.time(),
            ),
        )
        if latest is not None and latest[0] > ticket.revision:
            return JournalResult(Journaled.STALE)
        previous = KitchenTicket.model_validate_json(latest[1]) if latest is not None else None
        kind = job_kind(ticket, previous)
        job_id = uuid.uuid4().hex
        cursor = db.execute(
            "INSERT INTO jobs (job_id, ticket_id, revision, station_id, kind, state, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            (job_id, ticket.ticket_id, ticket.revision, ticket.station_id, kind.value, time.time()),
        )
        job = SpoolJob(
            job_id=job_id,
            seq=int(cursor.lastrowid or 0),
            ticket=ticket,
            previous=previous,
            kind=kind,
            hub_seen=origin == "hub",
        )
        return JournalResult(Journaled.NEW, job=job)

    def mark_received_reported(self, ticket: KitchenTicket) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE tickets SET received_reported = 1 WHERE ticket_id = ? AND revision = ?",
                (ticket.ticket_id, ticket.revision),
            )

    def unreported_receipts(self) -> list[KitchenTicket]:
        """Tickets the hub knows of whose receipt may not have been queued for it (a crash in between)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT payload FROM tickets WHERE hub_seen = 1 AND received_reported = 0 ORDER BY received_at"
            ).fetchall()
        return [KitchenTicket.model_validate_json(r[0]) for r in rows]

    def recent_tickets(self, since: float) -> list[tuple[KitchenTicket, float]]:
        """Each ticket with a revision received since ``since`` (epoch s): its latest revision and
        when its first revision arrived, oldest first. Read-only (the stations' open-ticket lists)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT t.payload, f.first_at FROM tickets t JOIN ("
                "SELECT ticket_id, MIN(received_at) AS first_at, MAX(revision) AS latest FROM tickets "
                "GROUP BY ticket_id HAVING MAX(received_at) >= ?) f "
                "ON t.ticket_id = f.ticket_id AND t.revision = f.latest ORDER BY f.first_at",
                (since,),
            ).fetchall()
        return [(KitchenTicket.model_validate_json(r[0]), float(r[1])) for r in rows]

    # -- jobs ---------------------------------------------------------------------------------

    def recover(self) -> int:
        """At start: a job caught ``printing`` may be on paper or not. Print it again, marked REPRINT."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE jobs SET state = 'pending', reprint_mark = 1 WHERE state = 'printing'",
            )
            return cursor.rowcount

    def open_jobs(self) -> list[SpoolJob]:
        with self._lock:
            return self._jobs("j.state = 'pending'", None)

    def unreported_results(self) -> list[SpoolJob]:
        with self._lock:
            return self._jobs("j.state = 'printed' AND j.result_reported = 0 AND t.hub_seen = 1", None)

    def mark_printing(self, job: SpoolJob) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET state = 'printing', attempts = ?, printer_id = ?, backup_from = ?, "
                "reprint_mark = ? WHERE job_id = ?",
                (job.attempts, job.printer_id, job.backup_from, int(job.reprint_mark), job.job_id),
            )

    def mark_pending(self, job: SpoolJob, error: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET state = 'pending', reprint_mark = ?, attempts = ?, error = ? WHERE job_id = ?",
                (int(job.reprint_mark), job.attempts, error[:500], job.job_id),
            )

    def mark_finished(self, job: SpoolJob, state: JobState, error: str | None = None) -> bool:
        """Returns whether the hub knows the ticket now (read in the same step, so that exactly one of
        this and ``journal``'s HUB_CONFIRMED path reports the result of an in-store order's job)."""
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET state = ?, printer_id = ?, backup_from = ?, attempts = ?, error = ?, "
                "finished_at = ? WHERE job_id = ?",
                (state.value, job.printer_id, job.backup_from, job.attempts, error, time.time(), job.job_id),
            )
            row = self._db.execute(
                "SELECT hub_seen FROM tickets WHERE ticket_id = ? AND revision = ?",
                (job.ticket.ticket_id, job.ticket.revision),
            ).fetchone()
        job.hub_seen = bool(row and row[0])
        return job.hub_seen

    def mark_result_reported(self, job: SpoolJob, *, receipt_too: bool = False) -> None:
        """``receipt_too``: the print result also told the hub the ticket arrived."""
        with self._lock, self._transaction():
            self._db.execute("UPDATE jobs SET result_reported = 1 WHERE job_id = ?", (job.job_id,))
            if receipt_too:
                self._db.execute(
                    "UPDATE tickets SET received_reported = 1 WHERE ticket_id = ? AND revision = ?",
                    (job.ticket.ticket_id, job.ticket.revision),
                )

    def job_states(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())

    def _jobs(self, where: str, ticket: KitchenTicket | None) -> list[SpoolJob]:
        params: tuple[Any, ...] = (ticket.ticket_id, ticket.revision) if ticket is not None else ()
        query = _JOBS_SELECT + where + " ORDER BY j.seq"  # where: one of this module's literals
        rows = self._db.execute(query, params).fetchall()
        jobs = []
        for row in rows:
            previous_row = self._db.execute(
                "SELECT payload FROM tickets WHERE ticket_id = ? AND revision < ? ORDER BY revision DESC LIMIT 1",
                (row[9], row[10]),
            ).fetchone()
            jobs.append(
                SpoolJob(
                    job_id=row[0],
                    seq=row[1],
                    ticket=KitchenTicket.model_validate_json(row[7]),
                    previous=KitchenTicket.model_validate_json(previous_row[0]) if previous_row else None,
                    kind=JobKind(row[2]),
                    reprint_mark=bool(row[3]),
                    attempts=row[4],
                    hub_seen=bool(row[8]),
                    printer_id=row[5],
                    backup_from=row[6],
                )
            )
        return jobs

    # -- in-store orders and the cached menu ---------------------------------------------------

    def local_order(self, local_order_id: str) -> tuple[str, str] | None:
        """(order id, payload) of an in-store order already taken."""
        with self._lock:
            row = self._db.execute(
                "SELECT order_id, payload FROM local_orders WHERE local_order_id = ?", (local_order_id,)
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def record_local_order(
        self, local_order_id: str, order_id: str, payload: str, tickets: list[KitchenTicket]
    ) -> list[JournalResult] | None:
        """Journal an in-store order and its tickets at once; None if this local id was taken before."""
        with self._lock, self._transaction():
            exists = self._db.execute(
                "SELECT 1 FROM local_orders WHERE local_order_id = ? OR order_id = ?", (local_order_id, order_id)
            ).fetchone()
            if exists is not None:
                return None
            self._db.execute(
                "INSERT INTO local_orders (local_order_id, order_id, payload, created_at) VALUES (?, ?, ?, ?)",
                (local_order_id, order_id, payload, time.time()),
            )
            return [self._journal(t, "local") for t in tickets]

    def mark_local_order_queued(self, local_order_id: str) -> None:
        with self._lock:
            self._db.execute("UPDATE local_orders SET queued = 1 WHERE local_order_id = ?", (local_order_id,))

    def unqueued_local_orders(self) -> list[str]:
        """Payloads of in-store orders not yet in the outbox for the hub (a crash in between)."""
        with self._lock:
            rows = self._db.execute("SELECT payload FROM local_orders WHERE queued = 0 ORDER BY created_at").fetchall()
        return [str(r[0]) for r in rows]

    def next_number(self, key: str) -> int:
        with self._lock, self._transaction():
            row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
            number = int(row[0]) + 1 if row else 1
            self._db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, str(number)))
        return number

    def get_value(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_value(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    # -- internals ------------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
