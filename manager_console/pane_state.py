"""What a pane keeps between refreshes, and the guard for drawing it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from textual.app import App

P = ParamSpec("P")
A = TypeVar("A", bound=App[Any])


class Fresh:
    """A pane's last good data and when it arrived."""

    def __init__(self) -> None:
        self.data: Any = None
        self.at: datetime | None = None
        self.problem: str = ""


def while_running(draw: Callable[Concatenate[A, P], None]) -> Callable[Concatenate[A, P], None]:
    """Skip drawing once the app is shutting down.

    Textual prunes the screens before it stops the app's own timers, and a worker's reply can land
    in between; the panes they would draw on are gone by then.
    """

    def guarded(app: A, /, *args: P.args, **kwargs: P.kwargs) -> None:
        if app.is_running:
            draw(app, *args, **kwargs)

    return guarded
