"""Writing one imported record: find or create the customer (deduplicated by identity), fill in."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlmodel import Session, col

from hub.crm.importing.bulk_resolve import Wanted, resolve_many
from hub.crm.importing.home_stores import adopt_order_stores
from hub.crm.importing.mapping import CustomerRecord, OrderRecord
from hub.crm.profile import parse_birthday, retag, set_consent
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.tags import RULE_TAGS
from hub.customers.api import Customer, find_owners, resolve_customer
from hub.db_types import new_id
from hub.errors import InvalidInput
from hub.kernel.sql_dialect import insert_for
from hub.orders.api import Order, OrderEvent

Outcome = Literal["created", "updated", "unchanged"]
orders = Order.__table__  # type: ignore[attr-defined]
events = OrderEvent.__table__  # type: ignore[attr-defined]


def apply_customer(
    session: Session, record: CustomerRecord, *, at: datetime, overwrite: bool, touched: set[str]
) -> Outcome:
    keys = list(record.keys)
    known = find_owners(session, keys)
    customer_id, created = resolve_customer(session, keys, display_name=record.name, store_id=record.store_id, at=at)
    changed = created or len(known) < len(keys)
    customer = session.get(Customer, customer_id)
    assert customer is not None
    if created:
        touched.add(customer_id)
    if record.store_id and record.store_id != customer.home_store_id and (overwrite or not customer.home_store_id):
        customer.home_store_id = record.store_id
        customer.updated_at = at
        session.add(customer)
        touched.add(customer_id)
        changed = True
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
    session: Session,
    record: OrderRecord,
    *,
    at: datetime,
    source: str,
    store_id: str,
    actor: str,
    touched: set[str],
) -> Outcome:
    channel = f"import-{source}"
    if _already_imported(session, channel, [record]):
        return "unchanged"
    customer_id = None
    if record.keys:
        customer_id, _ = resolve_customer(
            session, list(record.keys), display_name=record.name, store_id=store_id, at=at
        )
        touched.update(adopt_order_stores(session, {customer_id: store_id}))
    order_id = new_id()
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
        .on_conflict_do_nothing(index_elements=["channel", "key_scope", "external_id"])
        .returning(orders.c.id)
    ).scalar()
    if inserted is None:
        return "unchanged"
    if customer_id is not None:
        touched.add(customer_id)
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


def _already_imported(session: Session, channel: str, records: list[OrderRecord]) -> set[int]:
    """Rows (by line) an earlier version imported under the raw-cell key."""
    legacy = {r.legacy_external_id: r.row for r in records if r.legacy_external_id is not None}
    if not legacy:
        return set()
    found = session.execute(
        select(orders.c.external_id).where(orders.c.channel == channel, orders.c.external_id.in_(sorted(legacy)))
    ).scalars()
    return {legacy[external] for external in found}


def apply_orders(
    session: Session,
    records: list[OrderRecord],
    *,
    at: datetime,
    source: str,
    default_store: str | None,
    actor: str,
    touched: set[str],
) -> list[Outcome]:
    """A batch of historical orders in a few statements; rows already imported are left alone.

    ``touched`` gains the customers whose figures changed (new orders, a home store taken).
    """
    stores = {r.row: (r.store_id or default_store) for r in records}
    if any(s is None for s in stores.values()):
        raise InvalidInput("a row has no store")
    store_of = {row: str(s) for row, s in stores.items()}
    channel = f"import-{source}"
    done_before = _already_imported(session, channel, records)
    skipped = [r for r in records if r.row in done_before]
    records = [r for r in records if r.row not in done_before]
    resolved = resolve_many(session, [Wanted(r.keys, r.name, store_of[r.row]) for r in records], at=at)
    owners = [r.customer_id for r in resolved]
    existing = {o.customer_id: store_of[r.row] for r, o in zip(records, resolved, strict=True) if o.customer_id}
    touched.update(adopt_order_stores(session, existing))
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
    if not rows:
        return ["unchanged" for _ in skipped]
    created = set(
        session.execute(
            insert_for(session)(orders)
            .on_conflict_do_nothing(index_elements=["channel", "key_scope", "external_id"])
            .returning(orders.c.id),
            rows,
        ).scalars()
    )
    row_of = {row["id"]: r.row for row, r in zip(rows, records, strict=True)}
    touched.update(str(row["customer_id"]) for row in rows if row["id"] in created and row["customer_id"])
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
    outcome: dict[int, Outcome] = {r.row: "unchanged" for r in skipped}
    outcome.update(
        {r.row: "created" if row["id"] in created else "unchanged" for row, r in zip(rows, records, strict=True)}
    )
    return [outcome[r.row] for r in sorted([*records, *skipped], key=lambda r: r.row)]
