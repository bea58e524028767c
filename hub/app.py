"""``create_app(settings)``: the hub as a FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from hub.analytics.churn_router import router as churn_router
from hub.analytics.router import router as analytics_router
from hub.audit.router import router as audit_router
from hub.auth.account_router import router as account_router
from hub.auth.hashing import PasswordHashing
from hub.auth.router import router as auth_router
from hub.billing.money_router import router as billing_money_router
from hub.billing.router import router as billing_router
from hub.context import HubContext
from hub.crm.crm_router import router as crm_settings_router
from hub.crm.profile_router import router as crm_profile_router
from hub.crm.router import router as crm_router
from hub.customer360.router import router as customer360_router
from hub.db import Database
from hub.delivery.router import router as delivery_router
from hub.devices.router import router as devices_router
from hub.health import router as health_router
from hub.http_limits import BodyLimit
from hub.kitchen.router import router as kitchen_router
from hub.loyalty.router import router as loyalty_router
from hub.marketing.coupon_router import router as coupon_router
from hub.marketing.reward_router import router as reward_router
from hub.marketing.rule_router import router as rule_router
from hub.notifications.router import public as unsubscribe_router
from hub.notifications.router import router as notifications_router
from hub.orders.router import router as orders_router
from hub.problems import install_problem_handlers, problem_responses
from hub.runtime import HubRuntime
from hub.security_headers import SecurityHeaders
from hub.service.router import router as service_router
from hub.settings import HubSettings
from hub.stores.router import router as stores_router
from hub.subscriptions.day_router import router as subscription_day_router
from hub.subscriptions.router import router as subscriptions_router
from hub.subscriptions.statements_router import router as statements_router

DOCS_STATIC = "/docs-static"


def create_app(settings: HubSettings, *, db: Database | None = None) -> FastAPI:
    ctx = HubContext(
        settings=settings,
        db=db
        or Database.from_url(
            settings.database_url,
            pool_size=settings.db_pool_size,
            sqlite_busy_timeout_s=settings.sqlite_busy_timeout_s,
        ),
        secret=settings.resolved_secret(),
        hashing=PasswordHashing.from_settings(settings.auth),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.http_threads
        runtime = HubRuntime(ctx)
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()
            if db is None:
                ctx.db.dispose()

    app = FastAPIOffline(  # Swagger UI and ReDoc served from the hub itself, not from a CDN
        static_url=DOCS_STATIC,
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from validator.swagger.io
        title="Brigade hub",
        version="0.1.0",
        lifespan=lifespan,
        responses=problem_responses(400, 422),
        description="Customers, orders, kitchens and riders of a restaurant business. "
        "Errors are RFC 9457 problem+json.",
    )
    app.state.ctx = ctx
    install_problem_handlers(app)
    app.add_middleware(
        BodyLimit, max_bytes=settings.http_max_body_bytes, raised=settings.http_body_limits, secret=ctx.secret
    )
    app.add_middleware(SecurityHeaders, static_prefixes=(DOCS_STATIC,))
    for router in (
        health_router,
        auth_router,
        devices_router,
        stores_router,
        crm_router,
        orders_router,
        kitchen_router,
    ):
        app.include_router(router)
    app.include_router(delivery_router)
    for router in (
        crm_profile_router,
        customer360_router,
        crm_settings_router,
        loyalty_router,
        reward_router,
        coupon_router,
        rule_router,
        notifications_router,
        unsubscribe_router,
        account_router,
        audit_router,
        service_router,
        analytics_router,
        churn_router,
        subscriptions_router,
        subscription_day_router,
        billing_router,
        billing_money_router,
        statements_router,
    ):
        app.include_router(router)
    return app
