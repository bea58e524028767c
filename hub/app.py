"""``create_app(settings)``: the hub as a FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from hub.auth.router import router as auth_router
from hub.context import HubContext
from hub.crm.crm_router import router as crm_settings_router
from hub.crm.profile_router import router as crm_profile_router
from hub.crm.router import router as crm_router
from hub.db import Database
from hub.delivery.router import router as delivery_router
from hub.health import router as health_router
from hub.kitchen.router import router as kitchen_router
from hub.loyalty.router import router as loyalty_router
from hub.marketing import merge_hooks
from hub.marketing.coupon_router import router as coupon_router
from hub.marketing.rule_router import router as rule_router
from hub.notifications.router import public as unsubscribe_router
from hub.notifications.router import router as notifications_router
from hub.orders.router import router as orders_router
from hub.problems import install_problem_handlers, problem_responses
from hub.runtime import HubRuntime
from hub.settings import HubSettings
from hub.stores.router import router as stores_router


def create_app(settings: HubSettings, *, db: Database | None = None) -> FastAPI:
    ctx = HubContext(
        settings=settings,
        db=db or Database.from_url(settings.database_url, pool_size=settings.db_pool_size),
        secret=settings.resolved_secret(),
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

    app = FastAPI(
        title="Brigade hub",
        version="0.1.0",
        lifespan=lifespan,
        responses=problem_responses(400, 422),
        description="Customers, orders, kitchens and riders of a restaurant business. "
        "Errors are RFC 9457 problem+json.",
    )
    app.state.ctx = ctx
    install_problem_handlers(app)
    for router in (health_router, auth_router, stores_router, crm_router, orders_router, kitchen_router):
        app.include_router(router)
    app.include_router(delivery_router)
    merge_hooks.register()
    for router in (
        crm_profile_router,
        crm_settings_router,
        loyalty_router,
        coupon_router,
        rule_router,
        notifications_router,
        unsubscribe_router,
    ):
        app.include_router(router)
    return app
