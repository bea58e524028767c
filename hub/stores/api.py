"""Stores' public module for other domains: a store as a caller may see it, its catalog (name,
stations, menu) and pricing lines from its menu."""

from hub.stores.catalog import StoreCatalog, StoreCatalogs
from hub.stores.pricing import MenuPrice, PricedLine, PricedOrder, RequestedLine, price_lines
from hub.stores.service import store_exists, visible_store
from hub.stores.tables import MenuItem, Printer, Station, Store

stores_table = Store.__table__  # type: ignore[attr-defined]

stations_table = Station.__table__  # type: ignore[attr-defined]

menu_items_table = MenuItem.__table__  # type: ignore[attr-defined]

printers_table = Printer.__table__  # type: ignore[attr-defined]

__all__ = [
    "MenuPrice",
    "PricedLine",
    "PricedOrder",
    "RequestedLine",
    "Store",
    "StoreCatalog",
    "StoreCatalogs",
    "menu_items_table",
    "price_lines",
    "printers_table",
    "stations_table",
    "store_exists",
    "stores_table",
    "visible_store",
]
