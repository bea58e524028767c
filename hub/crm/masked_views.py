"""Responses as the caller's role may see them: the masking policy applied at the response boundary.

Every endpoint that returns customers' personal data passes its response through one of these
(customers, the 360, search, the PIPL export; orders, points and notifications mask theirs with
``policy_for`` in their own domains). A role that sees everything
gets the response unchanged.
"""

from __future__ import annotations

from typing import Any

from hub.crm.profile_schemas import AddressOut, Customer360Out, CustomerSummaryOut, TagOut
from hub.crm.schemas import CustomerOut, IdentityOut
from hub.customers.api import MaskingPolicy, policy_for
from hub.kernel.principal import Principal


def _identities(policy: MaskingPolicy, identities: list[IdentityOut]) -> list[IdentityOut]:
    return [i.model_copy(update={"value": policy.identity(i.kind, i.value)}) for i in identities]


def masked_customer(view: CustomerOut, principal: Principal) -> CustomerOut:
    policy = policy_for(principal.role)
    if policy.sees_everything:
        return view
    return view.model_copy(
        update={"display_name": policy.name(view.display_name), "identities": _identities(policy, view.identities)}
    )


def masked_summary(view: CustomerSummaryOut, principal: Principal) -> CustomerSummaryOut:
    policy = policy_for(principal.role)
    if policy.sees_everything:
        return view
    phone = policy.phone(view.phone) if view.phone else None
    return view.model_copy(update={"display_name": policy.name(view.display_name), "phone": phone})


def _address(policy: MaskingPolicy, a: AddressOut) -> AddressOut:
    return a.model_copy(
        update={
            "label": policy.text(a.label) or "",
            "address": policy.address(a.address) or "",
            "notes": policy.note(a.notes),
            "lat": policy.coordinate(a.lat),
            "lon": policy.coordinate(a.lon),
        }
    )


def masked_360(view: Customer360Out, principal: Principal) -> Customer360Out:
    policy = policy_for(principal.role)
    if policy.sees_everything:
        return view
    return view.model_copy(
        update={
            "display_name": policy.name(view.display_name),
            "identities": _identities(policy, view.identities),
            "email": policy.email(view.email),
            "preferences": policy.data(view.preferences),
            "notes": policy.note(view.notes),
            "addresses": [_address(policy, a) for a in view.addresses],
            "tags": [TagOut(tag=policy.text(t.tag) or "", source=t.source) for t in view.tags],
        }
    )


EXPORT_HIDDEN = {"notes", "note", "lat", "lon", "delivery_lat", "delivery_lon"}


def masked_export_row(row: dict[str, Any], policy: MaskingPolicy) -> dict[str, Any]:
    """One exported row (customer, identity, address, order, line...) as the policy shows it."""
    if policy.sees_everything:
        return row
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in EXPORT_HIDDEN:
            out[key] = None
        elif key == "display_name" and isinstance(value, str):
            out[key] = policy.name(value)
        elif key == "email" and isinstance(value, str):
            out[key] = policy.email(value)
        elif key in ("address", "delivery_address") and isinstance(value, str):
            out[key] = policy.address(value)
        elif key == "value" and isinstance(value, str) and "kind" in row:
            out[key] = policy.identity(str(row["kind"]), value)
        elif key == "lines" and isinstance(value, list):
            out[key] = [masked_export_row(line, policy) for line in value]
        elif key.endswith("id") or key == "key":
            out[key] = value
        else:
            out[key] = policy.data(value)
    return out
