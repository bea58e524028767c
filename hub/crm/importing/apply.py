"""Writing one imported record: find or create the customer (deduplicated by identity), fill in."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlmodel import Session, col

from hub.crm.importing.bulk_resolve import Wanted, resolve_many
from hub.crm.importing.mapping import CustomerRecord, OrderRecord
from hub.crm.profile import parse_birthday, retag, set_consent
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.resolver import find_owners, resolve_customer
from hub.crm.sql_dialect import insert_for
from hub.crm.tables import Customer
from hub.crm.tags import RULE_TAGS
from hub.db_types import new_id
from hub.errors import InvalidInput
from hub.orders.tables import Order, OrderEvent

Outcome = Literal["created", "updated", "unchanged"]
orders = Order.__table__  # type: ignore[attr-defined]
events = OrderEvent.__table__  # type: ignore[attr-defined]


def apply_customer(session: Session, record: CustomerRecord, *, at: datetime, overwrite: bool) -> Outcome:
    keys = list(record.keys)
    known = find_owners(session, keys)
    customer_id, created = resolve_customer(session, keys, display_name=record.name, store_id=None, at=at)
    changed = created or len(known) < len(keys)
    customer = session.get(Customer, customer_id)
    assert customer is not None
    if record.name and record.name != customer.display_name and (overwrite or not customer.display_name):
        customer.display_name = record.name
        customer.updated_at = at
        session.add(customer)
        changed = True
    changed = _profile(session, customer_id, record, overwrite, at) or changed
    if (
        record.address
        and not session.scalars(
            select(col(CustomerAddress.id)).where(
                col(CustomerAddress.customer_id) == customer_id, col(CustomerAddress.address) == record.address
            )
        ).first()
    ):
        first = not session.scalars(
            select(col(CustomerAddress.id)).where(col(CustomerAddress.customer_id) == customer_id)
        ).first()
        session.add(
            CustomerAddress(
                customer_id=customer_id, address=record.address, notes=record.address_notes, is_default=first
            )
        )
        session.flush()
        retag(session, [customer_id])
        changed = True
    for tag in record.tags:
        if tag in RULE_TAGS:
            raise InvalidInput(f"{tag!r} is a rule tag and cannot be imported")
        if session.get(CustomerTag, (customer_id, tag)) is None:
            session.add(CustomerTag(customer_id=customer_id, tag=tag, source="manual", created_at=at))
            changed = True
    for channel, granted in record.consents.items():
        current = session.get(CustomerConsent, (customer_id, channel))
        if current is None or current.granted != granted:
            set_consent(session, customer_id, channel, granted, source="import")
            changed = True
    session.flush()
    return "created" if created else ("updated" if changed else "unchanged")


def _profile(session: Session, customer_id: str, record: CustomerRecord, overwrite: bool, at: datetime) -> bool:
    wanted: dict[str, object] = {}
    if record.email:
        wanted["email"] = record.email
    if record.notes:
        wanted["notes"] = record.notes
    if record.birthday:
        year, month, day = parse_birthday(record.birthday)
        wanted.update(birth_year=year, birth_month=month, birth_day=day)
    if not wanted:
        return False
    profile = session.get(CustomerProfile, customer_id) or CustomerProfile(customer_id=customer_id)
    changed = False
    for name, value in wanted.items():
        current = getattr(profile, name)
        if current != value and (overwrite or current is None):
            setattr(profile, name, value)
            changed = True
    if changed:
        profile.updated_at = at
        session.add(profile)
    return changed


def apply_order(
    session: Session, record: OrderRecord, *, at: datetime, source: str, store_id: str, actor: str
) -> Outcome:
    customer_id = None
    if record.keys:
        customer_id, _ = resolve_customer(
            session, list(record.keys), display_name=record.name, store_id=store_id, at=at
        )
    order_id = new_id()
    channel = f"import-{source}"
    inserted = session.execute(
        insert_for(session)(orders)
        .values(
            id=order_id,
            store_id=store_id,
            channel=channel,
            external_id=record.external_id,
            order_number=record.external_id[-8:].upper(),
            customer_id=customer_id,
            status=record.status,
            fulfilment="delivery" if record.address else "pickup",
            subtotal_fen=record.total_fen + record.discount_fen,
            delivery_fee_fen=0,
            discount_fen=record.discount_fen,
            total_fen=record.total_fen,
            currency="CNY",
            delivery_address=record.address,
            placed_at=record.placed_at,
            updated_at=at,
            revision=1,
        )
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(orders.c.id)
    ).scalar()
    if inserted is None:
        return "unchanged"
    session.execute(
        events.insert().values(
            order_id=order_id,
            type="order.imported",
            at=at,
            actor=actor,
            data={"source": source, "row": record.row, "total_fen": record.total_fen},
        )
    )
    return "created"


def apply_orders(
    session: Session, records: list[OrderRecord], *, at: datetime, source: str, default_store: str | None, actor: str
) -> list[Outcome]:
    """A batch of historical orders in a few statements; rows already imported are left alone."""
    stores = {r.row: (r.store_id or default_store) for r in records}
    if any(s is None for s in stores.values()):
        raise InvalidInput("a row has no store")
    store_of = {row: str(s) for row, s in stores.items()}
    owners = [
        r.customer_id for r in resolve_many(session, [Wanted(r.keys, r.name, store_of[r.row]) for r in records], at=at)
    ]
    channel = f"import-{source}"
    rows = [
        dict(
            id=new_id(),
            store_id=store_of[r.row],
            channel=channel,
            external_id=r.external_id,
            order_number=r.external_id[-8:].upper(),
            customer_id=owner,
            status=r.status,
            fulfilment="delivery" if r.address else "pickup",
            subtotal_fen=r.total_fen + r.discount_fen,
            delivery_fee_fen=0,
            discount_fen=r.discount_fen,
            total_fen=r.total_fen,
            currency="CNY",
            notes=None,
            delivery_address=r.address,
            delivery_lat=None,
            delivery_lon=None,
            promised_at=None,
            placed_at=r.placed_at,
            updated_at=at,
            revision=1,
        )
        for r, owner in zip(records, owners, strict=True)
    ]
    created = set(
        session.execute(
            insert_for(session)(orders)
            .on_conflict_do_nothing(index_elements=["channel", "external_id"])
            .returning(orders.c.id),
            rows,
        ).scalars()
    )
    row_of = {row["id"]: r.row for row, r in zip(rows, records, strict=True)}
    if created:
        session.execute(
            events.insert(),
            [
                dict(
                    order_id=order_id,
                    type="order.imported",
                    at=at,
                    actor=actor,
                    data={"source": source, "row": row_of[order_id]},
                )
                for order_id in sorted(created)
            ],
        )
    return ["created" if row["id"] in created else "unchanged" for row in rows]
