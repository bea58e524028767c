"""A fresh-milk depot's cut-off at scale: 50,000 subscriptions generate tomorrow's deliveries, the
pick list and the route plans for 100 riders, in one ``run_day`` transaction (what the scheduled job
and ``POST /stores/{id}/subscription-days/run`` do). Target: under 60 s.

The depot: one store in Shanghai, customers within ~8 km, a mix of daily, every-other-day,
weekday and chosen-weekday plans with shifted Spring Festival holidays, 5% paused, 2% with a
changed quantity, 1% cancelled. Seeding (Core executemany) is not timed; the run is, in phases.

    .venv/bin/python bench/subscriptions.py                         # 50,000 on SQLite, 100 riders
    .venv/bin/python bench/subscriptions.py --db postgres
    .venv/bin/python bench/subscriptions.py --subscriptions 2000 --riders 10   # a quick look
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import database
from sqlalchemy import func, insert, select

from hub.db import Database
from hub.kernel.messaging import Messaging
from hub.migrate import upgrade
from hub.subscriptions import codec, daily_run
from hub.subscriptions.frequency import Frequency
from hub.subscriptions.holiday_policy import HolidayPolicy
from hub.subscriptions.plans import DeliveryWindow, Plan, PlanItem, PlanKind
from hub.subscriptions.schedule import Subscription
from hub.subscriptions.timeline import ChangeStamp
from hub.tables import metadata

STORE = "depot-1"
DEPOT = (31.2304, 121.4737)
START = date(2026, 3, 1)
CUTOFF_AT = datetime(2026, 3, 9, 12, 1, tzinfo=UTC)  # 20:01 on Monday 9 March in Shanghai: Tuesday 10th
MILK = PlanItem("MILK-250", "鲜牛奶 250 ml", 2, 350)
YOGURT = PlanItem("YOG-100", "酸奶", 1, 500)
WINDOW = DeliveryWindow(datetime.min.time().replace(hour=6), datetime.min.time().replace(hour=8))


def plans() -> list[Plan]:
    shift = HolidayPolicy.shift()
    return [
        Plan("daily", "每日鲜奶", PlanKind.MONTHLY, 36000, (MILK, YOGURT), Frequency.daily(), WINDOW, shift),
        Plan("alt", "隔日鲜奶", PlanKind.MONTHLY, 18000, (MILK,), Frequency.every_other_day(), WINDOW, shift),
        Plan("weekdays", "工作日鲜奶", PlanKind.QUARTERLY, 90000, (MILK,), Frequency.working_days(), WINDOW),
        Plan("tue-fri", "周二周五", PlanKind.MONTHLY, 9000, (YOGURT,), Frequency.on_weekdays(1, 4), WINDOW),
    ]


def seed(db: Database, n: int, riders: int, rng: random.Random) -> None:
    tables = metadata.tables
    now = datetime(2026, 2, 20, tzinfo=UTC)
    stamp = ChangeStamp("staff:bench", now)
    the_plans = plans()
    with db.engine.begin() as conn:
        conn.execute(
            insert(tables["stores"]),
            [
                {
                    "id": STORE,
                    "name": "鲜奶站",
                    "timezone": "Asia/Shanghai",
                    "address": "",
                    "lat": DEPOT[0],
                    "lon": DEPOT[1],
                    "created_at": now,
                }
            ],
        )
        conn.execute(
            insert(tables["riders"]),
            [
                {"id": f"milk-{k:03d}", "store_id": STORE, "name": f"骑手{k}", "capacity": 6, "active": True}
                for k in range(1, riders + 1)
            ],
        )
        conn.execute(
            insert(tables["subscription_store_settings"]),
            [
                {
                    "store_id": STORE,
                    "zone": "Asia/Shanghai",
                    "cutoff": "20:00",
                    "failed_charge": "none",
                    "not_home_charge": "full",
                    "route_count": riders,
                    "low_balance_deliveries": 3,
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            insert(tables["subscription_plans"]),
            [
                {
                    "id": p.plan_id,
                    "name": p.name,
                    "kind": str(p.kind),
                    "price_fen": p.price_fen,
                    "spec": codec.plan_spec(p),
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for p in the_plans
            ],
        )
        store = codec.store_calendar("Asia/Shanghai", "20:00")
        batch: dict[str, list[dict[str, object]]] = {"customers": [], "subscription_addresses": [], "subscriptions": []}
        for i in range(n):
            cid, aid, sid = f"c{i:06d}", f"a{i:06d}", f"s{i:06d}"
            plan = the_plans[rng.choices(range(4), weights=(50, 25, 15, 10))[0]]
            lat = DEPOT[0] + rng.uniform(-0.07, 0.07)
            lon = DEPOT[1] + rng.uniform(-0.08, 0.08)
            sub = Subscription.begin(
                subscription_id=sid,
                customer_id=cid,
                store_id=STORE,
                plan=plan,
                store=store,
                start=START + timedelta(days=rng.randrange(5)),
                address_id=aid,
                by=stamp,
                instructions="放门口保温箱" if i % 3 == 0 else "",
            )
            roll = rng.random()
            if roll < 0.05:
                sub = sub.pause(date(2026, 3, 8), date(2026, 3, 12), by=stamp)
            elif roll < 0.07:
                sub = sub.change_terms(
                    date(2026, 3, 6), by=stamp, items=(PlanItem("MILK-250", "鲜牛奶 250 ml", 3, 350),)
                )
            elif roll < 0.08:
                sub = sub.cancel(date(2026, 3, 7), "搬家", by=stamp)
            batch["customers"].append(
                {"id": cid, "display_name": "", "created_at": now, "updated_at": now, "home_store_id": STORE}
            )
            batch["subscription_addresses"].append({"id": aid, "customer_id": cid, "line": "", "lat": lat, "lon": lon})
            batch["subscriptions"].append(
                {
                    "id": sid,
                    "customer_id": cid,
                    "store_id": STORE,
                    "plan_id": plan.plan_id,
                    "start": sub.start,
                    "facts": codec.facts_json(sub),
                    "cancelled_from": sub.cancellation.effective if sub.cancellation else None,
                    "cancel_reason": sub.cancellation.reason if sub.cancellation else "",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for name in ("customers", "subscription_addresses", "subscriptions"):
            rows = batch[name]
            for k in range(0, len(rows), 5000):
                conn.execute(insert(tables[name]), rows[k : k + 5000])


BENCH_MESSAGING = Messaging(root="bench", source="bench")
"""Each route goes to one of the seeded riders and its RiderRoute is written to the outbox (timed: it is
part of the cut-off); no relay runs here, so nothing is published."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--subscriptions", type=int, default=50_000)
    parser.add_argument("--riders", type=int, default=100)
    parser.add_argument("--seconds-per-leg", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with database(args.db) as url:
        db = Database.from_url(url)
        upgrade(db.engine)
        t = time.perf_counter()
        seed(db, args.subscriptions, args.riders, random.Random(args.seed))
        print(f"seeded {args.subscriptions} subscriptions in {time.perf_counter() - t:.1f} s (not timed)")
        started, cpu = time.perf_counter(), time.process_time()
        with db.session() as session:
            run = daily_run.run_day(session, STORE, CUTOFF_AT, BENCH_MESSAGING, seconds_per_leg=args.seconds_per_leg)
            session.commit()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        with db.session() as session:
            pushed = session.execute(
                select(func.count())
                .select_from(metadata.tables["outbox"])
                .where(metadata.tables["outbox"].c.topic.like("%/route"))
            ).scalar_one()
            again = daily_run.run_day(session, STORE, CUTOFF_AT, BENCH_MESSAGING, seconds_per_leg=args.seconds_per_leg)
            session.commit()
        db.dispose()
    routes = [r for r in run.routes if r.stop_ids]
    sizes = sorted(len(r.stop_ids) for r in routes)
    print(
        f"business date {run.business_date}: {run.generated} deliveries generated, {len(routes)} routes "
        f"({sizes[0] if sizes else 0}-{sizes[-1] if sizes else 0} stops), pick list {run.pick_list.totals()}"
    )
    given = sum(1 for a in run.assignments if a.rider_id is not None)
    print(f"{given} routes given to riders, {pushed} rider routes in the outbox for the bikes")
    print(
        f"total {elapsed:.1f} s for {args.subscriptions} subscriptions and {args.riders} riders "
        f"({'under' if elapsed < 60 else 'OVER'} the 60 s target; {cpu:.1f} s of CPU in this process); "
        f"a second run generated {again.generated}"
    )


if __name__ == "__main__":
    main()
