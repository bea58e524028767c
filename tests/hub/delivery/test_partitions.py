"""Positions partitioned by day on PostgreSQL: created ahead, late rows moved in, old days dropped."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from contracts.envelope import wrap
from contracts.rider import RiderPositionBatch
from hub.db import Database
from hub.delivery.ingest import PositionIngest
from hub.delivery.partitions import drop_expired_partitions, ensure_day_partitions, existing_days
from hub.delivery.settings import DeliverySettings
from hub.delivery.sql import positions
from hub.delivery.tables import Rider
from hub.migrate import drift
from hub.stores.tables import Store
from tests.databases import postgres_database
from tests.hub.delivery.helpers import STORE, fixes

pytestmark = pytest.mark.integration
TODAY = date(2026, 3, 10)


@pytest.fixture
def db() -> Iterator[Database]:
    with postgres_database() as url:
        database = Database.from_url(url)
        yield database
        database.dispose()


def _store_fixes(db: Database, rider_id: str, at: datetime, n: int) -> None:
    batch = RiderPositionBatch(rider_id=rider_id, positions=tuple(fixes(rider_id, [STORE] * n, at)))
    with db.session() as session:
        assert (
            PositionIngest(DeliverySettings(max_future_fix_s=10**8)).apply_many(
                session, [(wrap(batch, source="d"), {"rider_id": rider_id})]
            )
            == {}
        )
        session.commit()


def _where(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT tableoid::regclass::text AS part, count(*) FROM rider_positions GROUP BY 1")
        ).all()
    return {r.part: r.count for r in rows}


def test_fixes_go_to_their_day_and_old_days_are_dropped(db: Database) -> None:
    rider_id = f"r-{uuid.uuid4().hex[:6]}"
    with db.session() as session:
        session.add(Store(id="s1", name="门店"))
        session.flush()
        session.add(Rider(id=rider_id, store_id="s1", name="王师傅"))
        session.commit()
    noon = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    _store_fixes(db, rider_id, noon, 30)  # before any day partition exists: the default partition
    assert _where(db) == {"brigade_parts.rider_positions_default": 30}

    created = ensure_day_partitions(db.engine, TODAY, days_ahead=2, days_behind=1)
    assert len(created) == 4
    assert existing_days(db.engine) == [TODAY + timedelta(days=d) for d in (-1, 0, 1, 2)]
    assert _where(db) == {"brigade_parts.rider_positions_p20260310": 30}  # moved in with its day
    assert ensure_day_partitions(db.engine, TODAY, days_ahead=2, days_behind=1) == []

    _store_fixes(db, rider_id, noon + timedelta(days=1), 10)
    _store_fixes(db, rider_id, noon, 30)  # a replay of today's fixes: still harmless across partitions
    assert _where(db) == {"brigade_parts.rider_positions_p20260310": 30, "brigade_parts.rider_positions_p20260311": 10}

    dropped = drop_expired_partitions(db.engine, TODAY + timedelta(days=2), keep_days=1)
    assert dropped == ["brigade_parts.rider_positions_p20260309", "brigade_parts.rider_positions_p20260310"]
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(positions)).scalar_one() == 10
    assert [d for d in drift(db.engine) if "rider_positions" in str(d)] == []  # partitions: outside the models' schema
