"""``brigade-hub routes solve FILE``: the live planner on a standard benchmark instance, as JSON."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from hub.delivery.planning.benchmark import solve_instance
from hub.delivery.planning.instances import InstanceError, read_instance

routes_app = typer.Typer(help="Route planning on standard benchmark instances.", no_args_is_help=True)


class InstanceFormatOption(StrEnum):
    SOLOMON = "solomon"
    CVRPLIB = "cvrplib"


class ConventionOption(StrEnum):
    EXACT = "exact"
    HIERARCHICAL = "hierarchical"
    DIMACS = "dimacs"
    CVRPLIB = "cvrplib"


@routes_app.command("solve")
def solve(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    format_: Annotated[InstanceFormatOption, typer.Option("--format", help="solomon (VRPTW .txt) or cvrplib (.vrp)")],
    seconds: Annotated[float, typer.Option(min=0.1, help="solver time")] = 10.0,
    convention: Annotated[
        ConventionOption | None,
        typer.Option(help="exact (default for solomon), hierarchical, dimacs, or cvrplib (default for cvrplib)"),
    ] = None,
    seed: int = 0,
) -> None:
    """Print vehicles, distance, each vehicle's customer ids in visiting order, and whether every
    constraint (capacity, time windows, horizon, fleet) holds under exact Euclidean travel times."""
    chosen = convention or (
        ConventionOption.CVRPLIB if format_ is InstanceFormatOption.CVRPLIB else ConventionOption.EXACT
    )
    try:
        instance = read_instance(file, format_.value)
        result = solve_instance(instance, chosen.value, seconds, seed)
    except InstanceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(result, ensure_ascii=False))
    if not result["constraints_hold_exact"]:
        raise typer.Exit(1)
