"""The SMS adapter against a local provider app: idempotency, error classes, signed receipts."""

from __future__ import annotations

import json
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from notifications.delivery_errors import PermanentDeliveryError, TransientDeliveryError
from notifications.sms_delivery import (
    DeliveryReceipt,
    InvalidReceipt,
    ReceiptConfig,
    SmsProvider,
    SmsProviderConfig,
    receipt_signature,
    verify_receipt,
)

if TYPE_CHECKING:
    from services.notifications.tests.delivery.notifications_delivery_helpers import serve
    from services.notifications.tests.sms_provider_app import FakeSmsProvider
else:
    from notifications_delivery_helpers import serve
    from sms_provider_app import FakeSmsProvider

API_KEY = "sk_test_provider_key"
SECRET = "whsec_current"
PHONE = "+393331234567"
TEXT = "Agenzia Casa Cremona: la proposta di alloggio a Cremona è scaduta senza risposta."


def _config(base_url: str = "http://provider.test", **changes: Any) -> SmsProviderConfig:
    values: dict[str, Any] = {
        "base_url": base_url,
        "api_key": SecretStr(API_KEY),
        "sender_id": "AgenziaCasa",
        **changes,
    }
    return SmsProviderConfig(**values)


def _in_process(provider: FakeSmsProvider, **changes: Any) -> SmsProvider:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=provider.app))
    return SmsProvider(config=_config(**changes), client=client)


async def test_send_carries_the_key_the_credentials_and_our_reference() -> None:
    provider = FakeSmsProvider(api_key=API_KEY)
    message_id = uuid.uuid4()
    sms = _in_process(provider, callback_url="https://notifications.test/v1/sms/receipts")
    accepted = await sms.send(message_id=message_id, to=PHONE, text=TEXT)
    [request] = provider.requests
    assert request.headers["idempotency-key"] == str(message_id)
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body == {
        "to": PHONE,
        "from": "AgenziaCasa",
        "text": TEXT,
        "reference": str(message_id),
        "callback_url": "https://notifications.test/v1/sms/receipts",
    }
    assert accepted.provider_message_id.startswith("prov-")
    assert (accepted.segments, accepted.replayed) == (1, False)


async def test_a_lost_answer_then_a_retry_reaches_the_phone_once() -> None:
    provider = FakeSmsProvider(api_key=API_KEY, lose_next_answers=1)
    sms = _in_process(provider)
    message_id = uuid.uuid4()
    with pytest.raises(TransientDeliveryError):
        await sms.send(message_id=message_id, to=PHONE, text=TEXT)
    again = await sms.send(message_id=message_id, to=PHONE, text=TEXT)
    assert again.replayed
    assert len(provider.delivered) == 1
    assert [r.status for r in provider.requests] == [502, 200]


async def test_a_provider_that_ignores_keys_shows_the_measured_resend() -> None:
    """R8's one exception: without provider de-duplication, the retry is a second SMS."""
    provider = FakeSmsProvider(api_key=API_KEY, lose_next_answers=1, honour_idempotency=False)
    sms = _in_process(provider)
    message_id = uuid.uuid4()
    with pytest.raises(TransientDeliveryError):
        await sms.send(message_id=message_id, to=PHONE, text=TEXT)
    await sms.send(message_id=message_id, to=PHONE, text=TEXT)
    assert len(provider.delivered) == 2


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (500, TransientDeliveryError, "sms_5xx"),
        (503, TransientDeliveryError, "sms_5xx"),
        (429, TransientDeliveryError, "sms_429"),
        (409, TransientDeliveryError, "sms_409"),
        (401, TransientDeliveryError, "sms_auth"),
        (400, PermanentDeliveryError, "sms_rejected"),
        (422, PermanentDeliveryError, "sms_rejected"),
    ],
)
async def test_provider_statuses_map_to_transient_or_permanent(
    status: int, error: type[Exception], code: str
) -> None:
    provider = FakeSmsProvider(api_key=API_KEY, fail_next=deque([status]))
    with pytest.raises(error) as info:
        await _in_process(provider).send(message_id=uuid.uuid4(), to=PHONE, text=TEXT)
    assert getattr(info.value, "code", None) == code
    assert provider.delivered == []


async def test_a_wrong_key_is_refused_by_the_provider_and_transient() -> None:
    provider = FakeSmsProvider(api_key="another-key")
    with pytest.raises(TransientDeliveryError) as info:
        await _in_process(provider).send(message_id=uuid.uuid4(), to=PHONE, text=TEXT)
    assert info.value.code == "sms_auth"
    assert API_KEY not in str(info.value)


async def test_retry_after_is_passed_on() -> None:
    def throttled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "7"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(throttled))
    with pytest.raises(TransientDeliveryError) as info:
        await SmsProvider(config=_config(), client=client).send(
            message_id=uuid.uuid4(), to=PHONE, text=TEXT
        )
    assert info.value.retry_after_s == 7


async def test_an_unreadable_acceptance_is_transient() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(201)))
    with pytest.raises(TransientDeliveryError) as info:
        await SmsProvider(config=_config(), client=client).send(
            message_id=uuid.uuid4(), to=PHONE, text=TEXT
        )
    assert info.value.code == "sms_bad_response"


