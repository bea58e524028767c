"""What the console shows per row and sends per key, from the hub's JSON: pure, no Textual app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text


def unconfirmed(ticket: dict[str, Any]) -> bool:
    """The hub raised an alert: neither printed nor shown in time."""
    return bool(ticket.get("alerted_at")) and not (ticket.get("printed_at") or ticket.get("shown_at"))


def ticket_cells(ticket: dict[str, Any], waited_s: float, breached_word: str) -> tuple[Text, ...]:
    running = [c for c in ticket.get("clocks", []) if c.get("status") in ("running", "breached")]
    remaining = min((c["remaining_s"] for c in running), default=None)
    if remaining is not None and any(c.get("status") == "running" for c in running):
        remaining = int(remaining - waited_s)
    breached = bool(ticket.get("breached")) or (remaining is not None and remaining < 0)
    if remaining is None:
        sla = "-"
    else:
        sign = "-" if remaining < 0 else ""
        minutes, seconds = divmod(abs(remaining), 60)
        sla = f"{sign}{minutes}:{seconds:02d}"
        if breached:
            sla = f"{breached_word} {sla}"
    style = "bold red" if breached else ""
    return (
        Text(ticket["id"][:8], style=style),
        Text(str(ticket.get("priority", "")), style=style),
        Text(str(ticket.get("status", "")), style=style),
        Text(str(ticket.get("summary", "")), style=style),
        Text(sla, style=style),
    )


def subscription_call(
    key: str, sub_id: str, arg: str, customer: dict[str, Any] | None, now: datetime
) -> tuple[str, dict[str, Any]]:
    if key == "p":
        return f"/subscriptions/{sub_id}/pauses", {"first": arg}
    if key == "s":
        return f"/subscriptions/{sub_id}/skips", {"day": arg}
    if key == "x":
        return f"/subscriptions/{sub_id}/changes", {"effective_from": arg, "instructions": ""}
    customer_id = customer["id"] if customer else sub_id
    amount = round(float(arg) * 100) if arg.replace(".", "", 1).isdigit() else 0
    reference = f"console-{now.strftime('%Y%m%d%H%M%S')}"
    return f"/customers/{customer_id}/balance/payments", {
        "reference": reference,
        "amount_fen": amount,
        "method": "cash",
    }
