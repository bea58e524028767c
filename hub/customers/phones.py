"""Phone numbers: parsed and normalised to E.164 with ``phonenumbers``, shown masked. Pure."""

from __future__ import annotations

import phonenumbers

from hub.errors import InvalidInput


def normalise_phone(raw: str, region: str = "CN") -> str:
    """E.164 (``+8613812345678``) from any way people write a number; InvalidInput otherwise."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """``138****5678`` for a Chinese mobile; the same shape (first 3, last 4) elsewhere."""
    try:
        number = phonenumbers.parse(e164, None)
        national = str(number.national_number)
    except phonenumbers.NumberParseException:
        national = "".join(c for c in e164 if c.isdigit())
    if len(national) <= 7:
        return national[:1] + "*" * max(len(national) - 3, 1) + national[-2:]
    return national[:3] + "*" * (len(national) - 7) + national[-4:]


def mask_name(name: str) -> str:
    """王小明 -> 王**; for a kitchen ticket or a rider's screen."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * min(len(name) - 1, 3) if len(name) > 1 else name
