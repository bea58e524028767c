"""Stores, stations, printers and the menu."""

from __future__ import annotations

from sqlmodel import Session, select

from hub.audit.service import record_audit
from hub.errors import Conflict, InvalidInput, NotFound
from hub.kernel.principal import Principal
from hub.stores.schemas import MenuItemIn, MenuItemPatch, PrinterIn, StationIn, StoreIn
from hub.stores.tables import MenuItem, Printer, Station, Store


def visible_store(session: Session, principal: Principal, store_id: str) -> Store:
    """The store, or NotFound: another store's data does not exist for a scoped principal."""
    store = session.get(Store, store_id) if principal.sees_store(store_id) else None
    if store is None:
        raise NotFound("no store with this id")  # no id: it may be another store's
    return store


def store_exists(session: Session, store_id: str) -> bool:
    return session.get(Store, store_id) is not None


def create_store(session: Session, body: StoreIn, *, actor: Principal) -> Store:
    if session.get(Store, body.id) is not None:
        raise Conflict(f"store {body.id!r} already exists")
    store = Store(**body.model_dump())
    session.add(store)
    record_audit(session, actor=actor.label, action="store.create", target_type="store", target_id=body.id)
    return store


def list_stores(session: Session, principal: Principal) -> list[Store]:
    query = select(Store).order_by(Store.id)
    if principal.store_ids is not None:
        query = query.where(Store.id.in_(sorted(principal.store_ids)))  # type: ignore[attr-defined]
    return list(session.exec(query).all())


def station_codes(session: Session, store_id: str) -> set[str]:
    return set(session.exec(select(Station.code).where(Station.store_id == store_id)).all())


def add_station(session: Session, store: Store, body: StationIn, *, actor: Principal) -> Station:
    if body.code in station_codes(session, store.id):
        raise Conflict(f"station {body.code!r} already exists in {store.id}")
    station = Station(store_id=store.id, **body.model_dump())
    session.add(station)
    record_audit(
        session,
        actor=actor.label,
        action="station.create",
        target_type="store",
        target_id=store.id,
        detail={"code": body.code},
    )
    return station


def list_stations(session: Session, store: Store) -> list[Station]:
    return list(session.exec(select(Station).where(Station.store_id == store.id).order_by(Station.code)).all())


def add_printer(session: Session, store: Store, body: PrinterIn, *, actor: Principal) -> Printer:
    if session.get(Printer, body.id) is not None:
        raise Conflict(f"printer {body.id!r} already exists")
    if body.station_code and body.station_code not in station_codes(session, store.id):
        raise InvalidInput(f"store {store.id} has no station {body.station_code!r}")
    printer = Printer(store_id=store.id, **body.model_dump())
    session.add(printer)
    record_audit(session, actor=actor.label, action="printer.create", target_type="printer", target_id=body.id)
    return printer


def list_printers(session: Session, store: Store) -> list[Printer]:
    return list(session.exec(select(Printer).where(Printer.store_id == store.id).order_by(Printer.id)).all())


def _check_stations(session: Session, store: Store, codes: list[str]) -> None:
    unknown = sorted(set(codes) - station_codes(session, store.id))
    if unknown:
        raise InvalidInput(f"store {store.id} has no station {', '.join(unknown)}")


def add_menu_item(session: Session, store: Store, body: MenuItemIn, *, actor: Principal) -> MenuItem:
    _check_stations(session, store, body.station_codes)
    exists = session.exec(select(MenuItem).where(MenuItem.store_id == store.id, MenuItem.sku == body.sku)).first()
    if exists is not None:
        raise Conflict(f"menu item {body.sku!r} already exists in {store.id}")
    item = MenuItem(store_id=store.id, **body.model_dump())
    session.add(item)
    record_audit(
        session,
        actor=actor.label,
        action="menu_item.create",
        target_type="store",
        target_id=store.id,
        detail={"sku": body.sku, "price_fen": body.price_fen},
    )
    return item


def get_menu_item(session: Session, store: Store, sku: str) -> MenuItem:
    item = session.exec(select(MenuItem).where(MenuItem.store_id == store.id, MenuItem.sku == sku)).first()
    if item is None:
        raise NotFound(f"no menu item {sku!r} in {store.id}")
    return item


def update_menu_item(session: Session, store: Store, sku: str, patch: MenuItemPatch, *, actor: Principal) -> MenuItem:
    item = get_menu_item(session, store, sku)
    changes = patch.model_dump(exclude_unset=True, exclude_none=True)
    if "station_codes" in changes:
        _check_stations(session, store, changes["station_codes"])
    for key, value in changes.items():
        setattr(item, key, value)
    session.add(item)
    record_audit(
        session,
        actor=actor.label,
        action="menu_item.update",
        target_type="store",
        target_id=store.id,
        detail={"sku": sku, **changes},
    )
    return item


def list_menu(session: Session, store: Store) -> list[MenuItem]:
    return list(session.exec(select(MenuItem).where(MenuItem.store_id == store.id).order_by(MenuItem.sku)).all())
