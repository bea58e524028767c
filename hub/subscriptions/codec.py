"""Plans and subscription timelines to and from the JSON stored in their rows. Pure."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from hub.kernel.holidays import PublicHolidays
from hub.subscriptions.frequency import Frequency, FrequencyKind
from hub.subscriptions.holiday_policy import HolidayHandling, HolidayPolicy, ShiftMerge
from hub.subscriptions.plans import DeliveryWindow, Plan, PlanItem, PlanKind, RenewalTerms
from hub.subscriptions.schedule import Subscription
from hub.subscriptions.store_calendar import StoreCalendar
from hub.subscriptions.timeline import (
    Cancellation,
    ChangeStamp,
    DeliveryTerms,
    Extra,
    Pause,
    Renewal,
    ReturnedPunch,
    Skip,
    TermsChange,
)

Json = dict[str, Any]


def items_json(items: tuple[PlanItem, ...]) -> list[Json]:
    return [{"sku": i.sku, "name": i.name, "quantity": i.quantity, "unit_price_fen": i.unit_price_fen} for i in items]


def items_from(data: list[Json]) -> tuple[PlanItem, ...]:
    return tuple(PlanItem(d["sku"], d["name"], int(d["quantity"]), int(d["unit_price_fen"])) for d in data)


def window_text(window: DeliveryWindow) -> str:
    return window.describe()


def window_from(text: str) -> DeliveryWindow:
    start, end = text.split("-")
    return DeliveryWindow(time.fromisoformat(start), time.fromisoformat(end))


def plan_spec(plan: Plan) -> Json:
    """Everything of a plan but its id, name, kind and price (those have columns)."""
    f = plan.frequency
    r = plan.renewal
    return {
        "items": items_json(plan.items),
        "frequency": {"kind": str(f.kind), "weekdays": sorted(f.weekdays), "rule": f.rule},
        "window": window_text(plan.window),
        "holidays": {"handling": str(plan.holiday_policy.handling), "merge": str(plan.holiday_policy.merge)},
        "renewal": {
            "auto_renew_offered": r.auto_renew_offered,
            "renewal_price_fen": r.renewal_price_fen,
            "remind_days_before": r.remind_days_before,
            "prepaid_valid_days": r.prepaid_valid_days,
        },
        "deliveries_included": plan.deliveries_included,
        "valid_days": plan.valid_days,
    }


def frequency_from(data: Json) -> Frequency:
    return Frequency(FrequencyKind(data["kind"]), frozenset(data.get("weekdays") or ()), data.get("rule"))


def plan_from(plan_id: str, name: str, kind: str, price_fen: int, spec: Json) -> Plan:
    renewal = spec["renewal"]
    return Plan(
        plan_id=plan_id,
        name=name,
        kind=PlanKind(kind),
        price_fen=price_fen,
        items=items_from(spec["items"]),
        frequency=frequency_from(spec["frequency"]),
        window=window_from(spec["window"]),
        holiday_policy=HolidayPolicy(
            HolidayHandling(spec["holidays"]["handling"]), ShiftMerge(spec["holidays"]["merge"])
        ),
        renewal=RenewalTerms(**renewal),
        deliveries_included=spec.get("deliveries_included"),
        valid_days=spec.get("valid_days"),
    )


def _stamp(s: ChangeStamp) -> Json:
    return {"actor": s.actor, "at": s.at.isoformat()}


def _stamp_from(d: Json) -> ChangeStamp:
    return ChangeStamp(d["actor"], datetime.fromisoformat(d["at"]))


def _d(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def facts_json(sub: Subscription) -> Json:
    """The timeline facts of a subscription (its plan, store and history are stored elsewhere)."""
    t = sub.terms
    return {
        "terms": {
            "items": items_json(t.items),
            "address_id": t.address_id,
            "window": window_text(t.window),
            "instructions": t.instructions,
        },
        "pauses": [{"first": _d(p.first), "last": _d(p.last), "stamp": _stamp(p.stamp)} for p in sub.pauses],
        "skips": [{"day": _d(s.day), "reason": s.reason, "stamp": _stamp(s.stamp)} for s in sub.skips],
        "extras": [{"day": _d(e.day), "items": items_json(e.items), "stamp": _stamp(e.stamp)} for e in sub.extras],
        "changes": [
            {
                "effective_from": _d(c.effective_from),
                "stamp": _stamp(c.stamp),
                "items": None if c.items is None else items_json(c.items),
                "address_id": c.address_id,
                "window": None if c.window is None else window_text(c.window),
                "instructions": c.instructions,
            }
            for c in sub.changes
        ],
        "renewals": [
            {"term_start": _d(r.term_start), "automatic": r.automatic, "stamp": _stamp(r.stamp)} for r in sub.renewals
        ],
        "returned_punches": [
            {"day": _d(r.day), "reason": r.reason, "count": r.count, "stamp": _stamp(r.stamp)}
            for r in sub.returned_punches
        ],
        "cancellation": None
        if sub.cancellation is None
        else {
            "effective": _d(sub.cancellation.effective),
            "reason": sub.cancellation.reason,
            "stamp": _stamp(sub.cancellation.stamp),
        },
    }


def subscription_from(
    *,
    subscription_id: str,
    customer_id: str,
    store_id: str,
    plan: Plan,
    store: StoreCalendar,
    start: date,
    facts: Json,
) -> Subscription:
    t = facts["terms"]
    c = facts.get("cancellation")
    return Subscription(
        subscription_id=subscription_id,
        customer_id=customer_id,
        store_id=store_id,
        plan=plan,
        store=store,
        start=start,
        terms=DeliveryTerms(items_from(t["items"]), t["address_id"], window_from(t["window"]), t["instructions"]),
        pauses=tuple(
            Pause(date.fromisoformat(p["first"]), _day(p["last"]), _stamp_from(p["stamp"])) for p in facts["pauses"]
        ),
        skips=tuple(Skip(date.fromisoformat(s["day"]), _stamp_from(s["stamp"]), s["reason"]) for s in facts["skips"]),
        extras=tuple(
            Extra(date.fromisoformat(e["day"]), items_from(e["items"]), _stamp_from(e["stamp"]))
            for e in facts["extras"]
        ),
        changes=tuple(
            TermsChange(
                date.fromisoformat(ch["effective_from"]),
                _stamp_from(ch["stamp"]),
                None if ch["items"] is None else items_from(ch["items"]),
                ch["address_id"],
                None if ch["window"] is None else window_from(ch["window"]),
                ch["instructions"],
            )
            for ch in facts["changes"]
        ),
        renewals=tuple(
            Renewal(date.fromisoformat(r["term_start"]), _stamp_from(r["stamp"]), r["automatic"])
            for r in facts["renewals"]
        ),
        returned_punches=tuple(
            ReturnedPunch(date.fromisoformat(r["day"]), r["reason"], _stamp_from(r["stamp"]), r["count"])
            for r in facts["returned_punches"]
        ),
        cancellation=None
        if c is None
        else Cancellation(date.fromisoformat(c["effective"]), c["reason"], _stamp_from(c["stamp"])),
    )


def store_calendar(zone: str, cutoff: str, holidays: PublicHolidays | None = None) -> StoreCalendar:
    return StoreCalendar(zone, time.fromisoformat(cutoff), holidays or PublicHolidays())
