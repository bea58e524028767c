"""The delivery domain's refusals (members of the hub's one exception family)."""

from __future__ import annotations

from typing import ClassVar

from hub.errors import Conflict, InvalidInput, NotFound


class UnknownRider(NotFound):
    code: ClassVar[str] = "delivery.unknown_rider"


class RiderMismatch(InvalidInput):
    code: ClassVar[str] = "delivery.rider_mismatch"


class UnknownStop(NotFound):
    """A rider reported on a stop that no route of this hub has (or not one of its store's)."""

    code: ClassVar[str] = "delivery.unknown_stop"


class NotADeliveryOrder(Conflict):
    code: ClassVar[str] = "delivery.not_a_delivery"


class OtherRidersDelivery(Conflict):
    code: ClassVar[str] = "delivery.other_rider"


class WrongDeliveryCode(Conflict):
    code: ClassVar[str] = "delivery.wrong_code"


class NothingToPlan(InvalidInput):
    code: ClassVar[str] = "delivery.cannot_plan"


class GpsTimeWrong(InvalidInput):
    """Every position of a message is dated too far ahead of the hub's clock (a receiver's date bug)."""

    code: ClassVar[str] = "delivery.gps_time_wrong"
