"""PIPL export and erasure cover the customer's whole merged family: the record merged into them keeps
its own name and sent messages, and those are the same person's data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hub.customers.tables import Customer
from hub.notifications.tables import Notification
from tests.hub.crm.builders import World
from tests.hub.seed import SeededStore, order_body

CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]


def _family(client: TestClient, admin: dict[str, str], store: SeededStore) -> tuple[str, str]:
    """(target, source): 王小明, and 王老五 (with a sent message) merged into him."""
    target = client.post(
        "/orders", json=order_body(store.store_id, customer={"phone": "13812345678", "name": "王小明"}), headers=admin
    ).json()["customer_id"]
    source = client.post(
        "/orders",
        json=order_body(store.store_id, customer={"phone": "13987654321", "name": "王老五", "member_id": "M-9"}),
        headers=admin,
    ).json()["customer_id"]
    sent = client.post(
        f"/customers/{source}/notifications",
        json={"template_id": "msg-winback", "channel": "sms", "key": "n1", "variables": {"name": "王老五"}},
        headers=admin,
    )
    assert sent.status_code == 201, sent.text
    world = World(client.app.state.ctx.db)  # type: ignore[attr-defined]
    with world.db.session() as session:
        session.execute(update(NOTIFICATIONS).where(NOTIFICATIONS.c.id == sent.json()["id"]).values(status="sent"))
        session.commit()
    merged = client.post(f"/customers/{target}/merge", json={"source_customer_id": source}, headers=admin)
    assert merged.status_code == 200, merged.text
    return target, source


@pytest.mark.parametrize("named", ["target", "source"])
def test_export_holds_every_record_of_the_merged_family(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, named: str
) -> None:
    target, source = _family(client, admin_headers, store)
    r = client.get(f"/customers/{target if named == 'target' else source}/export", headers=admin_headers)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["customer"]["id"] == target
    assert [(c["id"], c["display_name"]) for c in data["merged_customers"]] == [(source, "王老五")]
    assert [n["variables"] for n in data["notifications"]] == [{"name": "王老五"}]
    assert len(data["orders"]) == 2
    assert {i["value"] for i in data["identities"]} == {"+8613812345678", "+8613987654321", "M-9"}


@pytest.mark.parametrize("named", ["target", "source"])
def test_erasure_leaves_no_name_in_the_merged_family(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, named: str
) -> None:
    target, source = _family(client, admin_headers, store)
    r = client.post(f"/customers/{target if named == 'target' else source}/erase", headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json()["anonymised"] and r.json()["display_name"] == ""
    for cid in (target, source):
        seen = client.get(f"/customers/{cid}", headers=admin_headers).json()
        assert (seen["display_name"], seen["identities"]) == ("", []), cid
    world = World(client.app.state.ctx.db)  # type: ignore[attr-defined]
    people = world.rows(select(CUSTOMERS.c.display_name, CUSTOMERS.c.anonymised_at).where(CUSTOMERS.c.id == source))
    assert people[0].display_name == "" and people[0].anonymised_at is not None
    assert world.rows(select(NOTIFICATIONS.c.variables).where(NOTIFICATIONS.c.customer_id == source)) == [({},)]
    export = client.get(f"/customers/{target}/export", headers=admin_headers).json()
    assert "王老五" not in str(export) and "王小明" not in str(export)
