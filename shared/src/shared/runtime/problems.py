"""RFC 9457 problem+json for domain errors, validation errors, framework errors and crashes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import DomainError, RateLimited, Unavailable
from shared.logs import request_id_var

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"

_HTTP_TYPES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation", "Request is invalid"),
    429: ("rate-limited", "Too many requests"),
    503: ("unavailable", "Service temporarily unavailable"),
}


def _instance() -> str:
    return f"urn:request:{request_id_var.get() or 'unknown'}"


def problem_body(*, problem_type: str, title: str, status: int, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:problem:housing:{problem_type}",
        "title": title,
        "status": status,
        "instance": _instance(),
    }
    body.update(extra)
    return body


def problem_response(
    *,
    problem_type: str,
    title: str,
    status: int,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        problem_body(problem_type=problem_type, title=title, status=status, **extra),
        status_code=status,
        media_type=PROBLEM,
        headers=headers,
    )


def render_domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    headers = dict(exc.headers)
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    extra: dict[str, Any] = dict(exc.extra)
    if exc.detail:
        extra["detail"] = exc.detail
    return problem_response(
        problem_type=exc.problem_type,
        title=exc.title,
        status=exc.status,
        headers=headers or None,
        **extra,
    )


def _pointer(loc: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(part) for part in loc)


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Field path and rule for each error; never the input value (pydantic's `input` is dropped)."""
    return [
        {
            "pointer": _pointer(tuple(e.get("loc", ()))),
            "code": str(e.get("type", "invalid")),
            "message": str(e.get("msg", "")),
        }
        for e in errors
    ]


def install_problem_handlers(app: FastAPI) -> None:
    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        if exc.status in (401, 403):
            logger.info(
                "request denied", extra={"status": exc.status, "error_type": exc.problem_type}
            )
        return render_domain_error(request, exc)

    async def on_validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(
            problem_type="validation",
            title="Request is invalid",
            status=422,
            errors=validation_errors(list(exc.errors())),
        )

    async def on_http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:
            # FastAPI's only 400: a body it cannot decode (say, invalid UTF-8). It is invalid
            # input like any other, so it gets the documented 422 problem (T16, RELIABILITY 3.4).
            return problem_response(
                problem_type="validation",
                title="Request is invalid",
                status=422,
                errors=[
                    {"pointer": "/body", "code": "body_unreadable", "message": "Unreadable body"}
                ],
            )
        problem_type, title = _HTTP_TYPES.get(exc.status_code, ("error", "Request failed"))
        return problem_response(
            problem_type=problem_type,
            title=title,
            status=exc.status_code,
            headers=dict(exc.headers) if exc.headers else None,
        )

    async def on_database(_request: Request, exc: Exception) -> JSONResponse:
        logger.error("database unavailable", extra={"error_type": type(exc).__name__})
        err = Unavailable()
        return render_domain_error(_request, err)

    async def on_crash(_request: Request, exc: Exception) -> JSONResponse:
        logger.error("unhandled error", extra={"error_type": type(exc).__name__})
        return problem_response(problem_type="internal", title="Internal error", status=500)

    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(OperationalError, on_database)
    app.add_exception_handler(DBAPIError, on_database)
    app.add_exception_handler(ConnectionError, on_database)
    app.add_exception_handler(TimeoutError, on_database)
    app.add_exception_handler(Exception, on_crash)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "instance": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status"],
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries declaring an operation's problem answers."""
    return {
        status: {
            "description": _HTTP_TYPES.get(status, ("error", "Request failed"))[1],
            "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }
