"""A small SMS provider for tests: records requests, honours or ignores idempotency keys, fails on
demand, and posts HMAC-signed delivery receipts to the callback URL it is given."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class RecordedRequest:
    headers: dict[str, str]
    body: dict[str, Any]
    status: int


@dataclass
class PostedReceipt:
    url: str
    body: dict[str, Any]
    status: int | None  # None when the callback could not be reached


@dataclass
class FakeSmsProvider:
    """The provider's side of the contract `notifications.sms_delivery` speaks.

    `fail_next` answers the next requests with those statuses without sending anything;
    `lose_next_answers` sends (records a delivery) but answers 502, like a reply lost on the way
    back; `delay_s` stalls every answer."""

    api_key: str
    receipt_secret: str | None = None
    honour_idempotency: bool = True
    receipt_status: str = "delivered"
    receipt_transport: httpx.AsyncBaseTransport | None = None
    delay_s: float = 0.0
    fail_next: deque[int] = field(default_factory=deque)
    lose_next_answers: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    receipts: list[PostedReceipt] = field(default_factory=list)
    receipt_posted: asyncio.Event = field(default_factory=asyncio.Event)
    _by_key: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/messages", self._send, methods=["POST"])])

    def _record(self, request: Request, body: dict[str, Any], status: int) -> None:
        self.requests.append(RecordedRequest(dict(request.headers), body, status))

    async def _send(self, request: Request) -> Response:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        try:
            parsed = json.loads(await request.body())
        except ValueError:
            parsed = None
        body: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
        if self.fail_next:
            status = self.fail_next.popleft()
            self._record(request, body, status)
            return JSONResponse({"error": "injected"}, status_code=status)
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            self._record(request, body, 401)
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        to, text = body.get("to"), body.get("text")
        if not isinstance(to, str) or not re.fullmatch(r"\+[0-9]{7,15}", to) or not text:
            self._record(request, body, 400)
            return JSONResponse({"error": "invalid recipient or text"}, status_code=400)
        key = request.headers.get("idempotency-key")
        if self.honour_idempotency and key is not None and key in self._by_key:
            self._record(request, body, 200)
            return JSONResponse(self._by_key[key], headers={"Idempotent-Replayed": "true"})
        result = {"id": f"prov-{uuid.uuid4().hex}", "status": "accepted"}
        if key is not None:
            self._by_key[key] = result
        self.delivered.append(body)
        background = None
        callback = body.get("callback_url")
        if isinstance(callback, str) and self.receipt_secret is not None:
            background = BackgroundTask(
                self.post_receipt,
                url=callback,
                provider_id=result["id"],
                reference=str(body.get("reference")),
                status=self.receipt_status,
            )
        if self.lose_next_answers:
            self.lose_next_answers -= 1
            self._record(request, body, 502)
            return JSONResponse({"error": "bad gateway"}, status_code=502, background=background)
        self._record(request, body, 201)
        return JSONResponse(result, status_code=201, background=background)

    def signed(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        """Headers a receipt carries; signed here independently of the code under test."""
        assert self.receipt_secret is not None
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        mac = hmac.new(self.receipt_secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        return {
            "Content-Type": "application/json",
            "X-Signature-Timestamp": stamp,
            "X-Signature": f"v1={mac.hexdigest()}",
        }

    async def post_receipt(
        self, *, url: str, provider_id: str, reference: str, status: str
    ) -> None:
        payload = {
            "id": provider_id,
            "reference": reference,
            "status": status,
            "error_code": None if status == "delivered" else "ABSENT_SUBSCRIBER",
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        raw = json.dumps(payload).encode()
        answered: int | None = None
        try:
            async with httpx.AsyncClient(transport=self.receipt_transport, timeout=5) as client:
                answered = (
                    await client.post(url, content=raw, headers=self.signed(raw))
                ).status_code
        except httpx.HTTPError:
            answered = None
        self.receipts.append(PostedReceipt(url=url, body=payload, status=answered))
        self.receipt_posted.set()
