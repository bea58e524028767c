"""Times in requests: an order's placed/promised time must be near the hub's (pinned) clock, times out of
range after offset arithmetic are a 422 (never a 500), and query times need a time zone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.messaging import Ack, DeadLetter
from contracts.store_orders import StoreOrder, StoreOrderLine
from hub.errors import InvalidInput
from hub.kernel.messaging import Messaging
from hub.orders.store_orders import store_order_applier
from mqttlink import MqttSettings
from tests.hub.seed import SeededStore, order_body, register_device, seed_store
from tests.mqtt_watch import Watcher

PINNED = datetime(2026, 12, 2, 2, 30, tzinfo=UTC)
"""10:30 in Shanghai; every test here runs on this clock."""
SHANGHAI = timezone(timedelta(hours=8))
EXTREMES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


@pytest.fixture
def pinned(client: TestClient) -> TestClient:
    client.app.state.ctx.clock = lambda: PINNED  # type: ignore[attr-defined]
    return client


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _orders(client: TestClient, headers: dict[str, str]) -> list[dict[str, object]]:
    return list(client.get("/orders", headers=headers).json())


def test_placed_and_promised_times_must_be_near_the_hubs_clock(
    pinned: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    refused = [
        ("placed_at", PINNED - timedelta(days=1, seconds=1)),
        ("placed_at", PINNED + timedelta(days=30, seconds=1)),
        ("promised_at", PINNED + timedelta(days=30, seconds=1)),
        ("promised_at", PINNED - timedelta(days=1, seconds=1)),
        ("placed_at", datetime(1990, 1, 1, tzinfo=UTC)),
    ]
    for field, moment in refused:
        r = pinned.post("/orders", json=order_body(store.store_id, **{field: _iso(moment)}), headers=admin_headers)
        assert r.status_code == 422, (field, moment, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"].startswith(f"{field} ")
        assert "outside the accepted range" in r.json()["detail"]
    assert _orders(pinned, admin_headers) == []

    edge = order_body(
        store.store_id,
        placed_at=_iso(PINNED - timedelta(days=1)),
        promised_at=(PINNED + timedelta(days=30)).astimezone(SHANGHAI).isoformat(),
    )
    assert pinned.post("/orders", json=edge, headers=admin_headers).status_code == 201
    now = pinned.post("/orders", json=order_body(store.store_id), headers=admin_headers).json()
    assert now["placed_at"] == "2026-12-02T02:30:00Z"  # the hub's clock, not the wall clock


def test_a_retry_that_arrives_after_the_accepted_range_still_gets_the_first_order(
    pinned: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    """A POS that retries two days later (it was offline) sends the same request: it gets its order back,
    not a 422 for a placed time that was in range when the order was taken; another request under the key
    is still refused as a reuse."""
    body = order_body(store.store_id, placed_at=_iso(PINNED - timedelta(minutes=5)))
    first = pinned.post("/orders", json=body, headers=admin_headers)
    assert first.status_code == 201, first.text
    pinned.app.state.ctx.clock = lambda: PINNED + timedelta(days=2)  # type: ignore[attr-defined]
    again = pinned.post("/orders", json=body, headers=admin_headers)
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    other = pinned.post("/orders", json={**body, "notes": "另一张单"}, headers=admin_headers)
    assert other.status_code == 422 and "reused" in other.json()["detail"], other.text
    assert [o["id"] for o in _orders(pinned, admin_headers)] == [first.json()["id"]]


@pytest.mark.parametrize("field", ["placed_at", "promised_at"])
@pytest.mark.parametrize("moment", EXTREMES)
def test_times_without_a_utc_equivalent_are_refused_not_a_server_error(
    pinned: TestClient, admin_headers: dict[str, str], store: SeededStore, field: str, moment: str
) -> None:
    r = pinned.post("/orders", json=order_body(store.store_id, **{field: moment}), headers=admin_headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert f"body.{field}" in r.json()["detail"]
    assert "out of range" in r.json()["detail"]
    assert _orders(pinned, admin_headers) == []


def _store_order(store_id: str, placed_at: datetime) -> StoreOrder:
    return StoreOrder(
        order_id=str(uuid.uuid4()),
        store_id=store_id,
        local_order_id=f"pos-{uuid.uuid4().hex[:6]}",
        order_number="P0001",
        placed_at=placed_at,
        lines=(StoreOrderLine(menu_item_id="KB", quantity=1),),
    )


def test_a_store_orders_placed_time_is_checked_against_the_hubs_clock(
    pinned: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    apply = store_order_applier(Messaging(root="brigade", source="hub"), clock=lambda: PINNED)
    db = pinned.app.state.ctx.db  # type: ignore[attr-defined]
    params = {"store_id": store.store_id}
    far = datetime.fromisoformat(EXTREMES[1])
    for placed_at, field in ((PINNED - timedelta(days=31), "placed_at"), (far, "placed_at")):
        with Session(db.engine) as session, pytest.raises(InvalidInput) as refused:
            apply(session, wrap(_store_order(store.store_id, placed_at), source="edge-1"), params)
        assert field in refused.value.detail
    # A store cut off from the hub for a week still syncs every order it took meanwhile.
    for age in (timedelta(hours=20), timedelta(days=7)):
        with Session(db.engine) as session:
            apply(session, wrap(_store_order(store.store_id, PINNED - age), source="edge-1"), params)
            session.commit()
    assert len(_orders(pinned, admin_headers)) == 2


@pytest.mark.integration
async def test_store_orders_with_absurd_times_are_dead_lettered_and_the_bridge_goes_on(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings
) -> None:
    """Dates no hub clock accepts (the year 2000, 9999 at -14:00), so the wall clock does not matter."""
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    store = seed_store(client, headers)
    register_device(client, headers, "edge-t", store_id=store.store_id)
    topic = topics.STORE_ORDER.build(root=root, store_id=store.store_id)
    old = wrap(_store_order(store.store_id, datetime(2000, 1, 1, tzinfo=UTC)), source="edge-t")
    far = wrap(_store_order(store.store_id, datetime.fromisoformat(EXTREMES[1])), source="edge-t")
    good = wrap(_store_order(store.store_id, datetime.now(UTC)), source="edge-t")
    async with Watcher(mosquitto_settings) as edge:
        await edge.watch(topics.ACK.build(root=root, device_id="edge-t"))
        await edge.watch(topics.DEAD_LETTER.build(root=root))
        for envelope in (old, far, good):
            await edge.link.publish(topic, encode(envelope))
        dead = await edge.wait_for(2, lambda m: m.topic.endswith("dead-letter"))
        await edge.wait_for(3, lambda m: "/acks/" in m.topic)
    letters = [decode(m.payload, DeadLetter).body for m in dead]
    assert [letter.source for letter in letters] == ["edge-t", "edge-t"]
    assert "placed_at" in letters[0].reason and "outside the accepted range" in letters[0].reason
    assert "placed_at" in letters[1].reason and "out of range" in letters[1].reason
    acked = {i for m in edge.messages if "/acks/" in m.topic for i in decode(m.payload, Ack).body.message_ids}
    assert acked == {old.id, far.id, good.id}  # refused messages are answered too: the edge forgets them
    assert client.get(f"/orders/{good.body.order_id}", headers=headers).status_code == 200
    assert client.get(f"/orders/{old.body.order_id}", headers=headers).status_code == 404


def _rider(client: TestClient, headers: dict[str, str], store: SeededStore) -> str:
    rider_id = f"r-{uuid.uuid4().hex[:6]}"
    r = client.post("/riders", json={"id": rider_id, "store_id": store.store_id, "name": "张师傅"}, headers=headers)
    assert r.status_code == 201, r.text
    return rider_id


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2026-12-02T10:00:00"},
        {"until": "2026-12-02T10:00:00"},
        {"since": EXTREMES[0]},
        {"until": EXTREMES[1]},
        {"since": "yesterday"},
    ],
)
def test_a_query_time_without_a_zone_or_out_of_range_is_a_problem(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, query: dict[str, str]
) -> None:
    rider = _rider(client, admin_headers, store)
    r = client.get(f"/riders/{rider}/track", params=query, headers=admin_headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert f"query.{next(iter(query))}" in r.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2026-12-02T10:00:00"},
        {"since": EXTREMES[0]},
        {"until": EXTREMES[1]},
    ],
)
def test_the_audit_logs_times_are_checked_the_same_way(
    client: TestClient, admin_headers: dict[str, str], query: dict[str, str]
) -> None:
    r = client.get("/audit-log", params=query, headers=admin_headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert f"query.{next(iter(query))}" in r.json()["detail"]
    taken = client.get("/audit-log", params={"since": "2026-12-02T10:00:00 08:00"}, headers=admin_headers)
    assert taken.status_code == 200, taken.text  # a '+' decoded as a space is still the zone


@pytest.mark.parametrize(
    "since", ["2026-12-02T10:00:00+08:00", "2026-12-02T02:00:00Z", "2026-12-02T10:00:00 08:00", "2026-12-02 02:00Z"]
)
def test_query_times_with_a_zone_are_taken(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, since: str
) -> None:
    rider = _rider(client, admin_headers, store)
    r = client.get(f"/riders/{rider}/track", params={"since": since}, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json() == []


@pytest.mark.parametrize("moment", EXTREMES)
def test_a_coupons_end_without_a_utc_equivalent_is_refused(
    client: TestClient, admin_headers: dict[str, str], moment: str
) -> None:
    body = {"id": "c-far", "name": "满50减10", "kind": "amount_off", "amount_off_fen": 1000, "valid_until": moment}
    r = client.post("/coupon-templates", json=body, headers=admin_headers)
    assert r.status_code == 422, r.text
    assert "body.valid_until" in r.json()["detail"]
    assert "c-far" not in [t["id"] for t in client.get("/coupon-templates", headers=admin_headers).json()]
