"""``/analytics``: dashboard figures, the custom report with CSV/xlsx export, and churn scores.

Every figure takes ``date_from``/``date_to`` (store-local days, inclusive; default: the last 30
days) and ``store_id`` (repeatable). Store managers see only their stores; admin, operator,
finance and marketer accounts the whole chain. Riders and kitchen times are operations figures:
not for marketers.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from hub.analytics.area_rollup import rollup_customers_by_area
from hub.analytics.campaign_queries import campaign_funnel
from hub.analytics.customer_rollup import rollup_customer_figures, rollup_retention_cohorts
from hub.analytics.gaps import GAPS
from hub.analytics.product_rollup import rollup_product_ranking
from hub.analytics.report_catalogue import DIMENSIONS, MEASURES
from hub.analytics.report_export import to_csv, to_xlsx
from hub.analytics.report_query import ReportSpec, run_report
from hub.analytics.rider_rollup import rollup_rider_performance
from hub.analytics.rollup import current_sales_by_day, refresh_rollups
from hub.analytics.schemas import (
    AreaOut,
    CampaignOut,
    CatalogueEntry,
    CatalogueOut,
    CohortCellOut,
    CohortsOut,
    CustomersOut,
    DaySalesOut,
    Period,
    ProductOut,
    RenewalsOut,
    ReportOut,
    RiderOut,
    RollupOut,
    RollupRefreshOut,
    SalesOut,
    SlaOut,
    StationOut,
    StoreRenewalsOut,
    StoreSlaOut,
)
from hub.analytics.scope import Scope, resolve_scope
from hub.analytics.sla_queries import sla_compliance
from hub.analytics.station_rollup import rollup_kitchen_times
from hub.analytics.subscription_queries import renewal_rate
from hub.deps import ContextDep, OperatorDep, SessionDep, StaffDep, require
from hub.kernel.business_days import local_today
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.problems import problem_responses

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=problem_responses(401, 403, 422))
OpsDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.FINANCE))]


def scope_of_request(
    ctx: ContextDep,
    staff: StaffDep,
    date_from: date | None = None,
    date_to: date | None = None,
    store_id: Annotated[list[str] | None, Query(max_length=200)] = None,
) -> Scope:
    last = date_to or local_today(ctx.clock(), ctx.settings.default_timezone)
    default_first = last - timedelta(days=29) if last > date.min + timedelta(days=29) else date.min
    return resolve_scope(staff, store_id, date_from or default_first, last)  # 0001-01-01: a 422, not an overflow


ScopeDep = Annotated[Scope, Depends(scope_of_request)]


def _period(scope: Scope) -> Period:
    return Period(
        date_from=scope.day_from,
        date_to=scope.day_to,
        store_ids=None if scope.store_ids is None else list(scope.store_ids),
    )


@router.get("/sales", response_model=SalesOut)
def sales(ctx: ContextDep, session: SessionDep, scope: ScopeDep) -> SalesOut:
    """Revenue, orders and average order value, in total and per local day (counted orders).

    Read from the daily rollup, which the hub's job refreshes (``analytics_rollup_interval_s``, and
    ``POST /analytics/sales/refresh`` after bulk changes), with the few days changed since recomputed
    from the orders; ``rollup`` says how fresh it is. Writes nothing.
    """
    days, freshness = current_sales_by_day(session, scope, live_days_max=ctx.settings.analytics_live_days_max)
    orders = sum(d.orders for d in days)
    revenue = sum(d.revenue_fen for d in days)
    return SalesOut(
        period=_period(scope),
        orders=orders,
        revenue_fen=revenue,
        average_order_fen=round(revenue / orders) if orders else 0,
        days=[DaySalesOut.model_validate(d) for d in days],
        rollup=RollupOut.model_validate(freshness),
    )


@router.post("/sales/refresh", response_model=RollupRefreshOut)
def refresh_sales(ctx: ContextDep, session: SessionDep, _op: OperatorDep) -> RollupRefreshOut:
    """Bring the rollups (sales, customers, cohorts, riders, products, kitchen, areas) up to date now (after an
    import or other bulk change of orders)."""
    rewritten = refresh_rollups(session, now=ctx.clock())
    session.commit()
    return RollupRefreshOut(
        rewritten_days=rewritten,
        rollup=RollupOut(refreshed_at=ctx.clock(), live=True, changed_days=0),
    )


@router.get("/customers", response_model=CustomersOut)
def customers(session: SessionDep, scope: ScopeDep) -> CustomersOut:
    """Active, new and returning customers; repeat-purchase rate counted in purchase days.

    Read from the purchase-day rollups, as fresh as the job's last refresh (``analytics_rollup_interval_s``,
    or ``POST /analytics/sales/refresh``).
    """
    f = rollup_customer_figures(session, scope)
    return CustomersOut(
        period=_period(scope),
        active=f.active,
        new=f.new,
        returning=f.returning,
        repeat_buyers=f.repeat_buyers,
        repeat_rate=f.repeat_rate,
    )


@router.get("/cohorts", response_model=CohortsOut)
def cohorts(session: SessionDep, scope: ScopeDep) -> CohortsOut:
    """Monthly retention of the customers whose first purchase falls in the period.

    Read from the purchase-day rollups, as fresh as the job's last refresh (``analytics_rollup_interval_s``,
    or ``POST /analytics/sales/refresh``).
    """
    cells = rollup_retention_cohorts(session, scope)
    return CohortsOut(period=_period(scope), cells=[CohortCellOut.model_validate(c) for c in cells])


@router.get("/products", response_model=list[ProductOut])
def products(session: SessionDep, scope: ScopeDep, limit: Annotated[int, Query(ge=1, le=500)] = 20) -> list[ProductOut]:
    """Best sellers by line revenue.

    Read from the products' daily rollup, as fresh as the job's last refresh (``analytics_rollup_interval_s``,
    or ``POST /analytics/sales/refresh``).
    """
    return [ProductOut.model_validate(p) for p in rollup_product_ranking(session, scope, limit)]


@router.get("/areas", response_model=list[AreaOut])
def areas(session: SessionDep, scope: ScopeDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AreaOut]:
    """Customers, orders and revenue per 0.01 degree cell of delivery drop-offs (counted orders), the cells
    with the most orders first.

    Read from the areas' daily rollup, as fresh as the job's last refresh (``analytics_rollup_interval_s``,
    or ``POST /analytics/sales/refresh``).
    """
    return [AreaOut.model_validate(a) for a in rollup_customers_by_area(session, scope, limit)]


@router.get("/riders", response_model=list[RiderOut])
def riders(session: SessionDep, _ops: OpsDep, scope: ScopeDep) -> list[RiderOut]:
    """Per rider: deliveries, delivered, failed (with reasons), on-time share, pick-up to delivery time.

    Read from the riders' daily rollup, as fresh as the job's last refresh (``analytics_rollup_interval_s``,
    or ``POST /analytics/sales/refresh``).
    """
    return [RiderOut.model_validate(r) for r in rollup_rider_performance(session, scope)]


@router.get("/kitchen", response_model=list[StationOut])
def kitchen(session: SessionDep, _ops: OpsDep, scope: ScopeDep) -> list[StationOut]:
    """Per store and station: tickets, bumped, average and longest sent-to-bumped time, late ones.

    Read from the stations' daily rollup, as fresh as the job's last refresh (``analytics_rollup_interval_s``,
    or ``POST /analytics/sales/refresh``).
    """
    return [StationOut.model_validate(s) for s in rollup_kitchen_times(session, scope)]


@router.get("/renewals", response_model=RenewalsOut)
def renewals(ctx: ContextDep, session: SessionDep, scope: ScopeDep) -> RenewalsOut:
    """Subscription renewal rate: of the paid terms that ended on the period's days, how many renewed."""
    rows = renewal_rate(session, scope, now=ctx.clock())
    due, renewed = sum(r.due for r in rows), sum(r.renewed for r in rows)
    return RenewalsOut(
        period=_period(scope),
        due=due,
        renewed=renewed,
        automatic=sum(r.automatic for r in rows),
        rate=renewed / due if due else None,
        stores=[
            StoreRenewalsOut(store_id=r.store_id, due=r.due, renewed=r.renewed, automatic=r.automatic, rate=r.rate)
            for r in rows
        ],
    )


