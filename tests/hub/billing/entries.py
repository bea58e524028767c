"""Ledger entries the billing tests share. Fixed instants only."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.billing.ledger import EntryKind, LedgerEntry

SH = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def top_up(key: str, fen: int, day: date, *, valid_days: int | None = None) -> LedgerEntry:
    expires = day + timedelta(days=valid_days - 1) if valid_days else None
    return LedgerEntry(
        key, EntryKind.TOP_UP, fen, day, at(day), "customer:c1", refers_to=f"pay-{key}", expires_on=expires
    )


def charge(key: str, fen: int, day: date) -> LedgerEntry:
    return LedgerEntry(key, EntryKind.DELIVERY_CHARGE, -fen, day, at(day, 9), "rider:r1", refers_to=f"sub-1/{day}")


def refund(key: str, of: str, fen: int, day: date) -> LedgerEntry:
    return LedgerEntry(key, EntryKind.REFUND, fen, day, at(day, 15), "staff:s1", refers_to=of)
