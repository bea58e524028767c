"""``brigade_kitchen_tickets_unconfirmed`` on /metrics: the tickets neither printed nor shown in time, now."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from contracts.envelope import wrap
from contracts.kitchen import PrintOutcome, PrintResult
from hub.jobs import check_kitchen_confirmations
from hub.kitchen.service import apply_print_result
from tests.hub.seed import SeededStore, order_body


def gauge(client: TestClient) -> float:
    text = client.get("/metrics").text
    match = re.search(r"^brigade_kitchen_tickets_unconfirmed (\S+)$", text, re.MULTILINE)
    assert match, text[:500]
    return float(match.group(1))


def test_the_gauge_counts_tickets_unconfirmed_past_the_limit_and_drops_when_one_prints(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    r = client.post("/orders", json=order_body(store.store_id), headers=admin_headers)
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    tickets = client.get("/kitchen/tickets", params={"order_id": order_id}, headers=admin_headers).json()
    assert len(tickets) == 2
    made = max(datetime.fromisoformat(t["created_at"]) for t in tickets)
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    limit = ctx.settings.ticket_confirm_timeout_s

    check_kitchen_confirmations(ctx, now=made + timedelta(seconds=limit / 2))
    assert gauge(client) == 0, "within the limit nothing is unconfirmed yet"
    check_kitchen_confirmations(ctx, now=made + timedelta(seconds=limit + 5))
    assert gauge(client) == 2

    wok = next(t for t in tickets if t["station_code"] == "wok")
    printed = PrintResult(
        job_id="j1",
        ticket_id=wok["ticket_id"],
        order_id=order_id,
        revision=1,
        store_id=store.store_id,
        station_id="wok",
        printer_id="wok-p",
        outcome=PrintOutcome.PRINTED,
        at=made + timedelta(seconds=limit + 6),
    )
    with ctx.db.session() as session:
        apply_print_result(session, wrap(printed, source="edge-1"), {"store_id": store.store_id})
        session.commit()
    check_kitchen_confirmations(ctx, now=made + timedelta(seconds=limit + 7))
    assert gauge(client) == 1, "the printed ticket is confirmed; the other still is not"
