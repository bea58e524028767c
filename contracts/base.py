"""Base model for every payload body (frozen, ignores unknown fields) and the text types they use.

Text that people or channels type ends up on ESC/POS printers, kitchen screens and SMS, where a
control character is a command (ESC p opens the cash drawer). ``ShortText`` and ``LongText`` refuse
control characters: every C0 (U+0000-U+001F), DEL (U+007F) and every C1 (U+0080-U+009F); only
``LongText`` keeps line breaks (``\\n`` and ``\\r\\n``). ``ShortReport`` and ``LongReport`` carry
what a device or the hub reports about itself (an error, a dead letter's reason): such a report
must always get through, so control characters in it are replaced instead of refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_EXCEPT_LINE_BREAKS = re.compile(r"\r(?!\n)|[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _refuse(pattern: re.Pattern[str], value: str, what: str) -> str:
    found = pattern.search(value)
    if found is not None:
        raise ValueError(f"control character U+{ord(found.group()):04X} at position {found.start()} {what}")
    return value


def refuse_control_characters(value: str) -> str:
    """The value unchanged; ValueError naming the first control character (line breaks included)."""
    return _refuse(_CONTROL, value, "is not allowed in this text")


def refuse_control_characters_but_line_breaks(value: str) -> str:
    """The value unchanged; ValueError for a control character other than a line break (\\n, \\r\\n)."""
    return _refuse(_CONTROL_EXCEPT_LINE_BREAKS, value, "is not allowed in this text (only line breaks are)")


def replace_control_characters(value: str) -> str:
    """Tabs and line breaks become spaces, any other control character U+FFFD; the length is kept."""
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "\ufffd", value)


def _report(limit: int) -> Callable[[object], object]:
    def clean(value: object) -> object:
        if not isinstance(value, str):
            return value
        value = replace_control_characters(value)
        return value if len(value) <= limit else value[: limit - 1] + "\u2026"

    return clean


Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
"""Ids that appear in topics or keys: no '/', '+', '#', spaces or control characters."""

ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(refuse_control_characters)]
LongText = Annotated[str, StringConstraints(max_length=2000), AfterValidator(refuse_control_characters_but_line_breaks)]
ShortReport = Annotated[str, BeforeValidator(_report(200))]
LongReport = Annotated[str, BeforeValidator(_report(2000))]
"""What a device or the hub reports about itself (an error, a dead letter's reason): control characters
are replaced and an over-long report is cut (ending in an ellipsis), never refused, so the report
always gets through."""


class Body(BaseModel):
    """A message body. Subclasses set ``message_type`` (the envelope's ``type``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    message_type: ClassVar[str] = ""
