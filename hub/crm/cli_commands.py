"""``brigade-hub import ...`` and ``brigade-hub crm ...`` (``crm feed``, ``rules``: ``hub.marketing.cli_commands``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from hub.crm.as_of import AsOf, BadAsOf
from hub.crm.importing.importer import ImportOptions, ImportReport, Kind, run_import
from hub.crm.importing.readers import parse_delimiter
from hub.db import Database
from hub.db_types import utcnow
from hub.errors import DomainError
from hub.kernel.business_days import zone
from hub.settings import HubSettings

import_app = typer.Typer(help="Import customers and historical orders from Excel (xlsx) or CSV.", no_args_is_help=True)
crm_app = typer.Typer(help="CRM maintenance: recompute scores, drain the order feed.", no_args_is_help=True)
console = Console(stderr=True)

MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help="FIELD=COLUMN (a header, or a 1-based column number); repeatable"),
]


def _mapping(items: list[str] | None) -> dict[str, str]:
    mapping = {}
    for item in items or []:
        name, sep, column = item.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise typer.BadParameter(f"--map {item!r}: write FIELD=COLUMN")
        mapping[name.strip()] = column.strip()
    return mapping


def _print(report: ImportReport, errors_csv: Path | None) -> None:
    verb = "would be " if report.dry_run else ""
    table = Table(title=f"{report.kind} import" + (" (dry run: nothing written)" if report.dry_run else ""))
    for col in ("rows", f"{verb}created", f"{verb}updated", "unchanged", "bad rows", "customers scored", "seconds"):
        table.add_column(col, justify="right")
    table.add_row(
        str(report.rows),
        str(report.created),
        str(report.updated),
        str(report.unchanged),
        str(report.bad_rows),
        str(report.customers_refreshed),
        f"{report.seconds:.1f}",
    )
    console.print(table)
    if report.errors:
        shown = Table(title=f"bad rows ({report.bad_rows})")
        for col in ("row", "field", "problem"):
            shown.add_column(col)
        for error in report.errors[:50]:
            shown.add_row(str(error.row), error.field, error.message)
        console.print(shown)
        if len(report.errors) > 50:
            console.print(f"... and {len(report.errors) - 50} more" + ("" if errors_csv else " (see --errors-csv)"))
    if errors_csv is not None:
        with errors_csv.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["row", "field", "problem"])
            writer.writerows([e.row, e.field, e.message] for e in report.errors)
    if report.all_or_nothing and report.errors:
        console.print("[bold red]all-or-nothing: nothing was imported[/]")


def _run(kind: Kind, path: Path, options: ImportOptions, errors_csv: Path | None, quiet: bool) -> None:
    settings = HubSettings()
    options.region = settings.phone_region
    options.default_timezone = settings.default_timezone
    db = Database.from_url(settings.database_url)
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=quiet,
        ) as bar:
            task = bar.add_task(f"{kind} {path.name}", total=None)

            def progress(done: int, total: int | None) -> None:
                if done % 200 == 0 or done == total:
                    bar.update(task, completed=done, total=total)

            report = run_import(db, path, options, progress)
    except DomainError as exc:
        console.print(f"[bold red]error:[/] {exc.detail}")
        raise typer.Exit(2) from exc
    finally:
        db.dispose()
    _print(report, errors_csv)
    if report.errors:
        raise typer.Exit(1)


@import_app.command("customers")
def import_customers(
    path: Path,
    map_: MapOption = None,
    source: Annotated[str, typer.Option(help="names this system's customer ids")] = "import",
    store: Annotated[
        str | None, typer.Option(help="home store (and so time zone) of customers without a store column")
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet (default: the first)")] = None,
    delimiter: Annotated[str | None, typer.Option(help="',', ';', 'tab' or 'ws' (whitespace)")] = None,
    encoding: Annotated[str | None, typer.Option(help="default: UTF-8, else GB18030")] = None,
    no_header: Annotated[bool, typer.Option("--no-header", help="the first line is data")] = False,
    overwrite: Annotated[bool, typer.Option(help="replace profile fields that already have a value")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report what would change; write nothing")] = False,
    all_or_nothing: Annotated[bool, typer.Option("--all-or-nothing", help="one bad row: import nothing")] = False,
    errors_csv: Annotated[Path | None, typer.Option(help="write every bad row here")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar")] = False,
) -> None:
    """Customers: phone (any format), name, member id, email, birthday, address, tags, consents, home store."""
    options = ImportOptions(
        kind="customers",
        source=source,
        store_id=store,
        mapping=_mapping(map_),
        sheet=sheet,
        delimiter=parse_delimiter(delimiter),
        encoding=encoding,
        header=not no_header,
        overwrite=overwrite,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
    )
    _run("customers", path, options, errors_csv, quiet)


@import_app.command("orders")
def import_orders(
    path: Path,
    map_: MapOption = None,
    source: Annotated[str, typer.Option(help="names this system's customer and order ids")] = "import",
    store: Annotated[str | None, typer.Option(help="the store, when the file has no store column")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="zone of times written without one (default: the store's)")
    ] = None,
    sheet: Annotated[str | None, typer.Option()] = None,
    delimiter: Annotated[str | None, typer.Option(help="',', ';', 'tab' or 'ws' (whitespace)")] = None,
    encoding: Annotated[str | None, typer.Option()] = None,
    no_header: Annotated[bool, typer.Option("--no-header")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    all_or_nothing: Annotated[bool, typer.Option("--all-or-nothing")] = False,
    errors_csv: Annotated[Path | None, typer.Option()] = None,
    quiet: Annotated[bool, typer.Option("--quiet")] = False,
) -> None:
    """Historical orders (no kitchen tickets, no points): date, amount, customer, store, status.

    Customers without a home store take the store of their orders (and its time zone).
    """
    options = ImportOptions(
        kind="orders",
        source=source,
        mapping=_mapping(map_),
        store_id=store,
        timezone=timezone,
        sheet=sheet,
        delimiter=parse_delimiter(delimiter),
        encoding=encoding,
        header=not no_header,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
    )
    _run("orders", path, options, errors_csv, quiet)


def _zone(name: str | None, default: str) -> str:
    chosen = name or default
    try:
        zone(chosen)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise typer.BadParameter(f"unknown time zone {chosen!r}") from exc
    return chosen


@crm_app.command("recompute")
def recompute(
    full: Annotated[bool, typer.Option(help="rebuild every figure from the orders")] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="score history as it was: a day (YYYY-MM-DD, its end; orders count to the end of that day in "
            "their store's zone) or a moment (ISO 8601). The next recompute without it rebuilds the present.",
        ),
    ] = None,
    timezone: Annotated[str | None, typer.Option(help="the zone --as-of is read in (default: the hub's)")] = None,
) -> None:
    """RFM, segments, lifecycle, tiers and rule tags for every customer, now (or as of a past day)."""
    from hub.crm.recompute import recompute_all, segment_counts

    settings = HubSettings()
    tz = _zone(timezone, settings.default_timezone)
    try:
        when = AsOf.parse(as_of, tz) if as_of is not None else None
    except BadAsOf as exc:
        raise typer.BadParameter(str(exc), param_hint="--as-of") from exc
    db = Database.from_url(settings.database_url)
    with db.session() as session:
        result = recompute_all(session, now=utcnow(), default_tz=settings.default_timezone, full=full, as_of=when)
        counts = segment_counts(session)
        session.commit()
    db.dispose()
    typer.echo(json.dumps({**result.__dict__, **counts}, ensure_ascii=False))
