from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from hub.deps import ContextDep
from hub.problems import problem_response, problem_responses

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    broker: str


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses=problem_responses(503))
def readyz(ctx: ContextDep) -> Readiness | Response:
    """Ready when the database answers and, if this hub talks MQTT, the broker is connected."""
    try:
        ctx.db.ping()
        database = "ok"
    except SQLAlchemyError as exc:
        database = f"unavailable: {type(exc).__name__}"
    broker = "not used" if ctx.link is None else ("ok" if ctx.link.connected else "disconnected")
    if database != "ok" or broker == "disconnected":
        return problem_response(503, "Not ready", f"database: {database}; broker: {broker}", code="not_ready")
    return Readiness(status="ok", database=database, broker=broker)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, **problem_responses(401)},
)
def metrics(ctx: ContextDep, request: Request) -> Response:
    """Prometheus metrics. With ``BRIGADE_METRICS_TOKEN`` set, only for ``Authorization: Bearer <that token>``."""
    expected = ctx.settings.metrics_token
    if expected is not None:
        given = request.headers.get("authorization", "")
        wanted = f"Bearer {expected.get_secret_value()}"
        if not hmac.compare_digest(given.encode(), wanted.encode()):
            return problem_response(
                401,
                "Unauthorized",
                "the metrics need the metrics token (Authorization: Bearer ...)",
                code="metrics.unauthorized",
                headers={"WWW-Authenticate": "Bearer"},
            )
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
