"""SMS delivery through an HTTP provider (httpx), and verification of its signed delivery receipts."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Annotated, Literal, Protocol, Self

import httpx
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    SecretStr,
    StringConstraints,
    ValidationError,
)

from notifications.catalog import NotificationLimits
from notifications.delivery_errors import PermanentDeliveryError, TransientDeliveryError
from notifications.sms_segments import SmsEncodingLimits, count_segments

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# Statuses that mean "try again later": throttling, timeouts, an idempotent request still in flight.
_TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})


@dataclass(frozen=True, kw_only=True)
class SmsProviderConfig:
    base_url: str
    api_key: SecretStr
    sender_id: str
    callback_url: str | None = None
    send_path: str = "/v1/messages"
    idempotency_header: str = "Idempotency-Key"
    timeout_s: float = 5.0
    limits: NotificationLimits = field(default_factory=NotificationLimits)
    encoding: SmsEncodingLimits = field(default_factory=SmsEncodingLimits)


@dataclass(frozen=True)
class SmsAccepted:
    provider_message_id: str
    segments: int
    replayed: bool  # the provider had this idempotency key already: nothing new was sent


class SmsSender(Protocol):
    """What the sender loop needs: the HTTP provider in production, a file in the demo."""

    async def send(self, *, message_id: uuid.UUID, to: str, text: str) -> SmsAccepted: ...


def _check_sms(
    *, to: str, text: str, limits: NotificationLimits, encoding: SmsEncodingLimits
) -> int:
    if not _E164.fullmatch(to):
        raise PermanentDeliveryError("invalid_number")
    sms = count_segments(text, limits=encoding)
    if not text or sms.segments > limits.sms_max_segments:
        raise PermanentDeliveryError("sms_too_long")
    return sms.segments


class _SendResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, StringConstraints(min_length=1, max_length=128)]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


class SmsProvider:
    """One provider account. Pass the service's `httpx.AsyncClient` (built in the lifespan), or let
    the adapter own one and close it with `aclose()` / `async with`."""

    def __init__(self, *, config: SmsProviderConfig, client: httpx.AsyncClient | None = None):
        self._config = config
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=config.timeout_s)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def send(self, *, message_id: uuid.UUID, to: str, text: str) -> SmsAccepted:
        """Send one SMS with `message_id` as the idempotency key: a retry after a lost answer
        is recognised by the provider instead of reaching the phone twice."""
        cfg = self._config
        segments = _check_sms(to=to, text=text, limits=cfg.limits, encoding=cfg.encoding)
        body: dict[str, str] = {
            "to": to,
            "from": cfg.sender_id,
            "text": text,
            "reference": str(message_id),
        }
        if cfg.callback_url is not None:
            body["callback_url"] = cfg.callback_url
        headers = {
            "Authorization": f"Bearer {cfg.api_key.get_secret_value()}",
            cfg.idempotency_header: str(message_id),
        }
        url = cfg.base_url.rstrip("/") + cfg.send_path
        try:
            response = await self._client.post(
                url, json=body, headers=headers, timeout=cfg.timeout_s
            )
        except httpx.TimeoutException:
            raise TransientDeliveryError("sms_timeout") from None
        except httpx.TransportError:
            raise TransientDeliveryError("sms_network") from None
        status = response.status_code
        if status in (401, 403):
            raise TransientDeliveryError("sms_auth")
        if status in _TRANSIENT_STATUSES:
            raise TransientDeliveryError(f"sms_{status}", retry_after_s=_retry_after(response))
        if status >= 500:
            raise TransientDeliveryError("sms_5xx", retry_after_s=_retry_after(response))
        if status >= 400:
            raise PermanentDeliveryError("sms_rejected")
        if not 200 <= status < 300:
            raise TransientDeliveryError("sms_unexpected_status")
        try:
            accepted = _SendResponse.model_validate_json(response.content)
        except ValidationError:
            # Accepted but unreadable: retrying under the same key is safe and gets the id back.
            raise TransientDeliveryError("sms_bad_response") from None
        return SmsAccepted(
            provider_message_id=accepted.id,
            segments=segments,
            replayed=response.headers.get("Idempotent-Replayed", "").lower() == "true",
        )


class FileSmsSink:
    """The embedded demo's SMS channel: one JSON line per message in a file a new user can read.
    The number is masked but for its last digits; the file is for synthetic data only."""

    def __init__(
        self,
        *,
        path: Path,
        limits: NotificationLimits | None = None,
        encoding: SmsEncodingLimits | None = None,
        visible_digits: int = 3,
    ) -> None:
        self._path = path
        self._limits = limits or NotificationLimits()
        self._encoding = encoding or SmsEncodingLimits()
        self._visible = visible_digits

    def _append_once(self, line: dict[str, str | int]) -> bool:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        if self._path.exists():
            with self._path.open(encoding="utf-8") as existing:
                if any(json.loads(row)["message_id"] == line["message_id"] for row in existing):
                    return False
        with self._path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return True

    async def send(self, *, message_id: uuid.UUID, to: str, text: str) -> SmsAccepted:
        segments = _check_sms(to=to, text=text, limits=self._limits, encoding=self._encoding)
        masked = "*" * (len(to) - self._visible) + to[-self._visible :]
        line: dict[str, str | int] = {
            "message_id": str(message_id),
            "to": masked,
            "segments": segments,
            "text": text,
        }
        written = await asyncio.to_thread(self._append_once, line)
        return SmsAccepted(
            provider_message_id=f"file-{message_id}", segments=segments, replayed=not written
        )


# Delivery receipts --------------------------------------------------------------------------

ReceiptStatus = Literal["sent", "delivered", "undelivered", "failed", "expired"]


class InvalidReceipt(ValueError):
    """A receipt without a valid, fresh signature, or with a body we do not understand."""


@dataclass(frozen=True, kw_only=True)
class ReceiptConfig:
    secrets: tuple[SecretStr, ...]  # the current one first; the previous one while rotating
    tolerance_s: int = 300
    max_body_bytes: int = 16_384
    signature_header: str = "X-Signature"
    timestamp_header: str = "X-Signature-Timestamp"


class DeliveryReceipt(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Annotated[str, StringConstraints(min_length=1, max_length=128)]  # the provider's id
    reference: uuid.UUID  # our message id
    status: ReceiptStatus
    error_code: (
        Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_.:\-]*$")] | None
    ) = None
    occurred_at: AwareDatetime

    @property
    def final(self) -> bool:
        return self.status != "sent"

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"


def receipt_signature(*, body: bytes, secret: SecretStr, timestamp: int) -> str:
    """`v1=` + hex HMAC-SHA256 over `<timestamp>.<body>`: the timestamp makes replays go stale."""
    mac = hmac.new(
        secret.get_secret_value().encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    )
    return f"v1={mac.hexdigest()}"


def verify_receipt(
    *, body: bytes, headers: Mapping[str, str], config: ReceiptConfig, now: datetime
) -> DeliveryReceipt:
    """Check the signature before reading the body, then parse it; raises `InvalidReceipt`."""
    if len(body) > config.max_body_bytes:
        raise InvalidReceipt("body too large")
    lowered = {key.lower(): value for key, value in headers.items()}
    stamp = lowered.get(config.timestamp_header.lower(), "")
    given = lowered.get(config.signature_header.lower(), "")
    if not stamp.isdigit() or not given:
        raise InvalidReceipt("signature missing")
    timestamp = int(stamp)
    if abs(now.timestamp() - timestamp) > config.tolerance_s:
        raise InvalidReceipt("signature stale")
    expected = [receipt_signature(body=body, secret=s, timestamp=timestamp) for s in config.secrets]
    # compare_digest against every secret, so the time taken does not reveal which one matched.
    matches = [hmac.compare_digest(given.encode(), e.encode()) for e in expected]
    if not any(matches):
        raise InvalidReceipt("signature invalid")
    try:
        return DeliveryReceipt.model_validate_json(body)
    except ValidationError:
        raise InvalidReceipt("body invalid") from None
