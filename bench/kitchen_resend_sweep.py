"""Kitchen resend sweep: the cost of the one query that finds unconfirmed tickets, at scale.

A PostgreSQL database of its own holds ``--confirmed`` printed tickets (history) and ``--unconfirmed``
tickets sent but confirmed by no edge. Measured: a sweep that finds nothing due (what the hub pays
every second), and a sweep that re-publishes every unconfirmed ticket (select, outbox rows back in
line, one order event each), each the median of ``--rounds`` runs; and the plan of the select.

    .venv/bin/python bench/kitchen_resend_sweep.py --confirmed 200000 --unconfirmed 500
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from bench_support import postgres
from sqlalchemy import text

from hub.db import Database
from hub.kitchen.resends import ResendPolicy, resend_unconfirmed
from hub.migrate import upgrade

T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def fill(db: Database, confirmed: int, unconfirmed: int) -> None:
    """Rows straight in SQL (foreign keys off for the load: orders are not what is measured)."""
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for total, printed in ((confirmed, True), (unconfirmed, False)):
            conn.execute(
                text(
                    "INSERT INTO outbox (message_id, topic, payload, qos, retain, created_at, sent_at, attempts) "
                    "SELECT md5(:kind || i::text)::uuid::text, 't', '\\x00', 1, false, :t0, :t0, 1 "
                    "FROM generate_series(1, :n) AS i"
                ),
                {"kind": str(printed), "n": total, "t0": T0},
            )
            conn.execute(
                text(
                    "INSERT INTO kitchen_tickets (ticket_id, order_id, store_id, station_code, revision, "
                    "outbox_message_id, created_at, sent_at, delivered_at, printed_at, resends) "
                    "SELECT :kind || i::text || '-wok', md5(:kind || i::text)::uuid::text, 's' || (i % 50)::text, "
                    "'wok', 1, md5(:kind || i::text)::uuid::text, :t0, :t0, "
                    "CASE WHEN :printed THEN CAST(:t0 AS timestamptz) END, "
                    "CASE WHEN :printed THEN CAST(:t0 AS timestamptz) END, 0 "
                    "FROM generate_series(1, :n) AS i"
                ),
                {"kind": str(printed), "n": total, "t0": T0, "printed": printed},
            )
        conn.execute(text("ANALYZE kitchen_tickets"))
        conn.execute(text("ANALYZE outbox"))


def sweep_ms(db: Database, policy: ResendPolicy, now: datetime) -> tuple[float, int]:
    started = time.perf_counter()
    with db.session() as session:
        session.execute(text("SET LOCAL session_replication_role = replica"))  # events for orders not loaded
        n = len(resend_unconfirmed(session, policy, now=now))
        session.commit()
    return (time.perf_counter() - started) * 1000, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--confirmed", type=int, default=200_000)
    parser.add_argument("--unconfirmed", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    policy = ResendPolicy(timedelta(seconds=15), timedelta(seconds=15), max_resends=args.rounds * 2 + 2)
    with postgres("brigade_bench_resend") as url:
        db = Database.from_url(url)
        upgrade(db.engine)
        fill(db, args.confirmed, args.unconfirmed)
        idle, busy = [], []
        now = T0 + timedelta(seconds=15)
        for _ in range(args.rounds):
            ms, n = sweep_ms(db, policy, now)
            busy.append(ms)
            assert n == args.unconfirmed, n
            ms, n = sweep_ms(db, policy, now + timedelta(seconds=1))
            idle.append(ms)
            assert n == 0, n
            now += timedelta(seconds=15)
        with db.engine.connect() as conn:
            plan = conn.execute(
                text(
                    "EXPLAIN SELECT ticket_id FROM kitchen_tickets WHERE printed_at IS NULL AND delivered_at IS NULL "
                    "AND shown_at IS NULL AND sent_at IS NOT NULL LIMIT 500"
                )
            ).scalars()
            print("\n".join(plan))
        db.dispose()
    print(
        f"{args.confirmed} confirmed + {args.unconfirmed} unconfirmed tickets: "
        f"sweep with nothing due {statistics.median(idle):.1f} ms, "
        f"sweep re-publishing {args.unconfirmed} {statistics.median(busy):.1f} ms (median of {args.rounds})"
    )


if __name__ == "__main__":
    main()
