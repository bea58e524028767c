"""A store's name, stations and menu, as order intake needs them, cached briefly per process.

Order intake reads these on every order; they change rarely. A few seconds of staleness across hub
processes is acceptable (a price change applies to orders placed a moment later); this process
drops its copy at once when it changes the menu.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from hub.stores.pricing import MenuPrice
from hub.stores.tables import MenuItem, Station, Store

stores = Store.__table__  # type: ignore[attr-defined]
stations = Station.__table__  # type: ignore[attr-defined]
menu_items = MenuItem.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoreCatalog:
    store_id: str
    name: str
    station_names: dict[str, str]
    menu: dict[str, MenuPrice]


def load_catalog(session: Session, store_id: str) -> StoreCatalog | None:
    name = session.execute(select(stores.c.name).where(stores.c.id == store_id)).scalar()
    if name is None:
        return None
    station_names = {
        r.code: r.name
        for r in session.execute(select(stations.c.code, stations.c.name).where(stations.c.store_id == store_id))
    }
    menu = {
        r.sku: MenuPrice(r.sku, r.name, r.price_fen, tuple(r.station_codes), tuple(r.allergens), r.active)
        for r in session.execute(
            select(
                menu_items.c.sku,
                menu_items.c.name,
                menu_items.c.price_fen,
                menu_items.c.station_codes,
                menu_items.c.allergens,
                menu_items.c.active,
            ).where(menu_items.c.store_id == store_id)
        )
    }
    return StoreCatalog(store_id=store_id, name=name, station_names=station_names, menu=menu)


class StoreCatalogs:
    """Per-process cache of ``StoreCatalog`` with a time-to-live (0 disables caching)."""

    def __init__(self, ttl_s: float = 5.0) -> None:
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, StoreCatalog]] = {}

    def get(self, session: Session, store_id: str) -> StoreCatalog | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(store_id)
        if entry is not None and now - entry[0] < self._ttl_s:
            return entry[1]
        catalog = load_catalog(session, store_id)
        if catalog is not None and self._ttl_s > 0:
            with self._lock:
                self._entries[store_id] = (now, catalog)
        return catalog

    def invalidate(self, store_id: str) -> None:
        with self._lock:
            self._entries.pop(store_id, None)
