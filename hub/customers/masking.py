"""What each role may see of a customer's personal data: one policy per role. Pure.

Admins, operators and store managers (in their stores) serve customers and see everything.
Marketers and finance see customers as masked records: phones ``138****5678``, names ``王**``,
addresses cut to their district (``上海市黄浦区****``), no coordinates, no notes, and
phone-looking digits inside any other free text masked. Channels and devices see the orders
they placed as they sent them, but customers' phones and names masked.
Routers apply the policy at the response boundary (``hub.crm.masked_views``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hub.customers.phones import mask_name, mask_phone
from hub.kernel.roles import Role

PHONE_IN_TEXT = re.compile(r"(?<!\d)(?!\d{4}-\d\d-\d\d)\+?\d(?:[\s-]?\d){6,}")
"""Seven or more digits, perhaps with spaces or dashes between (not a date): a phone number, or close enough."""
DISTRICT = re.compile(r"^.{1,12}?(?:区|县|旗)")
CITY = re.compile(r"^.{1,8}?市")
HIDDEN = "****"


def mask_digits_in_text(text: str) -> str:
    """``到了打13812345678`` -> ``到了打138****5678``; shorter digit runs stay."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        return mask_phone(digits)

    return PHONE_IN_TEXT.sub(_mask, text)


def mask_address(address: str) -> str:
    """``上海市黄浦区南京东路1号`` -> ``上海市黄浦区****``: the district stays, the rest goes."""
    text = address.strip()
    kept = DISTRICT.match(text) or CITY.match(text)
    return (kept.group(0) if kept else text[:2]) + HIDDEN


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return (local[:1] + "***@" + domain) if domain else "***"


@dataclass(frozen=True)
class MaskingPolicy:
    """What one role sees; every method returns the value as that role may see it."""

    full_phones: bool
    full_names: bool
    full_addresses: bool
    """Addresses and coordinates as written; otherwise the district only and no coordinates."""
    notes: bool
    """Delivery and profile notes; otherwise hidden."""
    full_text: bool
    """Other free text (reasons, preferences, tags) as written; otherwise phone-looking digits masked."""

    @property
    def sees_everything(self) -> bool:
        return self.full_phones and self.full_names and self.full_addresses and self.notes and self.full_text

    def phone(self, e164: str) -> str:
        return e164 if self.full_phones else mask_phone(e164)

    def name(self, name: str) -> str:
        return name if self.full_names else mask_name(name)

    def email(self, email: str | None) -> str | None:
        return email if email is None or self.full_phones else mask_email(email)

    def address(self, address: str | None) -> str | None:
        return address if address is None or self.full_addresses else mask_address(address)

    def coordinate(self, value: float | None) -> float | None:
        return value if self.full_addresses else None

    def note(self, note: str | None) -> str | None:
        return note if self.notes else None

    def text(self, text: str | None) -> str | None:
        return text if text is None or self.full_text else mask_digits_in_text(text)

    def identity(self, kind: str, value: str) -> str:
        """A phone is masked as a phone; other identities (member ids are often phones) as free text."""
        if kind == "phone":
            return self.phone(value)
        return value if self.full_phones else mask_digits_in_text(value)

    def data(self, value: Any) -> Any:
        """Free-form JSON (preferences, event data): every string in it as free text."""
        if self.full_text:
            return value
        if isinstance(value, str):
            return mask_digits_in_text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value


FULL = MaskingPolicy(full_phones=True, full_names=True, full_addresses=True, notes=True, full_text=True)
MASKED = MaskingPolicy(full_phones=False, full_names=False, full_addresses=False, notes=False, full_text=False)
SENDER = MaskingPolicy(full_phones=False, full_names=False, full_addresses=True, notes=True, full_text=True)
"""Channels and devices: the orders they placed as they sent them; customers' records masked."""

POLICIES: dict[Role, MaskingPolicy] = {
    Role.ADMIN: FULL,
    Role.OPERATOR: FULL,
    Role.STORE_MANAGER: FULL,
    Role.MARKETER: MASKED,
    Role.FINANCE: MASKED,
    Role.CHANNEL: SENDER,
    Role.DEVICE: SENDER,
}


def policy_for(role: Role) -> MaskingPolicy:
    """The role's policy; a role without one sees everything masked."""
    return POLICIES.get(role, MASKED)
