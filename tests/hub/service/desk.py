"""A hub for service-desk tests: REST only, its clock pinned and moved by hand, a store with split
shifts, an order (and so a customer) to complain about."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from contracts.envelope import decode
from contracts.service import SlaEventNotice
from hub.app import create_app
from hub.jobs import check_service_desk
from hub.outbox.tables import OutboxMessage
from hub.service.jobs import DeskRun
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, order_body, seed_store

SHANGHAI = ZoneInfo("Asia/Shanghai")
SPLIT_SHIFTS = {str(day): [["10:00", "14:00"], ["17:00", "21:00"]] for day in range(7)}
"""Lunch 10-14 and dinner 17-21 every day; closed on public holidays."""


def local(text: str) -> datetime:
    """A Shanghai wall-clock time as aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


@dataclass
class PinnedClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    client: TestClient
    headers: dict[str, str]
    clock: PinnedClock
    store_id: str
    order: dict[str, Any] = field(default_factory=dict)

    def post(self, url: str, body: Any, expect: int | tuple[int, ...] = (200, 201)) -> Any:
        r = self.client.post(url, json=body, headers=self.headers)
        wanted = (expect,) if isinstance(expect, int) else expect
        assert r.status_code in wanted, r.text
        return r.json()

    def get(self, url: str, **params: Any) -> Any:
        r = self.client.get(url, headers=self.headers, params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def ticket(self, **changes: Any) -> dict[str, Any]:
        body = {
            "kind": "complaint",
            "category": "cold_food",
            "summary": "饭菜送到时是凉的",
            "store_id": self.store_id,
            **changes,
        }
        return dict(self.post("/service/tickets", body, 201))

    def act(self, ticket_id: str, action: str, note: str = "", expect: int = 200) -> Any:
        return self.post(f"/service/tickets/{ticket_id}/actions", {"action": action, "note": note}, expect)

    def run_job(self) -> DeskRun:
        return check_service_desk(self.client.app.state.ctx)  # type: ignore[attr-defined]

    def sla_notices(self, ticket_id: str) -> list[SlaEventNotice]:
        """The SLA notices on the outbox for this ticket (the PostgreSQL database is shared by the run)."""
        found = [decode(m.payload, SlaEventNotice).body for m in self.outbox("/service/sla-events")]
        return [n for n in found if n.ticket_id == ticket_id]

    def outbox(self, topic_part: str) -> list[OutboxMessage]:
        with self.client.app.state.ctx.db.session() as session:  # type: ignore[attr-defined]
            rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()  # type: ignore[arg-type]
            return [row for row in rows if topic_part in row.topic]


@contextmanager
def desk_on(database_url: str, tmp_path: Path, start: datetime, hours: dict[str, Any] | None = None) -> Iterator[Desk]:
    app = create_app(rest_settings(database_url, tmp_path))
    clock = PinnedClock(start)
    app.state.ctx.clock = clock
    with TestClient(app) as client:
        headers = login(client, make_admin(database_url))
        store = seed_store(client, headers)
        desk = Desk(client, headers, clock, store.store_id)
        r = client.put(
            f"/service/calendars/{store.store_id}",
            json={"weekly": hours if hours is not None else SPLIT_SHIFTS, "public_holidays": True},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        phone = f"+86 138 {uuid.uuid4().int % 10**8:08d}"  # a customer of this test's own (PostgreSQL is shared)
        order = order_body(store.store_id, customer={"phone": phone, "name": "王小明"})
        r = client.post("/orders", json=order, headers=headers)
        assert r.status_code == 201, r.text
        desk.order = r.json()
        yield desk
