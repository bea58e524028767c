"""Turning one spreadsheet cell into a clean value, or a clear reason why not. Pure."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.customers.api import normalise_phone
from hub.errors import DomainError
from hub.kernel.business_days import zone


class CellError(ValueError):
    """The reason a cell cannot be used, in words a store manager understands."""


TRUE = {"1", "y", "yes", "true", "是", "同意", "已同意", "允许", "t"}
FALSE = {"0", "n", "no", "false", "否", "不同意", "拒绝", "f", ""}
STATUS = {
    "delivered": "delivered",
    "completed": "delivered",
    "done": "delivered",
    "已完成": "delivered",
    "完成": "delivered",
    "已送达": "delivered",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "已取消": "cancelled",
    "取消": "cancelled",
    "refunded": "cancelled",
    "已退款": "cancelled",
}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y-%m-%dT%H:%M:%S",
)
TAG_SPLIT = re.compile(r"[,;|，；、]")


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns 13812345678 into 13812345678.0
    return str(value).strip()


def phone(value: Any, region: str) -> str | None:
    raw = text(value)
    if not raw:
        return None
    try:
        return normalise_phone(raw, region)
    except DomainError as exc:
        raise CellError(f"not a phone number: {raw!r}") from exc


def money_fen(value: Any, *, in_fen: bool = False) -> int:
    raw = text(value).replace(",", "").replace("¥", "").replace("￥", "").replace("元", "").replace("$", "")
    if not raw:
        raise CellError("amount missing")
    try:
        amount = Decimal(raw)
    except InvalidOperation as exc:
        raise CellError(f"not an amount: {text(value)!r}") from exc
    fen = amount if in_fen else amount * 100
    if fen != fen.to_integral_value():
        raise CellError(f"amount has more than two decimals: {text(value)!r}")
    if fen < 0 or fen > 10**10:
        raise CellError(f"amount out of range: {text(value)!r}")
    return int(fen)


def moment(value: Any, tz: str) -> datetime:
    """A timestamp; a time without a zone is read in the store's zone."""
    if isinstance(value, datetime):
        found = value
    elif isinstance(value, date):
        found = datetime.combine(value, time(12, 0))
    else:
        raw = text(value)
        if not raw:
            raise CellError("date missing")
        found = _parse(raw)
    if found.tzinfo is None:
        found = found.replace(tzinfo=zone(tz))
    return found.astimezone(UTC)


def _parse(raw: str) -> datetime:
    """A date without a time is taken as noon: it stays on its day in any zone and is not a night order."""
    try:
        found = datetime.fromisoformat(raw)
    except ValueError:
        pass
    else:
        return found if ":" in raw else found.replace(hour=12)
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(raw, fmt)  # noqa: DTZ007 - the zone is the store's, added by the caller
        except ValueError:
            continue
        return parsed if "%H" in fmt else parsed.replace(hour=12)
    raise CellError(f"not a date: {raw!r}")


def birthday(value: Any) -> str | None:
    """YYYY-MM-DD or MM-DD (the profile's format); None when empty."""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    raw = text(value)
    if not raw:
        return None
    match = re.fullmatch(r"(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?", raw)
    if match is None:
        raise CellError(f"not a birthday: {raw!r}")
    year, month, day = match.groups()
    try:
        date(int(year) if year else 2000, int(month), int(day))  # 2000 is a leap year: 02-29 is a birthday
    except ValueError as exc:
        raise CellError(f"not a date: {raw!r}") from exc
    md = f"{int(month):02d}-{int(day):02d}"
    return f"{year}-{md}" if year else md


def flag(value: Any) -> bool | None:
    raw = text(value).lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return None if raw == "" else False
    raise CellError(f"not yes/no: {text(value)!r}")


def status(value: Any) -> str:
    raw = text(value).lower()
    if not raw:
        return "delivered"
    if raw not in STATUS:
        raise CellError(f"unknown order status {text(value)!r} (use delivered or cancelled)")
    return STATUS[raw]


def tags(value: Any) -> list[str]:
    found = [t.strip() for t in TAG_SPLIT.split(text(value)) if t.strip()]
    for tag in found:
        if len(tag) > 64 or re.search(r"\s", tag):
            raise CellError(f"not a tag: {tag!r}")
    return found


def bounded(value: Any, limit: int, what: str) -> str:
    raw = text(value)
    if len(raw) > limit:
        raise CellError(f"{what} longer than {limit} characters")
    return raw
