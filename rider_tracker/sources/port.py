"""The one interface every position source implements."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from rider_tracker.fix import Fix


class PositionSourcePort(Protocol):
    name: str

    def fixes(self) -> AsyncGenerator[Fix, None]:
        """Every reading, valid or not, for as long as the source runs.

        Sources reconnect on their own after errors; a finite source (a log replayed once) ends.
        The caller closes the generator when done (``contextlib.aclosing``), which releases the
        device at once.
        """
        ...
