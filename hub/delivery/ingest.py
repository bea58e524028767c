"""Rider positions from MQTT: one INSERT per group of batches, replays harmless, arrivals detected.

The bridge hands over several messages at once (``apply_many``); they are written with one
executemany ``INSERT ... ON CONFLICT DO NOTHING`` on (rider_id, fix_at), one upsert of each rider's
last position (kept only if newer), and one look at the deliveries those riders carry, whose
geofence state advances with the new fixes. A message is refused (dead-lettered, and the refusal
goes back to the tracker in its ack) only as a whole: a rider that does not exist, a body that names
another rider than its topic, or positions all dated more than ``max_future_fix_s`` ahead of the
hub's clock (the receiver's date is wrong: the rider's screen says so).

Positions dated too far ahead are never stored; each one is counted on its rider
(``riders.positions_dropped``, the last drop's time and how far ahead it was), which the rider's
status and ``/metrics`` show. A message with some good positions is applied without the bad ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session, col, select

from contracts.envelope import Envelope
from contracts.rider import RiderPosition, RiderPositionBatch
from hub.db_types import utcnow
from hub.delivery.errors import GpsTimeWrong, RiderMismatch, UnknownRider
from hub.delivery.geofence import GeofenceFix, GeofenceRule, GeofenceState, advance
from hub.delivery.lifecycle import Stage, mark_arrived
from hub.delivery.position_writes import insert_positions, upsert_last_positions
from hub.delivery.rider_status import ahead_text
from hub.delivery.settings import DeliverySettings
from hub.delivery.sql import riders
from hub.delivery.tables import Delivery
from hub.errors import DomainError
from hub.kernel.geo import haversine_m

logger = logging.getLogger(__name__)

Incoming = tuple[Envelope[Any], dict[str, str]]


class PositionIngest:
    """The bridge's apply functions for RIDER_POSITIONS (batches) and RIDER_POSITION (single fixes)."""

    def __init__(self, settings: DeliverySettings, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock
        self._max_future = timedelta(seconds=settings.max_future_fix_s)
        self._rule = GeofenceRule(
            enter_m=settings.geofence_enter_m,
            exit_m=settings.geofence_exit_m,
            dwell_s=settings.geofence_dwell_s,
            max_accuracy_m=settings.geofence_max_accuracy_m,
        )

    def apply_one(self, session: Session, envelope: Envelope[Any], params: dict[str, str]) -> None:
        refused = self.apply_many(session, [(envelope, params)])
        if refused:
            raise refused[0]

    def apply_many(self, session: Session, items: Sequence[Incoming]) -> dict[int, DomainError]:
        """Apply what can be applied; index -> reason for each message refused as a whole."""
        now = self._clock()
        refused: dict[int, DomainError] = {}
        wanted = {params["rider_id"] for _, params in items}
        known = set(
            session.execute(
                sa_select(riders.c.id).where(riders.c.id.in_(sorted(wanted)), riders.c.active.is_(True))
            ).scalars()
        )
        rows: dict[tuple[str, datetime], dict[str, Any]] = {}
        dropped: dict[str, tuple[int, float]] = {}  # rider -> (dated too far ahead, the furthest in seconds)
        for i, (envelope, params) in enumerate(items):
            body = envelope.body
            rider_id = params["rider_id"]
            if body.rider_id != rider_id:
                refused[i] = RiderMismatch(f"positions of rider {body.rider_id} on the topic of rider {rider_id}")
                continue
            if rider_id not in known:
                refused[i] = UnknownRider(f"no active rider {rider_id!r}")
                continue
            fixes: Sequence[RiderPosition] = body.positions if isinstance(body, RiderPositionBatch) else (body,)
            ahead = [(fix.fix_at - now).total_seconds() for fix in fixes if fix.fix_at > now + self._max_future]
            if ahead:
                count, furthest = dropped.get(rider_id, (0, 0.0))
                dropped[rider_id] = (count + len(ahead), max(furthest, *ahead))
            if len(ahead) == len(fixes):
                refused[i] = GpsTimeWrong(
                    f"GPS time is wrong: {len(fixes)} position(s) dated {ahead_text(max(ahead))} ahead of the hub's "
                    f"clock were dropped (the limit is {ahead_text(self._max_future.total_seconds())}); "
                    "check the receiver's date and time"
                )
                continue
            for fix in fixes:
                if fix.fix_at <= now + self._max_future:
                    rows[(rider_id, fix.fix_at)] = _row(rider_id, fix, now)
        if dropped:
            self._count_dropped(session, dropped, now)
        if rows:
            self._store(session, list(rows.values()))
        return refused

    def _count_dropped(self, session: Session, dropped: dict[str, tuple[int, float]], now: datetime) -> None:
        for rider_id in sorted(dropped):
            count, furthest = dropped[rider_id]
            logger.warning(
                "rider %s: dropped %d positions dated up to %s ahead of the hub's clock (limit %s)",
                rider_id,
                count,
                ahead_text(furthest),
                ahead_text(self._max_future.total_seconds()),
            )
            session.execute(
                update(riders)
                .where(riders.c.id == rider_id)
                .values(
                    positions_dropped=riders.c.positions_dropped + count, last_drop_at=now, last_drop_ahead_s=furthest
                )
            )

    def _store(self, session: Session, rows: list[dict[str, Any]]) -> None:
        insert_positions(session, rows)
        newest: dict[str, dict[str, Any]] = {}
        for row in rows:
            current = newest.get(row["rider_id"])
            if current is None or row["fix_at"] > current["fix_at"]:
                newest[row["rider_id"]] = row
        upsert_last_positions(session, [newest[r] for r in sorted(newest)])
        self._advance_geofences(session, rows)

    def _advance_geofences(self, session: Session, rows: list[dict[str, Any]]) -> None:
        by_rider: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_rider.setdefault(row["rider_id"], []).append(row)
        carrying = session.exec(
            select(Delivery)
            .where(
                col(Delivery.rider_id).in_(sorted(by_rider)),
                Delivery.stage == Stage.PICKED_UP,
                col(Delivery.arrived_at).is_(None),
            )
            .order_by(col(Delivery.order_id))
            .with_for_update()
        ).all()
        for delivery in carrying:
            if delivery.drop_lat is None or delivery.drop_lon is None or delivery.rider_id is None:
                continue
            since = delivery.picked_up_at
            fixes = [
                GeofenceFix(
                    r["fix_at"], haversine_m(r["lat"], r["lon"], delivery.drop_lat, delivery.drop_lon), r["accuracy_m"]
                )
                for r in by_rider[delivery.rider_id]
                if since is None or r["fix_at"] >= since
            ]
            before = GeofenceState(delivery.gf_candidate_since, delivery.gf_last_fix_at, delivery.arrived_at)
            after, arrived_at = advance(before, fixes, self._rule)
            if after == before:
                continue
            delivery.gf_candidate_since = after.candidate_since
            delivery.gf_last_fix_at = after.last_fix_at
            session.add(delivery)
            if arrived_at is not None:
                mark_arrived(
                    session,
                    delivery,
                    by="geofence",
                    actor=f"rider:{delivery.rider_id}",
                    at=arrived_at,
                    data={"dwell_s": self._rule.dwell_s, "enter_m": self._rule.enter_m},
                )
                logger.info("rider %s arrived at order %s (geofence)", delivery.rider_id, delivery.order_id)


def _row(rider_id: str, fix: RiderPosition, received_at: datetime) -> dict[str, Any]:
    return {
        "rider_id": rider_id,
        "fix_at": fix.fix_at,
        "lat": fix.lat,
        "lon": fix.lon,
        "speed_mps": fix.speed_mps,
        "heading_deg": fix.heading_deg,
        "accuracy_m": fix.accuracy_m,
        "received_at": received_at,
    }
