"""Subscription renewal rate and service SLA compliance equal an independent pandas computation on
generated data, in each store's zone, with store and date filters (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from hub.analytics.scope import Scope
from hub.analytics.sla_queries import sla_compliance
from hub.analytics.subscription_queries import renewal_rate
from tests.databases import postgres_database, sqlite_database
from tests.hub.analytics import pandas_service_reference as ref
from tests.hub.analytics.generated_data import Generated, generate, load
from tests.hub.analytics.generated_service import AS_OF, add_subscriptions_and_tickets, load_subscriptions_and_tickets

SCOPES = [None, ["la"], ["sh"], ["la", "sh"]]
PERIODS = [
    (date(2026, 3, 1), date(2026, 4, 30)),
    (date(2026, 4, 20), date(2026, 4, 20)),
    (date(2026, 2, 1), date(2026, 3, 15)),
]


@pytest.fixture(scope="module")
def data() -> Generated:
    generated = generate()
    add_subscriptions_and_tickets(generated)
    return generated


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def conn(
    request: pytest.FixtureRequest, data: Generated, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Connection]:
    def loaded(url: str) -> Iterator[Connection]:
        engine = create_engine(url)
        load(engine, data)
        load_subscriptions_and_tickets(engine, data)
        with engine.connect() as c:
            yield c
        engine.dispose()

    if request.param == "sqlite":
        yield from loaded(sqlite_database(tmp_path_factory.mktemp("service-figures")))
        return
    with postgres_database() as pg:
        yield from loaded(pg)


@pytest.mark.parametrize("stores", SCOPES)
@pytest.mark.parametrize(("day_from", "day_to"), PERIODS)
def test_renewal_rate_per_store(
    conn: Connection, data: Generated, stores: list[str] | None, day_from: date, day_to: date
) -> None:
    scope = Scope(None if stores is None else tuple(stores), day_from, day_to)
    got = {r.store_id: (r.due, r.renewed, r.automatic) for r in renewal_rate(conn, scope, now=AS_OF)}
    assert got == ref.renewals(data, stores, day_from, day_to, AS_OF)


def test_a_term_ending_today_counts_only_where_the_day_is_over(conn: Connection, data: Generated) -> None:
    """At AS_OF it is already 21 April in Shanghai but still 20 April in Los Angeles."""
    day = Scope(None, date(2026, 4, 20), date(2026, 4, 20))
    got = {r.store_id: r.due for r in renewal_rate(conn, day, now=AS_OF)}
    ending = {
        s: sum(1 for t in data.rows["subscription_terms"] if t["store_id"] == s and t["term_end"] == day.day_from)
        for s in ("sh", "la")
    }
    assert ending["sh"] > 0 and ending["la"] > 0, "the generated data has terms ending on 20 April in both stores"
    assert got.get("sh") == ending["sh"] and "la" not in got


@pytest.mark.parametrize("stores", SCOPES)
@pytest.mark.parametrize(("day_from", "day_to"), PERIODS)
def test_sla_compliance_per_store_and_target(
    conn: Connection, data: Generated, stores: list[str] | None, day_from: date, day_to: date
) -> None:
    scope = Scope(None if stores is None else tuple(stores), day_from, day_to)
    got = {
        r.store_id: (r.tickets, r.breached, r.breaches)
        for r in sla_compliance(conn, scope, default_zone=ref.DEFAULT_ZONE)
    }
    expected = ref.sla(data, stores, day_from, day_to)
    assert got == expected
    if day_to > day_from:
        assert sum(t for t, _, _ in got.values()) > 20 and any(b for _, b, _ in got.values())
