"""Position ingest on SQLite and PostgreSQL: batches, replays, the bridge's grouped path, acks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.messaging import Ack, DeadLetter
from contracts.rider import RiderPosition, RiderPositionBatch
from hub.bridge.delivery_routes import delivery_routes
from hub.bridge.mqtt_bridge import MqttBridge
from hub.db import Database
from hub.delivery.ingest import PositionIngest
from hub.delivery.settings import DeliverySettings
from hub.delivery.sql import last_positions, positions
from hub.delivery.tables import Rider
from hub.metrics import HubMetrics
from hub.outbox.tables import InboxMessage
from hub.stores.tables import Store
from mqttlink import FakeBroker, FakeMqttLink, MqttMessage
from tests.hub.delivery.helpers import STORE, batches, fixes, ride

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
ROOT = "tingest"


@pytest.fixture
def db(any_db_url: str) -> Iterator[Database]:
    database = Database.from_url(any_db_url)
    yield database
    database.dispose()


def _rider(db: Database) -> str:
    store_id, rider_id = f"s-{uuid.uuid4().hex[:8]}", f"r-{uuid.uuid4().hex[:8]}"
    with db.session() as session:
        session.add(Store(id=store_id, name="门店", lat=STORE[0], lon=STORE[1]))
        session.flush()
        session.add(Rider(id=rider_id, store_id=store_id, name="李师傅"))
        session.commit()
    return rider_id


def _count(db: Database, rider_id: str) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).where(positions.c.rider_id == rider_id)).scalar_one())


def _track(rider_id: str, n: int = 120) -> list[RiderPosition]:
    return fixes(rider_id, ride(STORE, (31.2500, 121.5000), n - 1), T0)


def test_a_replayed_batch_is_harmless(db: Database) -> None:
    rider_id = _rider(db)
    ingest = PositionIngest(DeliverySettings())
    track = _track(rider_id)
    batch = RiderPositionBatch(rider_id=rider_id, positions=tuple(track))
    for _ in range(2):  # the same fixes in a new envelope: the device's outbox resent them after a crash
        with db.session() as session:
            assert ingest.apply_many(session, [(wrap(batch, source="dev-1"), {"rider_id": rider_id})]) == {}
            session.commit()
    overlapping = RiderPositionBatch(rider_id=rider_id, positions=tuple(track[60:]))
    with db.session() as session:
        ingest.apply_many(session, [(wrap(overlapping, source="dev-1"), {"rider_id": rider_id})])
        session.commit()
    assert _count(db, rider_id) == 120
    with db.session() as session:
        last = session.execute(select(last_positions).where(last_positions.c.rider_id == rider_id)).one()
    assert last.fix_at == track[-1].fix_at
    assert (last.lat, last.lon) == (track[-1].lat, track[-1].lon)


def test_an_older_batch_does_not_move_the_last_position_back(db: Database) -> None:
    rider_id = _rider(db)
    ingest = PositionIngest(DeliverySettings())
    track = _track(rider_id, 20)
    for part in (track[10:], track[:10]):  # the newer batch arrives first
        with db.session() as session:
            ingest.apply_many(
                session,
                [
                    (
                        wrap(RiderPositionBatch(rider_id=rider_id, positions=tuple(part)), source="d"),
                        {"rider_id": rider_id},
                    )
                ],
            )
            session.commit()
    with db.session() as session:
        last = session.execute(
            select(last_positions.c.fix_at).where(last_positions.c.rider_id == rider_id)
        ).scalar_one()
    assert last == track[-1].fix_at
    assert _count(db, rider_id) == 20


def test_unknown_riders_and_mismatched_topics_are_refused_whole(db: Database) -> None:
    rider_id = _rider(db)
    ingest = PositionIngest(DeliverySettings())
    good = wrap(RiderPositionBatch(rider_id=rider_id, positions=tuple(_track(rider_id, 5))), source="d")
    stranger = wrap(RiderPositionBatch(rider_id="nobody", positions=tuple(_track("nobody", 5))), source="d")
    with db.session() as session:
        refused = ingest.apply_many(
            session, [(good, {"rider_id": rider_id}), (stranger, {"rider_id": "nobody"}), (good, {"rider_id": "other"})]
        )
        session.commit()
    assert sorted(refused) == [1, 2]
    assert refused[1].code == "delivery.unknown_rider"
    assert refused[2].code == "delivery.rider_mismatch"
    assert _count(db, rider_id) == 5


def test_fixes_dated_far_in_the_future_are_dropped(db: Database) -> None:
    rider_id = _rider(db)
    now = datetime.now(UTC)
    track = [
        RiderPosition(rider_id=rider_id, fix_at=now, lat=STORE[0], lon=STORE[1]),
        RiderPosition(rider_id=rider_id, fix_at=now + timedelta(days=2), lat=STORE[0], lon=STORE[1]),
    ]
    with db.session() as session:
        PositionIngest(DeliverySettings()).apply_many(
            session,
            [(wrap(RiderPositionBatch(rider_id=rider_id, positions=tuple(track)), source="d"), {"rider_id": rider_id})],
        )
        session.commit()
    assert _count(db, rider_id) == 1


async def test_the_bridge_applies_waiting_batches_together_dedupes_by_id_and_acks_each_device(db: Database) -> None:
    rider_id = _rider(db)
    broker = FakeBroker()
    link = FakeMqttLink(broker)
    await link.start()
    bridge = MqttBridge(db, link, HubMetrics(), delivery_routes(DeliverySettings()), root=ROOT, source="hub")
    route = next(r for r in delivery_routes(DeliverySettings()) if r.template is topics.RIDER_POSITIONS)
    topic = topics.RIDER_POSITIONS.build(root=ROOT, rider_id=rider_id)
    envelopes = [wrap(b, source="tracker-1") for b in batches(rider_id, _track(rider_id, 100), 10)]
    resent = envelopes[3]  # the tracker missed the ack and resent one batch (same envelope id)
    stranger = wrap(RiderPositionBatch(rider_id="ghost", positions=tuple(_track("ghost", 3))), source="tracker-2")
    group = [(route, MqttMessage(topic, encode(e)), e, {"rider_id": rider_id}) for e in [*envelopes, resent]]
    ghost_topic = topics.RIDER_POSITIONS.build(root=ROOT, rider_id="ghost")
    group.append((route, MqttMessage(ghost_topic, encode(stranger)), stranger, {"rider_id": "ghost"}))

    await bridge.handle_group(route, group)
    await bridge.handle_group(route, group[:5])  # a later redelivery of the first five

    assert _count(db, rider_id) == 100
    with db.session() as session:
        claimed = session.execute(
            select(func.count())
            .select_from(InboxMessage)
            .where(InboxMessage.message_id.in_([str(e.id) for e in envelopes]))  # type: ignore[attr-defined]
        ).scalar_one()
    assert claimed == 10
    acks = [decode(m.payload, Ack).body for m in broker.messages_on(topics.ACK.wildcard(root=ROOT))]
    first_round = next(a for a in acks if a.device_id == "tracker-1")
    assert sorted(map(str, first_round.message_ids)) == sorted(str(e.id) for e in [*envelopes, resent])
    assert [a.device_id for a in acks].count("tracker-2") == 1  # refused, dead-lettered, still acked
    dead = [decode(m.payload, DeadLetter).body for m in broker.messages_on(topics.DEAD_LETTER.build(root=ROOT))]
    assert len(dead) == 1 and dead[0].reason.startswith("delivery.unknown_rider")
    await link.stop()
