"""The Idempotency-Key contract of RELIABILITY.md R10, shared by every service's keyed POSTs."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.auth import Principal
from shared.db import Database, UnitOfWork, dumps
from shared.errors import (
    DomainError,
    FieldError,
    IdempotencyKeyInFlight,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    Invalid,
)
from shared.faults import crashpoint

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
LOCK = timedelta(seconds=30)
TTL = timedelta(hours=24)

Action = Callable[[UnitOfWork], Awaitable[BaseModel]]
ProblemRenderer = Callable[[Request, DomainError], JSONResponse]


def request_hash(body: bytes) -> str:
    """SHA-256 of the canonical JSON body (key order and spacing do not matter); raw bytes otherwise."""
    try:
        canonical = dumps(json.loads(body)).encode() if body else b""
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def read_key(request: Request) -> str:
    key = request.headers.get(HEADER)
    if key is None:
        raise IdempotencyKeyMissing()
    if not 1 <= len(key) <= 255 or not all(32 <= ord(c) < 127 for c in key):
        raise Invalid(
            [
                FieldError(
                    f"/header/{HEADER}",
                    "idempotency_key_format",
                    "1-255 printable ASCII characters",
                )
            ]
        )
    return key


@dataclass
class Idempotency:
    db: Database
    render_problem: ProblemRenderer

    async def _reserve(
        self, *, principal: str, route: str, key: str, digest: str
    ) -> dict[str, Any] | None:
        """Insert an in-flight record; return the existing one if the key was used before."""
        table = self.db.infra.idempotency
        now = self.db.clock()
        async with self.db.uow() as uow:
            try:
                await uow.session.execute(
                    insert(table).values(
                        principal=principal,
                        route=route,
                        key=key,
                        request_hash=digest,
                        state="in_flight",
                        locked_until=now + LOCK,
                        created_at=now,
                    )
                )
                await uow.commit()
                return None
            except IntegrityError:
                await uow.rollback()
            row = (
                (
                    await uow.session.execute(
                        select(table).where(
                            table.c.principal == principal,
                            table.c.route == route,
                            table.c.key == key,
                        )
                    )
                )
                .mappings()
                .one()
            )
            record = dict(row)
            created = _aware(record["created_at"])
            if now - created > TTL:
                # An expired record is a new request: take it over.
                await uow.session.execute(
                    update(table)
                    .where(
                        table.c.principal == principal, table.c.route == route, table.c.key == key
                    )
                    .values(
                        request_hash=digest,
                        state="in_flight",
                        locked_until=now + LOCK,
                        created_at=now,
                        response_status=None,
                        response_body=None,
                    )
                )
                await uow.commit()
                return None
            if record["request_hash"] != digest:
                raise IdempotencyKeyReused()
            if record["state"] == "in_flight":
                if _aware(record["locked_until"]) > now:
                    raise IdempotencyKeyInFlight()
                taken = await uow.session.execute(
                    update(table)
                    .where(
                        table.c.principal == principal,
                        table.c.route == route,
                        table.c.key == key,
                        table.c.state == "in_flight",
                        table.c.locked_until == record["locked_until"],
                    )
                    .values(locked_until=now + LOCK)
                )
                await uow.commit()
                if taken.rowcount != 1:  # type: ignore[attr-defined]
                    raise IdempotencyKeyInFlight()
                return None
            return record

    async def _store(
        self, uow: UnitOfWork, *, principal: str, route: str, key: str, status: int, body: str
    ) -> None:
        table = self.db.infra.idempotency
        await uow.session.execute(
            update(table)
            .where(table.c.principal == principal, table.c.route == route, table.c.key == key)
            .values(state="done", response_status=status, response_body=body, locked_until=None)
        )

    async def _forget(self, *, principal: str, route: str, key: str) -> None:
        table = self.db.infra.idempotency
        async with self.db.uow() as uow:
            await uow.session.execute(
                delete(table).where(
                    table.c.principal == principal, table.c.route == route, table.c.key == key
                )
            )
            await uow.commit()

    async def run(
        self,
        request: Request,
        principal: Principal,
        action: Action,
        *,
        status_code: int = 201,
        secret_response: bool = False,
    ) -> Response:
        """Run `action` once per key: replay the stored response, or refuse a conflicting reuse."""
        key = read_key(request)
        route_obj = request.scope.get("route")
        route = f"{request.method} {getattr(route_obj, 'path', request.url.path)}"
        digest = request_hash(await request.body())
        existing = await self._reserve(principal=principal.key, route=route, key=key, digest=digest)
        if existing is not None:
            if existing["response_body"] == "__redacted__":
                raise IdempotencyKeyReused(
                    "This response carried a secret shown once; rotate the key to get a new one."
                )
            return Response(
                content=existing["response_body"],
                status_code=existing["response_status"],
                media_type="application/problem+json"
                if existing["response_status"] >= 400
                else "application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        crashpoint("idempotency.after_reserve")
        committed = False
        try:
            async with self.db.uow() as uow:
                result = await action(uow)
                body = result.model_dump_json()
                await self._store(
                    uow,
                    principal=principal.key,
                    route=route,
                    key=key,
                    status=status_code,
                    body="__redacted__" if secret_response else body,
                )
                await uow.commit()
                committed = True
        except DomainError as exc:
            if exc.status >= 500:
                await self._forget(principal=principal.key, route=route, key=key)
                raise
            problem = self.render_problem(request, exc)
            async with self.db.uow() as uow:
                await self._store(
                    uow,
                    principal=principal.key,
                    route=route,
                    key=key,
                    status=exc.status,
                    body=bytes(problem.body).decode(),
                )
                await uow.commit()
            return problem
        except Exception:
            # An unhandled error before the commit frees the key for a retry; after the commit the
            # stored response stands. A crash (no exception handling at all) leaves the record
            # in flight until its lock expires, and the retry then takes it over.
            if not committed:
                await self._forget(principal=principal.key, route=route, key=key)
            raise
        return Response(content=body, status_code=status_code, media_type="application/json")


def _aware(value: Any) -> Any:
    from datetime import UTC

    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
