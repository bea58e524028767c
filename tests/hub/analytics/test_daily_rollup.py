"""The daily sales rollup equals the live query after every refresh, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.engine import Engine

from hub.analytics.jobs import refresh_analytics_rollups
from hub.analytics.rollup import daily, refresh_rollups, rollup_sales_by_day, state
from hub.analytics.sales_queries import sales_by_day
from hub.analytics.scope import Scope
from hub.app import create_app
from hub.db import Database
from hub.kernel.roles import Role
from hub.orders.api import orders_table
from tests.databases import postgres_database, sqlite_database
from tests.hub.analytics.generated_data import NOW, generate, load
from tests.hub.analytics.test_analytics_api import _user
from tests.hub.conftest import rest_settings
from tests.hub.seed import login

SCOPES = [Scope(None, date(2026, 2, 19), date(2026, 4, 21)), Scope(("la",), date(2026, 3, 1), date(2026, 3, 31))]


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        e = create_engine(sqlite_database(tmp_path))
        load(e, generate())
        yield e
        e.dispose()
        return
    with postgres_database() as url:
        e = create_engine(url)
        load(e, generate())
        yield e
        e.dispose()


def _same(engine: Engine) -> None:
    with engine.connect() as conn:
        for scope in SCOPES:
            assert rollup_sales_by_day(conn, scope) == sales_by_day(conn, scope)


def test_the_rollup_follows_new_cancelled_and_changed_orders(engine: Engine) -> None:
    with engine.begin() as conn:
        assert refresh_rollups(conn, now=NOW) > 100
    _same(engine)
    with engine.begin() as conn:
        assert refresh_rollups(conn, now=NOW) < 20  # nothing changed: only the margin is read again
    o = orders_table
    later = NOW + timedelta(hours=1)
    with engine.begin() as conn:
        first, second = conn.execute(
            select(o.c.id).where(o.c.status == "delivered").order_by(o.c.id).limit(2)
        ).scalars()
        conn.execute(update(o).where(o.c.id == first).values(status="cancelled", updated_at=later))
        conn.execute(update(o).where(o.c.id == second).values(total_fen=123, updated_at=later))
        row = dict(conn.execute(select(o).where(o.c.id == second)).mappings().one())
        row.update(id="late-order", external_id="late-order", placed_at=NOW - timedelta(days=40), updated_at=later)
        conn.execute(insert(o).values(row))
    with engine.connect() as conn:
        assert rollup_sales_by_day(conn, SCOPES[0]) != sales_by_day(conn, SCOPES[0])
    with engine.begin() as conn:
        refresh_rollups(conn, now=later)
    _same(engine)


def _rollup_rows(engine: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return (
            [tuple(r) for r in conn.execute(select(daily).order_by(daily.c.store_id, daily.c.day))],
            [tuple(r) for r in conn.execute(select(state))],
        )


def test_get_sales_writes_nothing_reads_changed_days_live_and_says_when_it_is_not_live(
    engine: Engine, tmp_path: Path
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    march = Scope(None, date(2026, 3, 1), date(2026, 3, 31))
    days = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    with TestClient(create_app(rest_settings(url, tmp_path, analytics_live_days_max=50))) as client:
        client.app.state.ctx.clock = lambda: NOW  # type: ignore[attr-defined]
        admin = login(client, _user(url, Role.ADMIN))
        with engine.connect() as conn:
            live_orders = sum(d.orders for d in sales_by_day(conn, march))

        never = client.get("/analytics/sales", params=days, headers=admin).json()  # ~120 store days: too many
        assert (never["rollup"]["refreshed_at"], never["rollup"]["live"], never["orders"]) == (None, False, 0)
        assert never["rollup"]["changed_days"] > 50
        assert _rollup_rows(engine) == ([], [])  # the GET built nothing

        assert refresh_analytics_rollups(Database.from_url(url), NOW)
        fresh = client.get("/analytics/sales", params=days, headers=admin).json()
        assert fresh["rollup"]["live"] is True and fresh["rollup"]["refreshed_at"].startswith("2026-04-20")
        assert fresh["orders"] == live_orders > 0
        built = _rollup_rows(engine)

        o = orders_table
        mid_march = (o.c.placed_at >= datetime(2026, 3, 10, tzinfo=UTC)) & (
            o.c.placed_at < datetime(2026, 3, 20, tzinfo=UTC)
        )
        later = NOW + timedelta(hours=1)
        with engine.begin() as conn:
            first = conn.execute(select(o.c.id).where(o.c.status == "delivered", mid_march).limit(1)).scalar_one()
            conn.execute(update(o).where(o.c.id == first).values(status="cancelled", updated_at=later))
        changed = client.get("/analytics/sales", params=days, headers=admin).json()
        assert changed["rollup"]["live"] is True and changed["orders"] == live_orders - 1
        assert _rollup_rows(engine) == built  # read from the orders, written nowhere

        with engine.begin() as conn:  # a bulk change: every order touched
            conn.execute(update(o).values(updated_at=later))
        bulk = client.get("/analytics/sales", params=days, headers=admin).json()
        assert bulk["rollup"]["live"] is False and bulk["orders"] == live_orders  # the rollup as refreshed
        refreshed = client.post("/analytics/sales/refresh", headers=admin)
        assert refreshed.status_code == 200 and refreshed.json()["rewritten_days"] > 50
        after = client.get("/analytics/sales", params=days, headers=admin).json()
        assert after["rollup"]["live"] is True and after["orders"] == live_orders - 1
