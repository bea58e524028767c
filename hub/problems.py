"""RFC 9457 problem+json for every error the API returns; bad input is 4xx, never 5xx."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    code: str | None = None
    errors: list[dict[str, Any]] | None = None


def problem_response(
    status: int,
    title: str,
    detail: str | None,
    *,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, code=code, errors=errors)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries documenting problem+json error responses on a route."""
    return {s: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Problem"} for s in statuses}


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if "retry_after_s" in exc.extra:  # 429 / 503: when to try again
            headers = {**(headers or {}), "Retry-After": str(exc.extra["retry_after_s"])}
        return problem_response(exc.status, exc.title, exc.detail, code=exc.code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _invalid(exc.errors())

    @app.exception_handler(ValidationError)
    async def _model_validation(_request: Request, exc: ValidationError) -> JSONResponse:
        return _invalid(exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code,
            _title(exc.status_code),
            str(exc.detail),
            code=f"http.{exc.status_code}",
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DataError)
    async def _data(_request: Request, _exc: DataError) -> JSONResponse:
        return problem_response(
            422,
            "Invalid request",
            "a value was refused by the database (for example a NUL character or a number out of range)",
            code="request.invalid_value",
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, _exc: IntegrityError) -> JSONResponse:
        return problem_response(
            409, "Conflict", "the change conflicts with existing data; reload and retry", code="conflict.integrity"
        )

    @app.exception_handler(OperationalError)
    async def _unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        # The database is busy (SQLite's one writer, a lock timeout) or unreachable: nothing was
        # written (the transaction rolled back), and the same request again is safe.
        logger.error("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(
            503,
            "Service unavailable",
            "the database is busy or unreachable; nothing was saved, retry shortly",
            code="database.unavailable",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(StatementError)
    async def _statement(request: Request, exc: StatementError) -> JSONResponse:
        if _caused_by(exc, UnicodeError):
            return problem_response(
                422,
                "Invalid request",
                "text contains characters that are not valid Unicode",
                code="request.invalid_text",
            )
        logger.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(500, "Internal error", "an unexpected error was logged", code="internal")

    @app.exception_handler(UnicodeError)
    async def _unicode(_request: Request, _exc: UnicodeError) -> JSONResponse:
        return problem_response(
            422, "Invalid request", "text contains characters that are not valid Unicode", code="request.invalid_text"
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(500, "Internal error", "an unexpected error was logged", code="internal")


def _invalid(raw: Sequence[Any]) -> JSONResponse:
    """422 for input that fails validation, wherever it was validated."""
    errors: list[dict[str, Any]] = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in raw[:20]
    ]
    detail = "; ".join(".".join(e["loc"]) + ": " + e["msg"] for e in errors[:3])
    return problem_response(422, "Invalid request", detail, code="request.invalid", errors=errors)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    return False


def _title(status: int) -> str:
    return {
        400: "Bad request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        409: "Conflict",
        415: "Unsupported media type",
        422: "Invalid request",
    }.get(status, "Error")