@pytest.mark.parametrize(
    ("to", "text", "code"),
    [
        ("3331234567", TEXT, "invalid_number"),
        ("+39 333 1234567", TEXT, "invalid_number"),
        (PHONE, "x" * 307, "sms_too_long"),
        (PHONE, "ș" * 135, "sms_too_long"),
        (PHONE, "", "sms_too_long"),
    ],
)
async def test_bad_input_fails_permanently_without_calling_the_provider(
    to: str, text: str, code: str
) -> None:
    provider = FakeSmsProvider(api_key=API_KEY)
    with pytest.raises(PermanentDeliveryError) as info:
        await _in_process(provider).send(message_id=uuid.uuid4(), to=to, text=text)
    assert info.value.code == code
    assert provider.requests == []


async def test_no_provider_listening_is_transient() -> None:
    async with serve(Starlette()) as url:
        pass  # the port is free again once the server has stopped
    async with SmsProvider(config=_config(url)) as sms:
        with pytest.raises(TransientDeliveryError) as info:
            await sms.send(message_id=uuid.uuid4(), to=PHONE, text=TEXT)
    assert info.value.code == "sms_network"


async def test_a_slow_provider_times_out() -> None:
    provider = FakeSmsProvider(api_key=API_KEY, delay_s=0.5)
    async with serve(provider.app) as url, SmsProvider(config=_config(url, timeout_s=0.1)) as sms:
        with pytest.raises(TransientDeliveryError) as info:
            await sms.send(message_id=uuid.uuid4(), to=PHONE, text=TEXT)
    assert info.value.code == "sms_timeout"


async def test_signed_receipt_travels_back_over_real_sockets() -> None:
    receipts: list[DeliveryReceipt] = []
    receipt_config = ReceiptConfig(secrets=(SecretStr(SECRET),))

    async def callback(request: Request) -> Response:
        try:
            receipt = verify_receipt(
                body=await request.body(),
                headers=request.headers,
                config=receipt_config,
                now=datetime.now(UTC),
            )
        except InvalidReceipt:
            return Response(status_code=401)
        receipts.append(receipt)
        return Response(status_code=204)

    receiver = Starlette(routes=[Route("/v1/sms/receipts", callback, methods=["POST"])])
    provider = FakeSmsProvider(api_key=API_KEY, receipt_secret=SECRET)
    message_id = uuid.uuid4()
    async with serve(receiver) as our_url, serve(provider.app) as provider_url:
        config = _config(provider_url, callback_url=f"{our_url}/v1/sms/receipts")
        async with SmsProvider(config=config) as sms:
            accepted = await sms.send(message_id=message_id, to=PHONE, text=TEXT)
        await provider.receipt_posted.wait()
    [receipt] = receipts
    assert (receipt.reference, receipt.id) == (message_id, accepted.provider_message_id)
    assert receipt.delivered
    assert receipt.final
    assert provider.receipts[0].status == 204


def _signed(provider: FakeSmsProvider, **changes: Any) -> tuple[bytes, dict[str, str]]:
    payload = {
        "id": "prov-1",
        "reference": str(uuid.uuid4()),
        "status": "undelivered",
        "error_code": "ABSENT_SUBSCRIBER",
        "occurred_at": "2026-11-25T09:00:00+00:00",
        **changes,
    }
    body = json.dumps(payload).encode()
    return body, provider.signed(body)


def test_receipt_checks_reject_forgeries_and_replays() -> None:
    provider = FakeSmsProvider(api_key=API_KEY, receipt_secret=SECRET)
    config = ReceiptConfig(secrets=(SecretStr(SECRET),))
    now = datetime.now(UTC)
    body, headers = _signed(provider)
    receipt = verify_receipt(body=body, headers=headers, config=config, now=now)
    assert (receipt.status, receipt.final, receipt.delivered) == ("undelivered", True, False)
    lower = {k.lower(): v for k, v in headers.items()}
    assert verify_receipt(body=body, headers=lower, config=config, now=now) == receipt
    cases: list[tuple[bytes, dict[str, str], datetime]] = [
        (body.replace(b"undelivered", b"delivered"), headers, now),  # tampered body
        (body, {**headers, "X-Signature": "v1=" + "0" * 64}, now),  # forged signature
        (body, {"Content-Type": "application/json"}, now),  # unsigned
        (body, headers, now + timedelta(seconds=config.tolerance_s + 1)),  # replayed later
        (b" " * (config.max_body_bytes + 1), headers, now),  # oversized
    ]
    for bad_body, bad_headers, at in cases:
        with pytest.raises(InvalidReceipt):
            verify_receipt(body=bad_body, headers=bad_headers, config=config, now=at)
    wrong = ReceiptConfig(secrets=(SecretStr("whsec_other"),))
    with pytest.raises(InvalidReceipt):
        verify_receipt(body=body, headers=headers, config=wrong, now=now)


def test_receipt_secret_rotation_and_body_validation() -> None:
    provider = FakeSmsProvider(api_key=API_KEY, receipt_secret=SECRET)
    rotating = ReceiptConfig(secrets=(SecretStr("whsec_next"), SecretStr(SECRET)))
    now = datetime.now(UTC)
    body, headers = _signed(provider, status="delivered", error_code=None)
    assert verify_receipt(body=body, headers=headers, config=rotating, now=now).delivered
    stamp = int(headers["X-Signature-Timestamp"])
    ours = receipt_signature(body=body, secret=SecretStr(SECRET), timestamp=stamp)
    assert ours == headers["X-Signature"]
    bad_body, bad_headers = _signed(provider, status="teleported")
    with pytest.raises(InvalidReceipt, match="body invalid"):
        verify_receipt(body=bad_body, headers=bad_headers, config=rotating, now=now)
