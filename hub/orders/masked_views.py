"""Orders, their events and refunds as the caller's role may see them (the directory's masking policy)."""

from __future__ import annotations

from typing import Any

from hub.customers.api import MaskingPolicy, policy_for
from hub.kernel.principal import Principal
from hub.orders.schemas import OrderEventOut, OrderOut, RefundOut


def masked_order(view: OrderOut, principal: Principal) -> OrderOut:
    policy = policy_for(principal.role)
    if policy.sees_everything:
        return view
    lines = [
        line.model_copy(update={"note": policy.note(line.note), "modifiers": [policy.text(m) for m in line.modifiers]})
        for line in view.lines
    ]
    return view.model_copy(
        update={
            "notes": policy.note(view.notes),
            "delivery_address": policy.address(view.delivery_address),
            "delivery_lat": policy.coordinate(view.delivery_lat),
            "delivery_lon": policy.coordinate(view.delivery_lon),
            "lines": lines,
        }
    )


def _event_data(policy: MaskingPolicy, data: dict[str, Any]) -> dict[str, Any]:
    """Ids and keys stay as they are (finance reconciles by them); every other text is free text."""
    return {k: v if k == "key" or k.endswith("id") else policy.data(v) for k, v in data.items()}


def masked_events(events: list[OrderEventOut], principal: Principal) -> list[OrderEventOut]:
    policy = policy_for(principal.role)
    if policy.sees_everything:
        return events
    return [e.model_copy(update={"data": _event_data(policy, e.data)}) for e in events]


def masked_refund(view: RefundOut, principal: Principal) -> RefundOut:
    return view.model_copy(update={"reason": policy_for(principal.role).text(view.reason) or ""})
