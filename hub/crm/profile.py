"""Editing what we know about a customer: profile, addresses, consents, manual tags."""

from __future__ import annotations

import re

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from hub.audit.service import record_audit
from hub.crm.config import load_config
from hub.crm.profile_schemas import CHANNELS, AddressIn, ProfilePatch
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.store_scope import sees_customer_id
from hub.crm.tags import RULE_TAGS, TAG_PATTERN, recompute_rule_tags
from hub.customers.api import Customer
from hub.db_types import utcnow
from hub.errors import Conflict, InvalidInput, NotFound
from hub.kernel.principal import Principal
from hub.kernel.sql_dialect import insert_for

consents = CustomerConsent.__table__  # type: ignore[attr-defined]
MAX_ADDRESSES = 20


def parse_birthday(text: str) -> tuple[int | None, int, int]:
    """(year or None, month, day) from YYYY-MM-DD or MM-DD; InvalidInput for impossible dates."""
    parts = [int(p) for p in text.split("-")]
    year = parts[0] if len(parts) == 3 else None
    month, day = parts[-2], parts[-1]
    limit = 29 if month == 2 else (30 if month in (4, 6, 9, 11) else 31)
    leap = year is not None and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if year is not None and (month, day) == (2, 29) and not leap:
        raise InvalidInput(f"{text} is not a date")
    if day > limit or (year is not None and not 1900 <= year <= 2100):
        raise InvalidInput(f"{text} is not a date")
    return year, month, day


def format_birthday(profile: CustomerProfile | None) -> str | None:
    if profile is None or profile.birth_month is None or profile.birth_day is None:
        return None
    md = f"{profile.birth_month:02d}-{profile.birth_day:02d}"
    return f"{profile.birth_year:04d}-{md}" if profile.birth_year else md


def _profile(session: Session, customer_id: str) -> CustomerProfile:
    return session.get(CustomerProfile, customer_id) or CustomerProfile(customer_id=customer_id)


def _writable(session: Session, principal: Principal, customer: Customer) -> None:
    if customer.anonymised_at is not None:
        raise Conflict("this customer's personal data was erased")
    if customer.merged_into_id is not None:
        if not sees_customer_id(session, principal, customer.merged_into_id):
            raise Conflict("this customer was merged into another customer")  # of another store: no id
        raise Conflict(f"this customer was merged into {customer.merged_into_id}; edit that one")


def update_profile(session: Session, principal: Principal, customer: Customer, patch: ProfilePatch) -> None:
    _writable(session, principal, customer)
    changes = patch.model_dump(exclude_unset=True)
    profile = _profile(session, customer.id)
    if "display_name" in changes and changes["display_name"] is not None:
        customer.display_name = changes["display_name"].strip()
        customer.updated_at = utcnow()
        session.add(customer)
    if "email" in changes:
        profile.email = changes["email"].strip().lower() if changes["email"] else None
    if "birthday" in changes:
        if changes["birthday"]:
            profile.birth_year, profile.birth_month, profile.birth_day = parse_birthday(changes["birthday"])
        else:
            profile.birth_year = profile.birth_month = profile.birth_day = None
    if "preferences" in changes:
        profile.preferences = changes["preferences"] or {}
    if "notes" in changes:
        profile.notes = changes["notes"]
    profile.updated_at = utcnow()
    session.add(profile)
    record_audit(
        session,
        actor=principal.label,
        action="customer.profile_update",
        target_type="customer",
        target_id=customer.id,
        detail={"fields": sorted(changes)},
    )


def add_address(session: Session, principal: Principal, customer: Customer, body: AddressIn) -> CustomerAddress:
    _writable(session, principal, customer)
    existing = session.exec(select(CustomerAddress).where(CustomerAddress.customer_id == customer.id)).all()
    if len(existing) >= MAX_ADDRESSES:
        raise Conflict(f"a customer keeps at most {MAX_ADDRESSES} addresses")
    if (body.lat is None) != (body.lon is None):
        raise InvalidInput("give both lat and lon, or neither")
    if body.is_default or not existing:
        session.execute(
            update(CustomerAddress).where(col(CustomerAddress.customer_id) == customer.id).values(is_default=False)
        )
    address = CustomerAddress(
        customer_id=customer.id, **{**body.model_dump(), "is_default": body.is_default or not existing}
    )
    session.add(address)
    record_audit(
        session, actor=principal.label, action="customer.address_add", target_type="customer", target_id=customer.id
    )
    session.flush()
    retag(session, [customer.id])
    return address


def remove_address(session: Session, principal: Principal, customer: Customer, address_id: int) -> None:
    address = session.get(CustomerAddress, address_id)
    if address is None or address.customer_id != customer.id:
        raise NotFound(f"no address {address_id} for this customer")
    session.delete(address)
    session.flush()
    retag(session, [customer.id])
    record_audit(
        session, actor=principal.label, action="customer.address_remove", target_type="customer", target_id=customer.id
    )


def retag(session: Session, customer_ids: list[str]) -> None:
    """Rule tags that depend on addresses follow an address change at once."""
    recompute_rule_tags(session, now=utcnow(), config=load_config(session), only=customer_ids)


def set_consent(session: Session, customer_id: str, channel: str, granted: bool, *, source: str) -> None:
    if channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
    now = utcnow()
    insert = insert_for(session)(consents).values(
        customer_id=customer_id, channel=channel, granted=granted, source=source, updated_at=now
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["customer_id", "channel"], set_={"granted": granted, "source": source, "updated_at": now}
        )
    )


def change_consent(session: Session, principal: Principal, customer: Customer, channel: str, granted: bool) -> None:
    _writable(session, principal, customer)
    set_consent(session, customer.id, channel, granted, source="api")
    record_audit(
        session,
        actor=principal.label,
        action="customer.consent",
        target_type="customer",
        target_id=customer.id,
        detail={"channel": channel, "granted": granted},
    )


def add_tag(session: Session, principal: Principal, customer: Customer, tag: str) -> None:
    _writable(session, principal, customer)
    tag = tag.strip()
    if not re.match(TAG_PATTERN, tag):
        raise InvalidInput("a tag is 1-64 characters without spaces, commas or semicolons")
    if tag in RULE_TAGS:
        raise InvalidInput(f"{tag!r} is a rule tag: it is computed from data")
    if session.get(CustomerTag, (customer.id, tag)) is None:
        session.add(CustomerTag(customer_id=customer.id, tag=tag, source="manual"))
        record_audit(
            session,
            actor=principal.label,
            action="customer.tag_add",
            target_type="customer",
            target_id=customer.id,
            detail={"tag": tag},
        )


def remove_tag(session: Session, principal: Principal, customer: Customer, tag: str) -> None:
    row = session.get(CustomerTag, (customer.id, tag))
    if row is None:
        raise NotFound(f"customer has no tag {tag!r}")
    if row.source != "manual":
        raise Conflict(f"{tag!r} is a rule tag: it goes away when the data no longer says so")
    session.execute(delete(CustomerTag).where(col(CustomerTag.customer_id) == customer.id, col(CustomerTag.tag) == tag))
    record_audit(
        session,
        actor=principal.label,
        action="customer.tag_remove",
        target_type="customer",
        target_id=customer.id,
        detail={"tag": tag},
    )
