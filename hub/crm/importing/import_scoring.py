"""An import scores the customers it touches as it goes, and re-ranks everyone when it grew the hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from hub.crm.recompute import boundaries_for_now, ranked_population, refresh_and_score
from hub.crm.scoring import Boundaries

GROWTH_DIVISOR = 10
"""An import that refreshes a tenth of the ranked population (or more) re-ranks everyone right after."""


@dataclass
class ImportScoring:
    """Every batch ranks its customers against the same boundaries; an import that grew the population re-ranks all."""

    boundaries: Boundaries | None = None
    population_before: int = 0
    customers: set[str] = field(default_factory=set)

    def refresh(self, session: Session, touched: set[str], *, now: datetime, default_tz: str) -> None:
        self.customers |= touched
        if self.boundaries is None:
            self.population_before = ranked_population(session)
            self.boundaries = boundaries_for_now(session)
        refresh_and_score(session, sorted(touched), now=now, default_tz=default_tz, boundaries=self.boundaries)

    def grew(self, refreshed: int) -> bool:
        return refreshed > 0 and refreshed * GROWTH_DIVISOR >= self.population_before
