"""Order intake in-process: statements and milliseconds per ``place_order`` (placed and committed).

No HTTP, no relay: the order path alone on a database of its own (``bench_support.database``), with
the hub's event wiring (the kitchen's tickets), the same order shape as ``bench/order_intake.py``
(3 lines over 2 stations, a new customer by phone, a delivery address). Statements are counted on
the engine; the first 50 orders warm up.

    .venv/bin/python bench/place_order_statements.py --db postgres --orders 400
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench_support import database
from order_intake import order, seed
from sqlalchemy import event

from hub.db import Database
from hub.kernel.messaging import Messaging
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.orders.schemas import OrderIn
from hub.orders.service import place_order
from hub.stores.catalog import StoreCatalogs
from hub.wiring import domain_events

WARMUP = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--orders", type=int, default=400)
    args = parser.parse_args()
    with database(args.db) as url:
        seed(url, 10)
        db = Database.from_url(url)
        executed = [0]

        def count(*_: object) -> None:
            executed[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        messaging = Messaging(root="bench", source="hub", events=domain_events())
        channel = Principal(kind="api_key", id="k", name="bench", role=Role.CHANNEL, store_ids=None, channel="bench")
        catalogs = StoreCatalogs()
        times, statements = [], []
        for n in range(args.orders + WARMUP):
            body = OrderIn.model_validate(order(n, 10))
            before, start = executed[0], time.perf_counter()
            with db.session() as session:
                place_order(session, channel, body, messaging, catalogs=catalogs)
                session.commit()
            if n >= WARMUP:
                times.append((time.perf_counter() - start) * 1000)
                statements.append(executed[0] - before)
        db.dispose()
    times.sort()
    print(
        f"place_order on {args.db}, {args.orders} orders: statements/order {statistics.mean(statements):.1f}, "
        f"ms median {statistics.median(times):.2f} p90 {times[int(len(times) * 0.9)]:.2f}"
    )


if __name__ == "__main__":
    main()
