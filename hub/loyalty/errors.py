"""Loyalty's errors, in the hub's one exception family."""

from __future__ import annotations

from typing import ClassVar

from hub.errors import Conflict


class NotEnoughPoints(Conflict):
    code: ClassVar[str] = "points.insufficient"
