"""Leads as stored: create, edit, move through stages, follow-ups on the store's business calendar,
and conversion to a CRM customer (found or created by phone)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from hub.crm.api import CustomerRef, create_customer, normalise_phone
from hub.errors import InvalidInput, NotFound
from hub.kernel.principal import Principal
from hub.service.calendars import Calendars
from hub.service.errors import InvalidLeadTransition
from hub.service.lead_schemas import LeadAction, LeadActionIn, LeadConvertIn, LeadIn, LeadPatch
from hub.service.leads import Lead, LeadChange, LeadSource, LeadStage, follow_up_after, open_lead
from hub.service.leads import LeadAction as CoreAction
from hub.service.tables import ServiceLead, ServiceLeadChange, ServiceLeadReminder
from hub.stores.api import visible_store


def lead_value(row: ServiceLead, changes: list[ServiceLeadChange]) -> Lead:
    history = tuple(
        LeadChange(
            CoreAction(c.action),
            LeadStage(c.stage),
            c.actor_id,
            c.at,
            c.owner_id,
            c.follow_up_at,
            c.note,
            c.customer_id,
        )
        for c in changes
    )
    return Lead(row.id, LeadSource(row.source), row.store_id, history)


def changes_of(session: Session, lead_id: str) -> list[ServiceLeadChange]:
    query = select(ServiceLeadChange).where(col(ServiceLeadChange.lead_id) == lead_id)
    return list(session.scalars(query.order_by(col(ServiceLeadChange.seq))).all())


def visible_lead(session: Session, principal: Principal, lead_id: str) -> tuple[ServiceLead, Lead]:
    row = session.get(ServiceLead, lead_id)
    if row is None or not principal.sees_store(row.store_id):
        raise NotFound("no lead with this id")
    return row, lead_value(row, changes_of(session, lead_id))


def save(session: Session, row: ServiceLead, before: int, lead: Lead) -> None:
    """Store the changes of ``lead`` past the first ``before`` and bring the header up to date."""
    for seq, change in enumerate(lead.changes[before:], start=before + 1):
        session.add(
            ServiceLeadChange(
                lead_id=lead.id,
                seq=seq,
                action=change.action,
                stage=change.stage,
                actor_id=change.actor_id[:120],
                at=change.at,
                owner_id=change.owner_id,
                follow_up_at=change.follow_up_at,
                note=change.note,
                customer_id=change.customer_id,
            )
        )
    row.stage, row.owner_id, row.follow_up_at = lead.stage, lead.owner_id, lead.follow_up_at
    row.customer_id, row.updated_at = lead.customer_id, lead.changes[-1].at
    session.add(row)
    session.flush()


def _follow_up(
    calendars: Calendars, store_id: str | None, now: datetime, at: datetime | None, hours: int | None
) -> datetime | None:
    if at is not None and hours is not None:
        raise InvalidInput("give the follow-up's time or its business hours from now, not both")
    if hours is not None:
        return follow_up_after(now, timedelta(hours=hours), calendars.of(store_id))
    if at is not None and at < now:
        raise InvalidInput("a follow-up cannot be scheduled in the past")
    return at


def create(
    session: Session, principal: Principal, body: LeadIn, calendars: Calendars, region: str, now: datetime
) -> ServiceLead:
    store_id = body.store_id
    if store_id is None and principal.store_ids:
        store_id = min(principal.store_ids)
    if store_id is not None:
        try:
            visible_store(session, principal, store_id)
        except NotFound as exc:
            raise InvalidInput(f"unknown store {store_id!r}") from exc
    follow_up = _follow_up(calendars, store_id, now, body.follow_up_at, body.follow_up_in_business_hours)
    row = ServiceLead(
        source=body.source,
        store_id=store_id,
        stage=LeadStage.NEW,
        owner_id=body.owner_id or principal.id,
        name=body.name,
        phone=normalise_phone(body.phone, region) if body.phone else None,
        notes=body.notes,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    lead = open_lead(
        row.id,
        source=body.source,
        owner_id=row.owner_id,
        by=principal.label,
        at=now,
        store_id=store_id,
        follow_up_at=follow_up,
    )
    save(session, row, 0, lead)
    return row


def edit(
    session: Session, principal: Principal, lead_id: str, body: LeadPatch, region: str, now: datetime
) -> ServiceLead:
    """Name, phone (stored in E.164) and notes; a field left out stays as it is."""
    row, _lead = visible_lead(session, principal, lead_id)
    for name in body.model_fields_set:
        value = getattr(body, name)
        if name == "phone" and value is not None:
            value = normalise_phone(value, region)
        elif value is None and name != "phone":
            continue
        setattr(row, name, value)
    row.updated_at = max(row.updated_at, now)
    session.add(row)
    session.flush()
    return row


def act(
    session: Session, principal: Principal, lead_id: str, body: LeadActionIn, calendars: Calendars, now: datetime
) -> ServiceLead:
    row, lead = visible_lead(session, principal, lead_id)
    by = principal.label
    follow_up = _follow_up(calendars, row.store_id, now, body.next_follow_up, body.follow_up_in_business_hours)
    if body.action is LeadAction.CONTACT:
        changed = lead.contact(by=by, at=now, note=body.note, next_follow_up=follow_up)
    elif body.action is LeadAction.QUALIFY:
        changed = lead.qualify(by=by, at=now, note=body.note)
    elif body.action is LeadAction.LOSE:
        changed = lead.lose(by=by, at=now, reason=body.note)
    elif body.action is LeadAction.REVIVE:
        changed = lead.revive(by=by, at=now, note=body.note, next_follow_up=follow_up)
    elif body.action is LeadAction.REASSIGN:
        changed = lead.reassign(owner_id=body.owner_id or "", by=by, at=now)
    else:
        if follow_up is None:
            raise InvalidLeadTransition("scheduling a follow-up needs its time (next_follow_up or business hours)")
        changed = lead.schedule_follow_up(when=follow_up, by=by, at=now, note=body.note)
    save(session, row, len(lead.changes), changed)
    return row


def convert(
    session: Session, principal: Principal, lead_id: str, body: LeadConvertIn, region: str, now: datetime
) -> ServiceLead:
    """Won: the CRM finds the customer with this phone, or creates them; the lead records the id."""
    row, lead = visible_lead(session, principal, lead_id)
    if lead.stage not in (LeadStage.NEW, LeadStage.CONTACTED, LeadStage.QUALIFIED):
        lead.convert(customer_id="-", by=principal.label, at=now)  # raises, saying why
    phone = body.phone or row.phone
    if not phone:
        raise InvalidInput("converting a lead needs the prospect's phone: give it, or add it to the lead")
    ref = CustomerRef(phone=phone, name=body.name or row.name or None)
    customer, _created = create_customer(session, principal, ref, home_store_id=row.store_id, region=region)
    save(session, row, len(lead.changes), lead.convert(customer_id=customer.id, by=principal.label, at=now))
    return row


def remove(session: Session, principal: Principal, lead_id: str) -> None:
    """Erase a lead and its history (a prospect who asked to be forgotten)."""
    row, _lead = visible_lead(session, principal, lead_id)
    session.execute(delete(ServiceLeadReminder).where(col(ServiceLeadReminder.lead_id) == row.id))
    session.execute(delete(ServiceLeadChange).where(col(ServiceLeadChange.lead_id) == row.id))
    session.delete(row)
    session.flush()
