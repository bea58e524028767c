from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class KitchenTicketOut(BaseModel):
    ticket_id: str
    order_id: str
    store_id: str
    station_code: str
    revision: int
    state: str
    """queued, sent, delivered, printed, shown or bumped: the furthest step reached."""
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    printed_at: datetime | None
    shown_at: datetime | None
    bumped_at: datetime | None
    alerted_at: datetime | None
    printer_id: str | None
    backup_from: str | None


class StationTimes(BaseModel):
    store_id: str
    station_code: str
    tickets: int
    avg_s: float
    p50_s: float
    p90_s: float
    max_s: float
