"""The in-process event registry: handlers run in order, on the publisher's session, and a failing
handler fails the publisher's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.db import Database
from hub.kernel.events import Conn, Events


@dataclass(frozen=True)
class Placed:
    n: int


@dataclass(frozen=True)
class Other:
    n: int


def test_handlers_write_in_the_publishers_transaction(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'events.sqlite3'}")
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE seen (who TEXT NOT NULL, n INTEGER NOT NULL)"))
    events = Events()

    def first(conn: Conn, event: Placed) -> None:
        conn.execute(text("INSERT INTO seen VALUES ('first', :n)"), {"n": event.n})

    def second(conn: Conn, event: Placed) -> None:
        if event.n < 0:
            raise ValueError("refused")
        conn.execute(text("INSERT INTO seen VALUES ('second', :n)"), {"n": event.n})

    events.subscribe(Placed, first)
    events.subscribe(Placed, second)
    with db.session() as session:
        events.publish(session, Placed(1))
        events.publish(session, Other(9))  # nobody listens: nothing happens
        session.commit()
    with db.session() as session, pytest.raises(ValueError, match="refused"):
        events.publish(session, Placed(-1))
    with db.session() as session:
        rows = session.execute(text("SELECT who, n FROM seen ORDER BY rowid")).all()
    assert [tuple(r) for r in rows] == [("first", 1), ("second", 1)]  # the refused one left nothing
    db.dispose()
