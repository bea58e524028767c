"""Subscriptions' errors, in the hub's one exception family (mapped once to problem+json)."""

from __future__ import annotations

from typing import ClassVar

from hub.errors import Conflict, InvalidInput


class InvalidPlan(InvalidInput):
    """A plan that cannot be sold: no items, a negative price, a punch card without a count."""

    code: ClassVar[str] = "subscription.invalid_plan"


class InvalidDeliveryRule(InvalidInput):
    """A frequency that yields no usable dates, e.g. a malformed or sub-daily RRULE."""

    code: ClassVar[str] = "subscription.invalid_rule"


class InvalidChange(InvalidInput):
    """A change that makes no sense on its own: an empty change, a range ending before it starts."""

    code: ClassVar[str] = "subscription.invalid_change"


class PauseOverlaps(Conflict):
    code: ClassVar[str] = "subscription.pause_overlaps"


class NothingPlanned(Conflict):
    """Skipping a day on which no delivery is planned."""

    code: ClassVar[str] = "subscription.nothing_planned"


class DateFrozen(Conflict):
    """The store's cut-off has passed: the date's deliveries are generated and can no longer change.

    ``extra["first_changeable"]`` is the first business date (ISO) that still accepts changes.
    """

    code: ClassVar[str] = "subscription.date_frozen"


class SubscriptionClosed(Conflict):
    """A change to a subscription that is already cancelled (from the given date on)."""

    code: ClassVar[str] = "subscription.closed"


class OutcomeAlreadyReported(Conflict):
    """A generated delivery already settled with another outcome (correct it with a refund)."""

    code: ClassVar[str] = "subscription.outcome_already_reported"


class OtherRidersStop(Conflict):
    """A rider reported on a subscription stop of another rider's route."""

    code: ClassVar[str] = "subscription.other_riders_stop"
