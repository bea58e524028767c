from __future__ import annotations

from fastapi import APIRouter, status

from contracts.store_orders import StoreMenu
from hub.context import HubContext
from hub.deps import ContextDep, ManagerDep, OperatorDep, SessionDep, StaffDep
from hub.problems import problem_responses
from hub.stores import service
from hub.stores.menu_publish import enqueue_store_menu
from hub.stores.schemas import (
    MenuItemIn,
    MenuItemOut,
    MenuItemPatch,
    MenuOut,
    PrinterIn,
    PrinterOut,
    StationIn,
    StationOut,
    StoreIn,
    StoreOut,
)
from hub.stores.tables import MenuItem, Printer, Station, Store

router = APIRouter(prefix="/stores", tags=["stores"], responses=problem_responses(401, 403, 404, 422))


@router.post("", response_model=StoreOut, status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
def create_store(session: SessionDep, operator: OperatorDep, body: StoreIn) -> Store:
    store = service.create_store(session, body, actor=operator)
    session.commit()
    return store


@router.get("", response_model=list[StoreOut])
def list_stores(session: SessionDep, staff: StaffDep) -> list[Store]:
    return service.list_stores(session, staff)


@router.get("/{store_id}", response_model=StoreOut)
def get_store(session: SessionDep, staff: StaffDep, store_id: str) -> Store:
    return service.visible_store(session, staff, store_id)


@router.post(
    "/{store_id}/stations",
    response_model=StationOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def add_station(ctx: ContextDep, session: SessionDep, operator: OperatorDep, store_id: str, body: StationIn) -> Station:
    station = service.add_station(session, service.visible_store(session, operator, store_id), body, actor=operator)
    _publish_menu(ctx, session, store_id)
    return station


@router.get("/{store_id}/stations", response_model=list[StationOut])
def list_stations(session: SessionDep, staff: StaffDep, store_id: str) -> list[Station]:
    return service.list_stations(session, service.visible_store(session, staff, store_id))


@router.post(
    "/{store_id}/printers",
    response_model=PrinterOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def add_printer(session: SessionDep, manager: ManagerDep, store_id: str, body: PrinterIn) -> Printer:
    printer = service.add_printer(session, service.visible_store(session, manager, store_id), body, actor=manager)
    session.commit()
    return printer


@router.get("/{store_id}/printers", response_model=list[PrinterOut])
def list_printers(session: SessionDep, staff: StaffDep, store_id: str) -> list[Printer]:
    return service.list_printers(session, service.visible_store(session, staff, store_id))


@router.post(
    "/{store_id}/menu-items",
    response_model=MenuItemOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def add_menu_item(
    ctx: ContextDep, session: SessionDep, manager: ManagerDep, store_id: str, body: MenuItemIn
) -> MenuItem:
    item = service.add_menu_item(session, service.visible_store(session, manager, store_id), body, actor=manager)
    _publish_menu(ctx, session, store_id)
    return item


@router.get("/{store_id}/menu-items", response_model=list[MenuItemOut])
def list_menu(session: SessionDep, staff: StaffDep, store_id: str) -> list[MenuItem]:
    return service.list_menu(session, service.visible_store(session, staff, store_id))


@router.patch("/{store_id}/menu-items/{sku}", response_model=MenuItemOut)
def update_menu_item(
    ctx: ContextDep, session: SessionDep, manager: ManagerDep, store_id: str, sku: str, body: MenuItemPatch
) -> MenuItem:
    item = service.update_menu_item(
        session, service.visible_store(session, manager, store_id), sku, body, actor=manager
    )
    _publish_menu(ctx, session, store_id)
    return item


@router.post("/{store_id}/menu/publish", response_model=MenuOut)
def publish_menu(ctx: ContextDep, session: SessionDep, manager: ManagerDep, store_id: str) -> MenuOut:
    """Send the store's menu to its edge agent again (it is also sent on every menu change)."""
    service.visible_store(session, manager, store_id)
    menu = _publish_menu(ctx, session, store_id)
    return MenuOut(store_id=store_id, version=menu.version, items=len(menu.items))


def _publish_menu(ctx: HubContext, session: SessionDep, store_id: str) -> StoreMenu:
    """Queue the menu in the same transaction as the change, commit, and wake the relay."""
    menu = enqueue_store_menu(session, store_id, root=ctx.settings.mqtt.topic_root, source=ctx.settings.source_id)
    session.commit()
    ctx.catalogs.invalidate(store_id)
    ctx.wake_relay()
    return menu