@router.get("/sla", response_model=SlaOut)
def sla(ctx: ContextDep, session: SessionDep, _ops: OpsDep, scope: ScopeDep) -> SlaOut:
    """Service desk SLA compliance of the tickets opened on the period's local days, per store and target."""
    rows = sla_compliance(session, scope, default_zone=ctx.settings.default_timezone)
    tickets, breached = sum(r.tickets for r in rows), sum(r.breached for r in rows)
    breaches: dict[str, int] = {}
    for r in rows:
        for target, n in r.breaches.items():
            breaches[target] = breaches.get(target, 0) + n
    return SlaOut(
        period=_period(scope),
        tickets=tickets,
        breached=breached,
        compliance=(tickets - breached) / tickets if tickets else None,
        breaches=breaches,
        stores=[
            StoreSlaOut(
                store_id=r.store_id,
                tickets=r.tickets,
                breached=r.breached,
                compliance=r.compliance,
                breaches=r.breaches,
            )
            for r in rows
        ],
    )


@router.get("/campaigns", response_model=list[CampaignOut])
def campaigns(ctx: ContextDep, session: SessionDep, scope: ScopeDep) -> list[CampaignOut]:
    """Per automation rule: targeted, sent, redeemed, attributed orders and revenue."""
    rows = campaign_funnel(session, scope, zone=ctx.settings.default_timezone)
    return [CampaignOut.model_validate(c) for c in rows]


@router.get("/catalogue", response_model=CatalogueOut)
def catalogue(_staff: StaffDep) -> CatalogueOut:
    """The custom report's dimensions and measures, and the figures not available yet."""
    return CatalogueOut(
        dimensions=[CatalogueEntry(name=d.name, label=d.label) for d in DIMENSIONS.values()],
        measures=[CatalogueEntry(name=m.name, label=m.label) for m in MEASURES.values()],
        filterable=[d.name for d in DIMENSIONS.values() if d.filterable],
        gaps=GAPS,
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post(
    "/report",
    response_model=ReportOut,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}, "description": "The report (JSON, CSV or xlsx)"}},
)
def report(
    session: SessionDep,
    scope: ScopeDep,
    spec: ReportSpec,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> ReportOut | Response:
    """A custom report: dimensions and measures from ``/analytics/catalogue``, filters, sort, limit.

    By store, day or month (or product) with orders, revenue, average order and customers (or quantity and
    line revenue), read from the rollups, as fresh as the job's last refresh; any other report from the orders.
    """
    result = run_report(session, scope, spec)
    name = f"report-{scope.day_from}-{scope.day_to}"
    if format == "csv":
        return Response(
            to_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "xlsx":
        return Response(
            to_xlsx(result), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'}
        )
    return ReportOut(period=_period(scope), columns=result.columns, labels=result.labels, rows=result.rows)
