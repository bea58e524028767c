"""Property: under any sequence of orders (some paid with points), refunds, cancellations and replays,
the points balance equals the sum of its ledger, and equals what the rules say it should be (PostgreSQL)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hub.crm.config import put_state
from hub.customers.identity import CustomerRef
from hub.db import Database
from hub.errors import InvalidInput
from hub.kernel.messaging import Messaging
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.loyalty.errors import NotEnoughPoints
from hub.loyalty.ledger import balance
from hub.loyalty.tables import PointsEntry
from hub.marketing.order_feed import FEED_KEY
from hub.orders.domain import OrderStatus
from hub.orders.schemas import DeliveryIn, OrderIn, OrderLineIn
from hub.orders.service import change_status, place_order, record_event
from hub.stores.tables import MenuItem, Station, Store
from hub.wiring import domain_events
from tests.databases import postgres_database
from tests.hub.crm.builders import World

pytestmark = pytest.mark.integration
LEDGER = PointsEntry.__table__  # type: ignore[attr-defined]
PRICE = 1234
ADMIN = Principal(kind="user", id="prop", name="prop", role=Role.ADMIN)
# The hub's wiring: marketing redeems the points through orders' REDEEM_AT_PLACEMENT port.
MESSAGING = Messaging(root="tprop", source="hub", events=domain_events())
PHONES = itertools.count(10_000_000)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with postgres_database() as url:
        db = Database.from_url(url)
        with db.session() as session:
            session.add(Store(id="prop", name="属性店"))
            session.flush()
            session.add(Station(store_id="prop", code="wok", name="炒锅"))
            session.add(MenuItem(store_id="prop", sku="X", name="小炒", price_fen=PRICE, station_codes=["wok"]))
            session.commit()
        yield World(db)
        db.dispose()


@dataclass
class ModelOrder:
    id: str
    total: int
    used: int
    cancelled: bool = False
    earned: int = 0
    held: int = 0


@dataclass
class Model:
    balance: int = 0
    orders: list[ModelOrder] = field(default_factory=list)
    pending: list[tuple[str, ModelOrder, int]] = field(default_factory=list)

    def feed(self) -> None:
        for kind, order, amount in self.pending:
            if kind == "placed" and not order.cancelled:
                order.earned = order.held = order.total // 100
                self.balance += order.earned
            elif kind == "refund" and order.earned > 0 and order.held > 0:
                share = order.held if amount >= order.total else min(order.held, order.earned * amount // order.total)
                order.held -= share
                self.balance -= share
            elif kind == "cancel":
                self.balance += order.used - order.held
                order.held = order.used = 0
        self.pending.clear()


ops = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.integers(1, 30), st.sampled_from([0, 0, 50, 300, 2000])),
        st.tuples(st.just("cancel"), st.integers(0, 20), st.just(0)),
        st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 100)),
        st.tuples(st.just("feed"), st.just(0), st.just(0)),
        st.tuples(st.just("replay"), st.just(0), st.just(0)),
    ),
    max_size=14,
)


def _ledger_sum(world: World, customer: str) -> int:
    return int(world.scalar(select(func.coalesce(func.sum(LEDGER.c.delta), 0)).where(LEDGER.c.customer_id == customer)))


def _place(world: World, phone: str, quantity: int, points: int) -> Any:
    body = OrderIn(
        store_id="prop",
        external_id=f"prop-{next(PHONES)}",
        lines=[OrderLineIn(sku="X", quantity=quantity)],
        customer=CustomerRef(phone=phone),
        delivery=DeliveryIn(address="南京东路1号"),
        points_to_use=points,
    )
    with world.db.session() as session:
        placed = place_order(session, ADMIN, body, MESSAGING)
        session.commit()
        return placed.order_id


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=ops)
def test_balance_equals_ledger_under_any_sequence(world: World, steps: list[tuple[str, int, int]]) -> None:
    phone = f"+86136{next(PHONES):08d}"
    model = Model()
    customer: str | None = None
    for kind, a, b in steps:
        if kind == "order":
            try:
                order_id = _place(world, phone, a, b)
            except NotEnoughPoints:
                assert model.balance < b <= a * PRICE, "refused although the balance covered it"
                continue
            except InvalidInput:
                assert b > a * PRICE, "points refused although worth less than the order"
                continue
            assert model.balance >= b, "points spent that were not there"
            model.balance -= b
            order = ModelOrder(id=order_id, total=a * PRICE - b, used=b)
            model.orders.append(order)
            model.pending.append(("placed", order, 0))
        elif kind in ("cancel", "refund") and a < len(model.orders) and not model.orders[a].cancelled:
            order = model.orders[a]
            with world.db.session() as session:
                if kind == "cancel":
                    change_status(session, ADMIN, order.id, OrderStatus.CANCELLED, "changed mind", MESSAGING)
                    session.commit()
                    order.cancelled = True
                    model.pending.append(("cancel", order, 0))
                else:
                    amount = max(1, order.total * b // 100)
                    record_event(session, order.id, "order.refunded", actor="prop", data={"amount_fen": amount})
                    session.commit()
                    model.pending.append(("refund", order, amount))
        elif kind == "feed":
            world.feed()
            model.feed()
        elif kind == "replay":
            with world.db.session() as session:
                put_state(session, FEED_KEY, {"last_id": 0, "gaps": []})
                session.commit()
            world.feed()
            model.feed()
        if customer is None and model.orders:
            customer = _customer_of(world, model.orders[0].id)
        if customer is not None:
            with world.db.session() as session:
                assert balance(session, customer) == _ledger_sum(world, customer)
    world.feed()
    model.feed()
    if customer is not None:
        with world.db.session() as session:
            assert balance(session, customer) == _ledger_sum(world, customer) == model.balance


def _customer_of(world: World, order_id: str) -> str:
    from hub.orders.tables import Order

    table = Order.__table__  # type: ignore[attr-defined]
    return str(world.scalar(select(table.c.customer_id).where(table.c.id == order_id)))
