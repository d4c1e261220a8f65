"""ASGI middleware: request ids and access logs by route template, body size limits, content types."""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logs import request_id_var
from shared.runtime.problems import PROBLEM, problem_body

logger = logging.getLogger("shared.access")


async def _send_problem(send: Send, status: int, problem_type: str, title: str) -> None:
    body = json.dumps(problem_body(problem_type=problem_type, title=title, status=status)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestContext:
    """Assigns a request id and logs method, route template, status and duration; never the raw path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = secrets.token_hex(8)
        token = request_id_var.set(rid)
        started = time.monotonic()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            principal = getattr(scope.get("state", {}).get("principal"), "kind", None)
            extra: dict[str, Any] = {
                "method": scope["method"],
                "route": getattr(route, "path", "<unmatched>"),
                "status": status,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            }
            if principal:
                extra["principal_kind"] = principal
            logger.info("request", extra=extra)
            request_id_var.reset(token)


class BodyLimits:
    """413 for bodies over the limit (imports get a larger one) and 415 for content types not accepted."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_import_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_import_bytes = max_import_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        is_import = scope["path"].endswith("/import")
        limit = self.max_import_bytes if is_import else self.max_bytes
        headers = dict(scope.get("headers", []))
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        accepted = {b"application/json", b"application/merge-patch+json"}
        if is_import:
            accepted |= {b"text/csv", b"application/x-ndjson", b"application/jsonl"}
        if scope["path"].startswith("/h/"):  # household link pages post forms
            accepted |= {b"application/x-www-form-urlencoded"}
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _send_problem(send, 413, "payload-too-large", "Request body too large")
            return
        if ctype and ctype not in accepted:
            await _send_problem(send, 415, "unsupported-media-type", "Unsupported media type")
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await _send_problem(send, 413, "payload-too-large", "Request body too large")


class _TooLarge(Exception):
    pass
