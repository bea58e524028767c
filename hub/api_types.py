"""What every REST request model of the hub is built from. Pure: pydantic and contracts only.

- ``RequestModel``: the base of every request body. Every text value in it (in lists and dicts
  too) is refused when it holds a control character (C0, DEL, C1: see ``contracts.base``); the
  fields a model names in ``line_break_fields`` may hold line breaks (``\\n``, ``\\r\\n``).
- ``StrictInt``, ``StrictBool``, ``StrictFloat`` for every number and flag of a request body: JSON
  ``true`` is not 1, ``"100"`` is not 100 and ``0`` is not false. A float field takes an integer.
  (Model-wide strict mode is not used: FastAPI validates bodies in Python mode, where strict mode
  would also refuse ISO datetime strings and enum values.)
- ``UtcDatetime``: an aware datetime, converted to UTC at the boundary, so a value such as
  ``9999-12-31T23:59:59-14:00`` that has no UTC equivalent is a 422, never a 500 further in.
- ``QueryDatetime``: the same for a query parameter (a naive time is a 422).
- ``refuse_blank``: for identity values (phone, member, device, platform ids).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    field_validator,
)

from contracts.base import refuse_control_characters, refuse_control_characters_but_line_breaks

__all__ = [
    "SLUG",
    "QueryDatetime",
    "RequestModel",
    "StrictBool",
    "StrictFloat",
    "StrictInt",
    "UtcDatetime",
    "refuse_blank",
]

_MAX_DEPTH = 8


SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"
"""A lowercase id chosen by staff (coupon templates, rules, message templates)."""


class RequestModel(BaseModel):
    """A REST request body: no control characters in any text value."""

    line_break_fields: ClassVar[frozenset[str]] = frozenset()
    """Fields that may hold line breaks (notes, addresses, message bodies); others are one line."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        check = (
            refuse_control_characters_but_line_breaks
            if info.field_name in cls.line_break_fields
            else refuse_control_characters
        )
        _check_text(value, check, "", 0)
        return value


def _check_text(value: Any, check: Any, path: str, depth: int) -> None:
    if isinstance(value, str):
        try:
            check(value)
        except ValueError as exc:
            raise ValueError(f"{exc} (at {path})" if path else str(exc)) from exc
    elif depth < _MAX_DEPTH and isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            _check_text(item, check, f"{path}[{index}]", depth + 1)
    elif depth < _MAX_DEPTH and isinstance(value, Mapping):
        for key, item in value.items():
            _check_text(key, refuse_control_characters, f"{path}[{key!r}] (a key)", depth + 1)
            _check_text(item, check, f"{path}[{key!r}]", depth + 1)


def refuse_blank(value: str | None) -> str | None:
    """None stays None (not given); an empty or all-blank value is refused rather than ignored."""
    if value is not None and not value.strip():
        raise ValueError("must not be blank: leave it out, or give a value")
    return value


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date and time out of range once converted to UTC") from exc


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]

_OFFSET_AS_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def _plus_back(value: Any) -> Any:
    """``...T10:00:00 08:00``: a ``+`` the client did not percent-encode arrives as a space."""
    return _OFFSET_AS_SPACE.sub(r"\1+\2", value) if isinstance(value, str) else value


QueryDatetime = Annotated[AwareDatetime, BeforeValidator(_plus_back), AfterValidator(_to_utc)]
"""A query parameter with a time zone (``2026-12-02T10:00:00+08:00`` or ``...Z``), in UTC."""
