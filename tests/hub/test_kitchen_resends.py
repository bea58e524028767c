"""Tickets no edge confirmed are published again: per ticket, with backoff, up to a cap, in one query.

The clock is pinned: each sweep is given its ``now``. The relay is not running; its part (publishing
a pending outbox row and marking it sent) is done by ``_relay``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from contracts.envelope import wrap
from contracts.kitchen import TicketReceived
from hub.app import create_app
from hub.context import HubContext
from hub.jobs import check_kitchen_confirmations, resend_unconfirmed_tickets
from hub.kitchen.service import apply_ticket_received, mark_sent
from hub.kitchen.tables import KitchenTicketRecord
from hub.outbox.tables import OutboxMessage
from tests.databases import postgres_database, sqlite_database
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, order_body, seed_store
from tests.hub.test_kitchen_unconfirmed_gauge import gauge

outbox = OutboxMessage.__table__  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgres"])
def own_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own: the sweep is chain-wide, so other tests' tickets would count."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
        return
    with postgres_database() as url:
        yield url


@pytest.fixture
def client(own_db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = rest_settings(
        own_db_url, tmp_path, ticket_resend_interval_s=10, ticket_resend_max_interval_s=40, ticket_resend_max=4
    )
    with TestClient(create_app(settings)) as c:
        c.headers.update(login(c, make_admin(own_db_url)))
        yield c


def _ctx(client: TestClient) -> HubContext:
    return client.app.state.ctx  # type: ignore[attr-defined,no-any-return]


def _tickets(client: TestClient, order_id: str) -> dict[str, dict[str, Any]]:
    return {t["station_code"]: t for t in client.get("/kitchen/tickets", params={"order_id": order_id}).json()}


def _pending(ctx: HubContext, message_ids: list[str]) -> set[str]:
    with ctx.db.engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.message_id).where(outbox.c.message_id.in_(message_ids), outbox.c.sent_at.is_(None))
        )
        return {r.message_id for r in rows}


def _relay(ctx: HubContext, message_ids: list[str], at: datetime) -> None:
    with ctx.db.engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.message_id.in_(message_ids)).values(sent_at=at))
        mark_sent(conn, message_ids, at)


def _event_types(client: TestClient, order_id: str) -> list[str]:
    return [
        e["type"] for e in client.get(f"/orders/{order_id}/events").json() if e["type"].startswith("kitchen.ticket_res")
    ]


def _ticket_selects(ctx: HubContext) -> list[str]:
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "kitchen_tickets" in statement:
            statements.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", seen)
    return statements


def test_an_unconfirmed_ticket_is_resent_with_backoff_until_the_cap_and_a_confirmed_one_is_not(
    client: TestClient,
) -> None:
    ctx = _ctx(client)
    store = seed_store(client, dict(client.headers))
    orders = [client.post("/orders", json=order_body(store.store_id)).json()["id"] for _ in range(3)]
    tickets = {oid: _tickets(client, oid) for oid in orders}
    message_ids = {t["ticket_id"]: _message_id(ctx, t["ticket_id"]) for per in tickets.values() for t in per.values()}
    sent = datetime.fromisoformat(max(t["created_at"] for per in tickets.values() for t in per.values()))
    _relay(ctx, list(message_ids.values()), sent)  # the broker acknowledged all six: that is not delivery

    assert resend_unconfirmed_tickets(ctx, now=sent + timedelta(seconds=9)) == 0, "within the interval"
    selects = _ticket_selects(ctx)
    assert resend_unconfirmed_tickets(ctx, now=sent + timedelta(seconds=10)) == 6
    assert len(selects) == 1, f"due tickets are selected in one query: {selects}"
    assert _pending(ctx, list(message_ids.values())) == set(message_ids.values()), "the same messages, in line again"
    assert resend_unconfirmed_tickets(ctx, now=sent + timedelta(seconds=11)) == 0, "once per interval"

    first = orders[0]
    wok_of_first = tickets[first]["wok"]
    received = TicketReceived(
        ticket_id=wok_of_first["ticket_id"],
        order_id=first,
        revision=1,
        store_id=store.store_id,
        station_id="wok",
        at=sent + timedelta(seconds=12),
    )
    with ctx.db.session() as session:
        apply_ticket_received(session, wrap(received, source="edge-1"), {"store_id": store.store_id})
        session.commit()
    _relay(ctx, list(message_ids.values()), sent + timedelta(seconds=12))

    # backoff: 20 s after the first resend, then 40 s (the maximum), then 40 s; the fourth is the last
    assert resend_unconfirmed_tickets(ctx, now=sent + timedelta(seconds=29)) == 0
    assert resend_unconfirmed_tickets(ctx, now=sent + timedelta(seconds=30)) == 5, "the received ticket is not resent"
    assert wok_of_first["ticket_id"] not in {
        tid for tid, mid in message_ids.items() if mid in _pending(ctx, list(message_ids.values()))
    }
    assert resend_unconfirmed_tickets(ctx, now=sent + timedelta(seconds=69)) == 0
    assert resend_unconfirmed_tickets(ctx, now=sent + timedelta(seconds=70)) == 5
    assert resend_unconfirmed_tickets(ctx, now=sent + timedelta(seconds=110)) == 5
    assert resend_unconfirmed_tickets(ctx, now=sent + timedelta(days=1)) == 0, "the cap: four resends"

    grill = _tickets(client, first)["grill"]
    assert grill["state"] == "sent"
    assert _event_types(client, first) == ["kitchen.ticket_resent"] * 4 + ["kitchen.ticket_resends_exhausted"]
    check_kitchen_confirmations(ctx, now=sent + timedelta(days=1))
    assert gauge(client) == 6, "the alert stays on every ticket not printed"


def _message_id(ctx: HubContext, ticket_id: str) -> str:
    table = KitchenTicketRecord.__table__  # type: ignore[attr-defined]
    with ctx.db.engine.connect() as conn:
        return str(conn.execute(select(table.c.outbox_message_id).where(table.c.ticket_id == ticket_id)).scalar_one())
