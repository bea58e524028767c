"""``brigade-hub crm feed`` (registered on the CRM's ``crm`` group by ``hub.cli``) and ``brigade-hub rules ...``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from hub.crm.api import AsOf, BadAsOf
from hub.db import Database
from hub.db_types import utcnow
from hub.errors import DomainError
from hub.marketing.order_feed import drain
from hub.marketing.rule_preview import preview_rule
from hub.marketing.rule_runner import enabled_rule_ids, run_rule, run_scheduled_rules
from hub.settings import HubSettings

rules_app = typer.Typer(help="Automation rules.", no_args_is_help=True)
console = Console(stderr=True)


def feed() -> None:
    """Handle every pending order event (points, coupon releases, late-delivery rules, scores)."""
    settings = HubSettings()
    db = Database.from_url(settings.database_url)
    handled = drain(db.session, now=utcnow(), default_tz=settings.default_timezone, max_batches=1_000_000)
    db.dispose()
    typer.echo(json.dumps({"events": handled}))


@rules_app.command("run")
def run_rules(
    rule: Annotated[list[str] | None, typer.Option(help="a rule id (repeatable); default: every enabled rule")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="count who would be targeted (a disabled rule too); grant nothing")
    ] = False,
    at: Annotated[str | None, typer.Option(help="run as at this moment (ISO 8601; default: now)")] = None,
) -> None:
    """Run scheduled rules now; keyed by period, so running them again grants nothing twice."""
    settings = HubSettings()
    try:
        now = AsOf.parse(at, settings.default_timezone).moment if at is not None else utcnow()
    except BadAsOf as exc:
        raise typer.BadParameter(str(exc), param_hint="--at") from exc
    db = Database.from_url(settings.database_url)
    try:
        if dry_run:
            results = [
                preview_rule(db, r, now=now, default_tz=settings.default_timezone) for r in rule or enabled_rule_ids(db)
            ]
        elif rule:
            results = [
                run_rule(db, r, now=now, default_tz=settings.default_timezone, batch_size=settings.crm.rule_batch_size)
                for r in rule
            ]
        else:
            results = run_scheduled_rules(db, now=now, default_tz=settings.default_timezone)
    except DomainError as exc:
        console.print(f"[bold red]error:[/] {exc.detail}")
        raise typer.Exit(2) from exc
    finally:
        db.dispose()
    for result in results:
        if result.dry_run:
            console.print(
                f"{result.rule_id} (dry run, nothing written): {result.targeted:,} customers would be targeted, "
                f"{result.granted:,} coupons granted, {result.queued:,} messages queued",
                soft_wrap=True,
            )
        typer.echo(result.model_dump_json())
