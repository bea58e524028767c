"""On SQLite, a write transaction waits for the write lock instead of failing with "database is locked".

The embedded hub runs its jobs on threads next to the requests. A transaction that reads before it
writes (an order resolving its customer inside a SAVEPOINT) used to fail at once when a job wrote in
between: a deferred transaction cannot upgrade a stale read snapshot, and SQLite does not wait then.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from hub.db import Database


def _schema(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text("CREATE TABLE rows (id INTEGER PRIMARY KEY AUTOINCREMENT, seen INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))


def test_read_then_write_in_a_savepoint_waits_for_a_busy_writer(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'contention.sqlite3'}")
    _schema(db)
    stop = threading.Event()
    job_errors: list[BaseException] = []

    def job() -> None:  # the periodic jobs: short write transactions, back to back
        try:
            for _ in range(5000):
                if stop.is_set():
                    return
                with db.session() as session:
                    session.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
                    session.commit()
        except BaseException as exc:
            job_errors.append(exc)

    writer = threading.Thread(target=job)
    writer.start()
    try:
        for _ in range(200):  # an order: a savepoint, a read, then writes
            with db.session() as session:
                with session.begin_nested():
                    seen = session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
                    session.execute(text("INSERT INTO rows (seen) VALUES (:seen)"), {"seen": seen})
                session.commit()
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not job_errors
    with db.session() as session:
        assert session.execute(text("SELECT count(*) FROM rows")).scalar_one() == 200
    db.dispose()


def test_a_savepoint_rolled_back_keeps_the_outer_work(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'nesting.sqlite3'}")
    _schema(db)
    with db.session() as session:
        session.execute(text("INSERT INTO rows (seen) VALUES (1)"))
        attempt = session.begin_nested()
        session.execute(text("INSERT INTO rows (seen) VALUES (2)"))
        attempt.rollback()
        session.commit()
    with db.session() as session:
        assert session.execute(text("SELECT seen FROM rows ORDER BY id")).scalars().all() == [1]
    db.dispose()
