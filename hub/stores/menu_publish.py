"""The store's menu, retained on its MQTT topic, so the edge agent can take and route orders offline."""

from __future__ import annotations

import time

from sqlmodel import Session, col, select

from contracts import topics
from contracts.store_orders import MenuEntry, StoreMenu
from hub.outbox.writer import enqueue
from hub.stores.tables import MenuItem, Station, Store


def enqueue_store_menu(session: Session, store_id: str, *, root: str, source: str) -> StoreMenu:
    """Queue the store's current menu in the caller's transaction (it is published after commit)."""
    store = session.get(Store, store_id)
    assert store is not None
    stations = session.exec(select(Station).where(Station.store_id == store_id)).all()
    items = session.exec(
        select(MenuItem)
        .where(MenuItem.store_id == store_id, col(MenuItem.active).is_(True))
        .order_by(col(MenuItem.sku))
    ).all()
    menu = StoreMenu(
        store_id=store_id,
        store_name=store.name,
        station_names={s.code: s.name for s in stations},
        items=tuple(
            MenuEntry(
                menu_item_id=i.sku,
                name=i.name,
                price_fen=i.price_fen,
                station_ids=tuple(i.station_codes),
                allergens=tuple(i.allergens),
            )
            for i in items
        ),
        version=time.time_ns() // 1_000_000,
    )
    enqueue(session, topics.STORE_MENU, menu, root=root, source=source, store_id=store_id)
    return menu
