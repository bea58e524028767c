"""Building CRM test data the way the hub would: stores, customers, orders, events; and running the jobs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from hub.crm.recompute import RecomputeResult, recompute_all
from hub.customers.identity import CustomerRef
from hub.customers.resolver import resolve_customer
from hub.db import Database
from hub.db_types import new_id
from hub.marketing.order_feed import drain
from hub.orders.service import record_event
from hub.orders.tables import Order
from hub.stores.tables import Store

TZ = "Asia/Shanghai"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@dataclass
class World:
    db: Database

    def store(self, store_id: str | None = None, timezone: str = TZ, name: str = "门店") -> str:
        store_id = store_id or f"s-{uuid.uuid4().hex[:8]}"
        with self.db.session() as session:
            session.add(Store(id=store_id, name=name, timezone=timezone))
            session.commit()
        return store_id

    def customer(
        self,
        *,
        phone: str | None = None,
        member_id: str | None = None,
        name: str = "",
        store_id: str | None = None,
        at: datetime | None = None,
    ) -> str:
        ref = CustomerRef(phone=phone, member_id=member_id or (None if phone else uuid.uuid4().hex[:12]), name=name)
        with self.db.session() as session:
            customer_id, _ = resolve_customer(
                session, ref.keys("CN"), display_name=name, store_id=store_id, at=at or datetime.now(UTC)
            )
            session.commit()
        return customer_id

    def order(
        self,
        customer_id: str | None,
        store_id: str,
        placed_at: datetime,
        total_fen: int = 5000,
        *,
        status: str = "delivered",
        discount_fen: int = 0,
        address: str | None = None,
        promised_at: datetime | None = None,
        event: bool = True,
    ) -> str:
        """An order as placed (with its ``order.placed`` event), written directly."""
        order_id = new_id()
        with self.db.session() as session:
            session.add(
                Order(
                    id=order_id,
                    store_id=store_id,
                    channel="test",
                    external_id=order_id,
                    order_number=order_id[:4],
                    customer_id=customer_id,
                    status=status,
                    fulfilment="delivery",
                    subtotal_fen=total_fen + discount_fen,
                    discount_fen=discount_fen,
                    total_fen=total_fen,
                    delivery_address=address,
                    placed_at=placed_at,
                    promised_at=promised_at,
                    updated_at=placed_at,
                )
            )
            session.flush()
            if event:
                record_event(session, order_id, "order.placed", actor="test", at=placed_at, data={})
            session.commit()
        return order_id

    def event(self, order_id: str, type_: str, data: dict[str, Any], at: datetime | None = None) -> None:
        with self.db.session() as session:
            record_event(session, order_id, type_, actor="test", at=at or datetime.now(UTC), data=data)
            session.commit()

    def feed(self, now: datetime | None = None) -> int:
        return drain(self.db.session, now=now or datetime.now(UTC), default_tz=TZ, max_batches=10_000)

    def recompute(self, now: datetime | None = None, full: bool = False) -> RecomputeResult:
        with self.db.session() as session:
            result = recompute_all(session, now=now or datetime.now(UTC), default_tz=TZ, full=full)
            session.commit()
        return result

    def count(self, table: Any, *where: Any) -> int:
        with self.db.session() as session:
            return int(session.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    def rows(self, query: Any) -> list[Any]:
        with self.db.session() as session:
            return list(session.execute(query).all())

    def scalar(self, query: Any) -> Any:
        with self.db.session() as session:
            return session.execute(query).scalar()
