"""Durations and grid cells in SQL, the same on PostgreSQL and SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, cast, func

from hub.kernel.sql_dialect import AnyConn, is_postgres

AREA_CELL_DEG = 0.01
"""Customers by area: delivery drop-offs on a 0.01 degree grid (about 1.1 km x 0.95 km in Shanghai)."""


def seconds_between(conn: AnyConn, start: Any, end: Any) -> ColumnElement[float]:
    if is_postgres(conn):
        return cast(func.extract("epoch", end - start), Float)
    return func.round((func.julianday(end) - func.julianday(start)) * 86400.0, 3)  # julianday is ~0.1 ms off


def grid_cell(conn: AnyConn, coordinate: Any) -> ColumnElement[int]:
    """floor(coordinate / cell) as an integer."""
    scaled = coordinate / AREA_CELL_DEG
    if is_postgres(conn):
        return cast(func.floor(scaled), Integer)
    truncated = cast(scaled, Integer)
    return truncated - cast(scaled < truncated, Integer)
