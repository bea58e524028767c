"""A subscription's paid terms, from its timeline. Pure.

Term 0 runs from the start; each renewal adds one. A monthly or quarterly plan's terms follow each
other (term k ends ``k + 1`` plan periods after the start, less a day); a punch card's term runs for
its ``valid_days`` from the day it was bought or renewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.subscriptions.schedule import Subscription


@dataclass(frozen=True)
class Term:
    seq: int
    start: date
    end: date
    """The last day, inclusive."""
    automatic: bool


def terms_of(sub: Subscription) -> list[Term]:
    starts = [(sub.start, False), *((r.term_start, r.automatic) for r in sub.renewals)]
    plan = sub.plan
    if plan.is_punch_card:
        return [Term(i, s, plan.punch_card_last_day(s), auto) for i, (s, auto) in enumerate(starts)]
    return [Term(i, s, plan.term_last_day(sub.start, terms=i + 1), auto) for i, (s, auto) in enumerate(starts)]
