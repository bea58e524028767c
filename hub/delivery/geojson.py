"""Route plans as GeoJSON (RFC 7946: [lon, lat], WGS-84), for any map. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hub.delivery.tables import RoutePlanRecord


def routes_geojson(plans: Iterable[RoutePlanRecord], store: Sequence[float] | None = None) -> dict[str, Any]:
    """One LineString per rider's route (start, stops in order, back to the store) and a Point per stop."""
    features: list[dict[str, Any]] = []
    for plan in plans:
        line = [[plan.start_lon, plan.start_lat]] + [[s["lon"], s["lat"]] for s in plan.stops]
        if store is not None:
            line.append([store[1], store[0]])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {
                    "kind": "route",
                    "rider_id": plan.rider_id,
                    "plan_id": plan.id,
                    "version": plan.version,
                    "distance_m": plan.distance_m,
                    "start_at": plan.start_at.isoformat(),
                    "end_at": plan.end_at.isoformat(),
                    "stops": len(plan.stops),
                },
            }
        )
        features.extend(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": {
                    "kind": "stop",
                    "rider_id": plan.rider_id,
                    "order_id": s["order_id"],
                    "sequence": s["sequence"],
                    "eta": s["eta"],
                    "on_board": s["on_board"],
                    "late": s["late"],
                },
            }
            for s in plan.stops
        )
    return {"type": "FeatureCollection", "features": features}
