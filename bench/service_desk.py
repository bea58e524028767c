"""Service desk at volume: open tickets over REST, read the queue with its SLA timers, run the SLA job.

    .venv/bin/python bench/service_desk.py --tickets 2000 [--db postgres|sqlite]

In-process (FastAPI's TestClient), the hub's clock pinned to a Monday 10:00 in Shanghai on a store
with split shifts, so every ticket breaches its first-response goal at the same business instant.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench_support import database, pct
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.auth.service import create_user
from hub.db import Database
from hub.jobs import check_service_desk
from hub.kernel.roles import Role
from hub.migrate import upgrade
from hub.settings import HubSettings

PASSWORD = "correct-horse-battery-staple"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    args = parser.parse_args()
    start = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    with database(args.db) as url, tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(url)
        upgrade(db.engine)
        with db.session() as session:
            create_user(session, username="desk-admin", password=PASSWORD, role=Role.ADMIN, actor="bench")
            session.commit()
        settings = HubSettings(
            database_url=url, var_dir=Path(tmp), secret_key="bench-secret-of-at-least-thirty-two-bytes",
            run_relay=False, run_bridge=False, run_jobs=False,
        )  # fmt: skip
        app = create_app(settings, db=db)
        now = [start]
        app.state.ctx.clock = lambda: now[0]
        with TestClient(app) as client:
            token = client.post("/auth/token", data={"username": "desk-admin", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            client.post("/stores", json={"id": "s1", "name": "门店"}, headers=headers).raise_for_status()
            hours = {"weekly": {str(d): [["10:00", "14:00"], ["17:00", "21:00"]] for d in range(7)}}
            client.put("/service/calendars/s1", json=hours, headers=headers).raise_for_status()
            began = time.perf_counter()
            for i in range(args.tickets):
                body = {"kind": "complaint", "category": "cold_food", "summary": f"凉了 {i}", "store_id": "s1"}
                client.post("/service/tickets", json=body, headers=headers).raise_for_status()
            created = time.perf_counter() - began
            now[0] = start + timedelta(minutes=16)
            queue: list[float] = []
            for _ in range(20):
                t = time.perf_counter()
                client.get("/service/tickets", params={"limit": 100}, headers=headers).raise_for_status()
                queue.append(time.perf_counter() - t)
            t = time.perf_counter()
            if os.environ.get("SD_PROFILE"):
                import cProfile
                import pstats

                prof = cProfile.Profile()
                first = prof.runcall(check_service_desk, app.state.ctx)
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            else:
                first = check_service_desk(app.state.ctx)
            first_s = time.perf_counter() - t
            rounds, events, t = 1, first.sla_events, time.perf_counter()
            while (more := check_service_desk(app.state.ctx)).tickets_checked:
                rounds, events = rounds + 1, events + more.sla_events
            rest_s = time.perf_counter() - t
            t = time.perf_counter()
            second = check_service_desk(app.state.ctx)
            second_s = time.perf_counter() - t
        db.dispose()
    print(f"db={args.db} tickets={args.tickets}")
    print(f"open tickets: {args.tickets / created:.0f}/s over REST")
    print(f"queue (all {args.tickets} open, 100 shown): p50 {pct(queue, 0.5):.0f} ms, p95 {pct(queue, 0.95):.0f} ms")
    checked, found = first.tickets_checked, first.sla_events
    print(f"SLA job at the breach, first round: {first_s:.2f} s, {checked} tickets, {found} events")
    print(f"all {args.tickets} breached: {rounds} rounds, {events} events, {first_s + rest_s:.2f} s")
    print(f"SLA job again: {second_s:.3f} s, {second.tickets_checked} tickets, {second.sla_events} events")


if __name__ == "__main__":
    main()
