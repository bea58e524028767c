"""Positions stored in bulk (binary COPY through a staging table on PostgreSQL): every fix once,
whatever the grouping of the batches and whatever a rolled-back transaction left behind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from contracts.envelope import wrap
from contracts.rider import RiderPositionBatch
from hub.db import Database
from hub.delivery.ingest import PositionIngest
from hub.delivery.settings import DeliverySettings
from hub.delivery.sql import positions
from tests.hub.delivery.test_ingest import _rider, _track

pytestmark = pytest.mark.integration


@pytest.fixture
def db(any_db_url: str) -> Iterator[Database]:
    database = Database.from_url(any_db_url)
    yield database
    database.dispose()


def _fix_times(db: Database, rider_id: str) -> list[object]:
    with db.session() as session:
        return list(
            session.execute(
                select(positions.c.fix_at).where(positions.c.rider_id == rider_id).order_by(positions.c.fix_at)
            ).scalars()
        )


def test_groups_in_one_transaction_and_repeats_within_a_batch_store_each_fix_once(db: Database) -> None:
    rider_id = _rider(db)
    ingest = PositionIngest(DeliverySettings())
    track = _track(rider_id, 90)
    first = RiderPositionBatch(rider_id=rider_id, positions=tuple(track[:50] + track[40:50]))  # 10 repeated inside
    second = RiderPositionBatch(rider_id=rider_id, positions=tuple(track[45:]))  # overlaps the first
    with db.session() as session:
        assert ingest.apply_many(session, [(wrap(first, source="dev-1"), {"rider_id": rider_id})]) == {}
        assert ingest.apply_many(session, [(wrap(second, source="dev-1"), {"rider_id": rider_id})]) == {}
        session.commit()
    assert _fix_times(db, rider_id) == [p.fix_at for p in track]


def test_a_rolled_back_group_leaves_nothing_for_the_next_transaction(db: Database) -> None:
    rider_id = _rider(db)
    ingest = PositionIngest(DeliverySettings())
    track = _track(rider_id, 60)
    with db.session() as session:
        ingest.apply_many(
            session,
            [
                (
                    wrap(RiderPositionBatch(rider_id=rider_id, positions=tuple(track[:30])), source="d"),
                    {"rider_id": rider_id},
                )
            ],
        )
        session.rollback()
    with db.session() as session:
        ingest.apply_many(
            session,
            [
                (
                    wrap(RiderPositionBatch(rider_id=rider_id, positions=tuple(track[30:])), source="d"),
                    {"rider_id": rider_id},
                )
            ],
        )
        session.commit()
    assert _fix_times(db, rider_id) == [p.fix_at for p in track[30:]]
