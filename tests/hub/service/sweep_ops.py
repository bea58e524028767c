"""The service desk's operations in the role sweep (``tests/hub/role_sweep_ops.py`` imports this)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hub.jobs import check_service_desk
from tests.hub.role_sweep_ops import MANAGERS, OPERATORS, Call, fresh_id, op

if TYPE_CHECKING:
    from tests.hub.test_role_sweep import Sweep

INTAKE = MANAGERS | {"channel"}
"""Who may open tickets, pass on replies and survey answers: managers, operators and a channel's key."""
NOT_YOURS = 422
"""What a store-A role gets for naming store B's store or customer in a body."""
HOURS = {"weekly": {"0": [["10:00", "14:00"], ["17:00", "21:00"]]}, "public_holidays": True}


def new_ticket(s: Sweep, side: str, *, opened: bool = False) -> str:
    body = {
        "kind": "complaint",
        "category": "cold_food",
        "summary": "饭菜凉了",
        "store_id": s.store(side),
        "customer_id": s.obj(side).customer,
    }
    ticket = str(s.as_admin("POST", "/service/tickets", json=body).json()["id"])
    if opened:
        s.as_admin("POST", f"/service/tickets/{ticket}/actions", json={"action": "open"})
    if side == "b":
        s.secrets_b.add(ticket)
    return ticket


def new_lead(s: Sweep, side: str) -> str:
    body = {"source": "walk_in", "name": "潜在客户", "phone": s.phone(), "store_id": s.store(side)}
    lead = str(s.as_admin("POST", "/service/leads", json=body).json()["id"])
    if side == "b":
        s.secrets_b.add(lead)
    return lead


def new_sent_survey(s: Sweep, side: str) -> str:
    """A survey of a new customer of the side, already sent (the job sends it: it was due an hour ago)."""
    body = {
        "delivery_id": fresh_id("d"),
        "customer_id": s.new_customer(side),
        "store_id": s.store(side),
        "completed_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
    }
    survey = str(s.as_admin("POST", "/service/surveys", json=body).json()["id"])
    check_service_desk(s.client.app.state.ctx)  # type: ignore[attr-defined]
    return survey


@op("POST", "/service/tickets", INTAKE, other=NOT_YOURS)
def _create_ticket(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"kind": "inquiry", "category": "other", "summary": "几点送到？", "store_id": s.store(side)}
    return Call("POST", "/service/tickets", json=body)


@op("GET", "/service/tickets", MANAGERS, scoped=False)
def _queue(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/service/tickets")


@op("GET", "/service/tickets/{ticket_id}", MANAGERS)
def _ticket(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/service/tickets/{new_ticket(s, side)}")


@op("POST", "/service/tickets/{ticket_id}/actions", MANAGERS)
def _act(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/service/tickets/{new_ticket(s, side)}/actions", json={"action": "open"})


@op("POST", "/service/tickets/{ticket_id}/assign", MANAGERS)
def _assign(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/service/tickets/{new_ticket(s, side)}/assign", json={"agent_id": "agent-1"})


@op("POST", "/service/tickets/{ticket_id}/escalate", MANAGERS)
def _escalate(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"level": "store_manager", "note": "顾客第三次投诉"}
    return Call("POST", f"/service/tickets/{new_ticket(s, side)}/escalate", json=body)


@op("POST", "/service/tickets/{ticket_id}/compensations", MANAGERS)
def _compensate(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"kind": "coupon", "amount_fen": 500, "reason": "饭菜凉了", "coupon_template_id": s.coupon_template}
    return Call("POST", f"/service/tickets/{new_ticket(s, side, opened=True)}/compensations", json=body)


@op("POST", "/service/notification-replies", INTAKE)
def _reply(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call(
        "POST", "/service/notification-replies", json={"notification_id": s.obj(side).notification, "text": "没收到"}
    )


@op("GET", "/service/calendars/{store_id}", MANAGERS)
def _calendar(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/service/calendars/{s.store(side)}")


@op("PUT", "/service/calendars/{store_id}", MANAGERS)
def _put_calendar(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PUT", f"/service/calendars/{s.store(side)}", json=HOURS)


@op("POST", "/service/surveys", INTAKE, other=NOT_YOURS)
def _plan_survey(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {
        "delivery_id": fresh_id("d"),
        "customer_id": s.obj(side).customer,
        "store_id": s.store(side),
        "completed_at": datetime.now(UTC).isoformat(),
    }
    return Call("POST", "/service/surveys", json=body)


@op("GET", "/service/surveys", MANAGERS, scoped=False)
def _surveys(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/service/surveys")


@op("POST", "/service/surveys/{survey_id}/answer", INTAKE)
def _answer(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    survey = new_sent_survey(s, side) if fresh or side == "b" else "no-such-survey"
    return Call("POST", f"/service/surveys/{survey}/answer", json={"score": 5, "comment": "很好"})


@op("POST", "/service/leads", MANAGERS, other=NOT_YOURS)
def _create_lead(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/service/leads", json={"source": "event", "name": "试饮客户", "store_id": s.store(side)})


@op("GET", "/service/leads", MANAGERS, scoped=False)
def _leads(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/service/leads")


@op("GET", "/service/leads/{lead_id}", MANAGERS)
def _lead(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/service/leads/{new_lead(s, side)}")


@op("PATCH", "/service/leads/{lead_id}", MANAGERS)
def _edit_lead(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PATCH", f"/service/leads/{new_lead(s, side)}", json={"notes": "周末再联系"})


@op("DELETE", "/service/leads/{lead_id}", MANAGERS)
def _erase_lead(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("DELETE", f"/service/leads/{new_lead(s, side)}")


@op("POST", "/service/leads/{lead_id}/actions", MANAGERS)
def _lead_action(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"action": "contact", "note": "电话介绍了订奶计划", "follow_up_in_business_hours": 4}
    return Call("POST", f"/service/leads/{new_lead(s, side)}/actions", json=body)


@op("POST", "/service/leads/{lead_id}/convert", MANAGERS)
def _convert_lead(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/service/leads/{new_lead(s, side)}/convert", json={})


@op("GET", "/service/agents", OPERATORS, scoped=False)
def _agents(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/service/agents")


@op("PUT", "/service/agents/{agent_id}", OPERATORS, scoped=False)
def _put_agent(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PUT", f"/service/agents/{fresh_id('agent')}", json={"queues": ["complaints"], "active": False})


@op("GET", "/service/assignment-rules", OPERATORS, scoped=False)
def _rules(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/service/assignment-rules")


@op("PUT", "/service/assignment-rules", OPERATORS, scoped=False)
def _put_rules(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PUT", "/service/assignment-rules", json={"rules": []})
