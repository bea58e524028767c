"""A batch of imported customers in a few statements: read what we know, decide in memory, write the changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from hub.crm.importing.apply import Outcome
from hub.crm.importing.bulk_resolve import KEY_CHUNK, Wanted, resolve_many
from hub.crm.importing.home_stores import rehome, set_home_stores
from hub.crm.importing.mapping import CustomerRecord
from hub.crm.profile import parse_birthday, retag
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.tags import RULE_TAGS
from hub.customers.api import customers_table as customers
from hub.errors import InvalidInput
from hub.kernel.sql_dialect import insert_for

profiles = CustomerProfile.__table__  # type: ignore[attr-defined]
addresses = CustomerAddress.__table__  # type: ignore[attr-defined]
tags = CustomerTag.__table__  # type: ignore[attr-defined]
consents = CustomerConsent.__table__  # type: ignore[attr-defined]
PROFILE_FIELDS = ("email", "birth_year", "birth_month", "birth_day", "notes")


def _rows(session: Session, table: Any, column: str, ids: list[str]) -> Iterable[Any]:
    for i in range(0, len(ids), KEY_CHUNK):
        yield from session.execute(select(table).where(table.c[column].in_(ids[i : i + KEY_CHUNK])))


def _wanted_profile(record: CustomerRecord) -> dict[str, Any]:
    wanted: dict[str, Any] = {}
    if record.email:
        wanted["email"] = record.email
    if record.notes:
        wanted["notes"] = record.notes
    if record.birthday:
        year, month, day = parse_birthday(record.birthday)
        wanted.update(birth_year=year, birth_month=month, birth_day=day)
    return wanted


def apply_customers(
    session: Session, records: list[CustomerRecord], *, at: datetime, overwrite: bool, touched: set[str]
) -> list[Outcome]:
    """Raises DomainError / BulkConflict for the caller to redo the batch row by row.

    ``touched`` gains the customers whose figures need a refresh (new ones, a new home store).
    """
    resolved = resolve_many(session, [Wanted(r.keys, r.name, r.store_id) for r in records], at=at)
    ids = sorted({r.customer_id for r in resolved if r.customer_id is not None})
    known = list(_rows(session, customers, "id", ids))
    names = {r.id: r.display_name for r in known}
    homes: dict[str, str | None] = {r.id: r.home_store_id for r in known}
    rehomed: dict[str, str] = {}
    known_profiles = {
        r.customer_id: {f: getattr(r, f) for f in PROFILE_FIELDS} for r in _rows(session, profiles, "customer_id", ids)
    }
    saved = {(r.customer_id, r.address) for r in _rows(session, addresses, "customer_id", ids)}
    with_address = {customer for customer, _ in saved}
    held = {(r.customer_id, r.tag) for r in _rows(session, tags, "customer_id", ids)}
    agreed = {(r.customer_id, r.channel): r.granted for r in _rows(session, consents, "customer_id", ids)}

    renamed: dict[str, str] = {}
    profile_rows: dict[str, dict[str, Any]] = {}
    new_addresses: list[dict[str, Any]] = []
    new_tags: list[dict[str, Any]] = []
    consent_rows: dict[tuple[str, str], bool] = {}
    outcomes: list[Outcome] = []
    for record, found in zip(records, resolved, strict=True):
        customer = found.customer_id
        assert customer is not None
        moved = rehome(record.store_id, customer, homes, rehomed, overwrite=overwrite)
        if found.created or moved:
            touched.add(customer)
        changed = found.attached or moved
        if record.name and record.name != names.get(customer) and (overwrite or not names.get(customer)):
            names[customer] = renamed[customer] = record.name
            changed = True
        current = known_profiles.setdefault(customer, dict.fromkeys(PROFILE_FIELDS))
        for field, value in _wanted_profile(record).items():
            if current[field] != value and (overwrite or current[field] is None):
                current[field] = value
                profile_rows[customer] = current
                changed = True
        if record.address and (customer, record.address) not in saved:
            new_addresses.append(
                dict(
                    customer_id=customer,
                    label="",
                    address=record.address,
                    notes=record.address_notes,
                    is_default=customer not in with_address,
                    created_at=at,
                )
            )
            saved.add((customer, record.address))
            with_address.add(customer)
            changed = True
        for tag in record.tags:
            if tag in RULE_TAGS:
                raise InvalidInput(f"{tag!r} is a rule tag and cannot be imported")
            if (customer, tag) not in held:
                held.add((customer, tag))
                new_tags.append(dict(customer_id=customer, tag=tag, source="manual", created_at=at))
                changed = True
        for channel, granted in record.consents.items():
            if agreed.get((customer, channel)) != granted:
                agreed[(customer, channel)] = consent_rows[(customer, channel)] = granted
                changed = True
        outcomes.append("created" if found.created else ("updated" if changed else "unchanged"))
    _write(session, at, renamed, profile_rows, new_addresses, new_tags, consent_rows, rehomed)
    if new_addresses:
        retag(session, sorted({a["customer_id"] for a in new_addresses}))
    return outcomes


def _write(
    session: Session,
    at: datetime,
    renamed: dict[str, str],
    profile_rows: dict[str, dict[str, Any]],
    new_addresses: list[dict[str, Any]],
    new_tags: list[dict[str, Any]],
    consent_rows: dict[tuple[str, str], bool],
    rehomed: dict[str, str],
) -> None:
    insert = insert_for(session)
    set_home_stores(session, rehomed)
    if renamed:
        session.execute(
            update(customers)
            .where(customers.c.id == bindparam("cid"))
            .values(display_name=bindparam("name"), updated_at=bindparam("at")),
            [{"cid": c, "name": n, "at": at} for c, n in renamed.items()],
        )
    if profile_rows:
        stmt = insert(profiles)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["customer_id"],
                set_={**{f: stmt.excluded[f] for f in PROFILE_FIELDS}, "updated_at": stmt.excluded.updated_at},
            ),
            [{"customer_id": c, **values, "preferences": {}, "updated_at": at} for c, values in profile_rows.items()],
        )
    if new_addresses:
        session.execute(addresses.insert(), new_addresses)
    if new_tags:
        session.execute(insert(tags).on_conflict_do_nothing(), new_tags)
    if consent_rows:
        stmt = insert(consents)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["customer_id", "channel"],
                set_={
                    "granted": stmt.excluded.granted,
                    "source": stmt.excluded.source,
                    "updated_at": stmt.excluded.updated_at,
                },
            ),
            [
                {"customer_id": c, "channel": ch, "granted": g, "source": "import", "updated_at": at}
                for (c, ch), g in consent_rows.items()
            ],
        )
