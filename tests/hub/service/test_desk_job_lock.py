"""The service-desk job takes the PostgreSQL advisory lock: while another process holds it, a run skips."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from hub.kernel.job_lock import try_transaction_lock
from hub.service.jobs import LOCK
from tests.hub.service.desk import desk_on, local


def test_a_second_process_skips_the_run_while_the_first_holds_the_lock(pg_url: str, tmp_path: Path) -> None:
    with desk_on(pg_url, tmp_path, local("2026-12-07T10:00:00")) as desk:
        ticket = desk.ticket()
        desk.clock.advance(minutes=20)
        other = create_engine(pg_url)
        try:
            with other.connect() as conn, conn.begin():
                assert try_transaction_lock(conn, LOCK)
                assert desk.run_job().ran is False
                assert desk.sla_notices(ticket["id"]) == []
        finally:
            other.dispose()
        assert desk.run_job().ran is True
        assert [n.kind for n in desk.sla_notices(ticket["id"])] == ["breached", "escalated"]
