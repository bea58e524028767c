"""The ways a customer is recognised. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from hub.api_types import RequestModel, refuse_blank
from hub.customers.phones import normalise_phone
from hub.errors import InvalidInput


class IdentityKind(StrEnum):
    PHONE = "phone"
    MEMBER_ID = "member_id"
    DEVICE_ID = "device_id"
    PLATFORM = "platform"


PRIORITY = (IdentityKind.MEMBER_ID, IdentityKind.PHONE, IdentityKind.PLATFORM, IdentityKind.DEVICE_ID)
"""When identities point at different customers, the order's customer is the first found here."""


@dataclass(frozen=True)
class IdentityKey:
    kind: IdentityKind
    namespace: str
    value: str

    def __post_init__(self) -> None:
        if not self.value.strip():
            # A blank value would be one identity shared by everyone who sent a blank one.
            raise InvalidInput(f"a {self.kind.value} must not be blank")


class CustomerRef(RequestModel):
    """How an order or a lookup names a customer: any of these, at least one. A blank identity
    (``""``, ``"   "``) is refused, never ignored or kept: it would name everyone who sent one."""

    phone: str | None = Field(default=None, max_length=40)
    member_id: str | None = Field(default=None, max_length=64)
    device_id: str | None = Field(default=None, max_length=128)
    platform: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9_-]+$")
    platform_user_id: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=120)

    @field_validator("phone", "member_id", "device_id", "platform_user_id")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        return refuse_blank(value)

    @model_validator(mode="after")
    def _some_identity(self) -> CustomerRef:
        if (self.platform is None) != (self.platform_user_id is None):
            raise ValueError("platform and platform_user_id go together")
        if not any((self.phone, self.member_id, self.device_id, self.platform_user_id)):
            raise ValueError("give at least one of phone, member_id, device_id, platform_user_id")
        return self

    def keys(self, region: str) -> list[IdentityKey]:
        """Normalised identity keys in priority order; InvalidInput for a bad phone."""
        found: dict[IdentityKind, IdentityKey] = {}
        if self.phone:
            found[IdentityKind.PHONE] = IdentityKey(IdentityKind.PHONE, "", normalise_phone(self.phone, region))
        if self.member_id:
            found[IdentityKind.MEMBER_ID] = IdentityKey(IdentityKind.MEMBER_ID, "", self.member_id.strip())
        if self.device_id:
            found[IdentityKind.DEVICE_ID] = IdentityKey(IdentityKind.DEVICE_ID, "", self.device_id.strip())
        if self.platform and self.platform_user_id:
            found[IdentityKind.PLATFORM] = IdentityKey(
                IdentityKind.PLATFORM, self.platform, self.platform_user_id.strip()
            )
        return [found[k] for k in PRIORITY if k in found]
