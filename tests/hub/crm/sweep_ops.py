"""Loyalty, coupons, notifications, rules and CRM settings in the role sweep (imported by
``tests/hub/role_sweep_ops.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.hub.role_sweep_ops import EVERYONE, MANAGERS, MARKETERS, OPERATORS, STAFF, Call, fresh_id, op

if TYPE_CHECKING:
    from tests.hub.test_role_sweep import Sweep

# --- loyalty, coupons, notifications, rules, CRM settings ---------------------------------------------


@op("GET", "/customers/{customer_id}/points", STAFF)
def _points(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/customers/{s.obj(side).customer}/points")


@op("POST", "/customers/{customer_id}/points/adjustments", OPERATORS)
def _adjust(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"delta": 1, "reason": "补偿", "key": fresh_id("adj")}
    return Call("POST", f"/customers/{s.obj(side).customer}/points/adjustments", json=body)


@op("POST", "/customers/{customer_id}/points/rewards", MANAGERS)
def _reward(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"template_id": s.reward_template, "key": fresh_id("rw")}
    return Call("POST", f"/customers/{s.obj(side).customer}/points/rewards", json=body)


@op("GET", "/customers/{customer_id}/coupons", STAFF)
def _coupons(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/customers/{s.obj(side).customer}/coupons")


@op("POST", "/customers/{customer_id}/notifications", MARKETERS)
def _send(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"template_id": "msg-winback", "channel": "sms", "key": fresh_id("n")}
    return Call("POST", f"/customers/{s.obj(side).customer}/notifications", json=body)


@op("GET", "/loyalty/tiers", STAFF, scoped=False)
def _tiers(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/loyalty/tiers")


@op("POST", "/coupon-templates", MARKETERS, scoped=False)
def _create_template(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"id": fresh_id("t"), "name": "满减", "kind": "amount_off", "amount_off_fen": 100, "valid_days": 7}
    return Call("POST", "/coupon-templates", json=body)


@op("GET", "/coupon-templates", STAFF, scoped=False)
def _templates(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/coupon-templates")


@op("GET", "/coupon-templates/{template_id}", STAFF, scoped=False)
def _template(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/coupon-templates/{s.coupon_template}")


@op("PATCH", "/coupon-templates/{template_id}", MARKETERS, scoped=False)
def _patch_template(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PATCH", f"/coupon-templates/{s.coupon_template}", json={"name": "五元券"})


@op("POST", "/coupon-templates/{template_id}/grants", MARKETERS)
def _grant(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"customer_id": s.obj(side).customer, "key": fresh_id("g")}
    return Call("POST", f"/coupon-templates/{s.coupon_template}/grants", json=body)


@op("GET", "/coupons/{code}", STAFF)
def _coupon(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/coupons/{s.obj(side).coupon}")


@op("POST", "/coupons/{code}/void", MARKETERS)
def _void(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/coupons/{s.new_coupon(side) if fresh else s.obj(side).coupon}/void")


@op("GET", "/message-templates", STAFF, scoped=False)
def _message_templates(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/message-templates")


@op("POST", "/message-templates", MARKETERS, scoped=False)
def _create_message_template(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/message-templates", json={"id": fresh_id("m"), "name": "问候", "body": "{name} 您好"})


@op("PUT", "/message-templates/{template_id}", MARKETERS, scoped=False)
def _replace_message_template(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"id": s.message_template, "name": "问候", "body": "{name} 您好"}
    return Call("PUT", f"/message-templates/{s.message_template}", json=body)


@op("GET", "/notifications", MARKETERS, scoped=False)
def _notifications(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/notifications")


@op("POST", "/notifications/{notification_id}/retry", MARKETERS)
def _retry(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/notifications/{s.failed_notification(side) if fresh else s.obj(side).notification}/retry")


@op("GET", "/unsubscribe", EVERYONE, scoped=False)
def _unsubscribe_link(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/unsubscribe", params={"token": s.unsubscribe_token(side)}, anonymous=True)


@op("POST", "/unsubscribe", EVERYONE, scoped=False)
def _unsubscribe(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call(
        "POST",
        "/unsubscribe",
        params={"token": s.unsubscribe_token(side)},
        data={"List-Unsubscribe": "One-Click"},  # RFC 8058 one-click
        anonymous=True,
    )


@op("GET", "/rules", STAFF, scoped=False)
def _rules(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/rules")


@op("POST", "/rules", MARKETERS, scoped=False)
def _create_rule(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"id": fresh_id("r"), "name": "召回", "trigger": "winback", "coupon_template_id": s.coupon_template}
    return Call("POST", "/rules", json=body)


@op("GET", "/rules/{rule_id}", STAFF, scoped=False)
def _rule(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/rules/{s.rule}")


@op("PATCH", "/rules/{rule_id}", MARKETERS, scoped=False)
def _patch_rule(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PATCH", f"/rules/{s.rule}", json={"name": "只召回老客"})


@op("POST", "/rules/{rule_id}/run", MARKETERS, scoped=False)
def _run_rule(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/rules/{s.rule}/run")


@op("GET", "/rules/{rule_id}/stats", MARKETERS, scoped=False)
def _rule_stats(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/rules/{s.rule}/stats")


@op("GET", "/crm/config", STAFF, scoped=False)
def _config(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/crm/config")


@op("PUT", "/crm/config", MARKETERS, scoped=False)
def _put_config(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PUT", "/crm/config", json=s.crm_config)


@op("POST", "/crm/recompute", MARKETERS, scoped=False)
def _recompute(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/crm/recompute")


@op("GET", "/crm/overview", STAFF, scoped=False)
def _overview(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/crm/overview")
