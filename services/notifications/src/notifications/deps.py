"""Request dependencies of the notifications service: principals, render config, signed receipts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import SecretStr

from notifications.channels import Channels
from notifications.errors import InvalidReceipt
from notifications.rendering import RenderConfig
from notifications.sms_delivery import DeliveryReceipt, ReceiptConfig
from notifications.sms_delivery import InvalidReceipt as BadSignature
from notifications.sms_delivery import verify_receipt as verify
from shared.auth import Authorize, Principal
from shared.runtime.service import ServiceRuntime

Caseworker = Annotated[Principal, Depends(Authorize(roles={"caseworker", "supervisor"}))]
RegistryService = Annotated[Principal, Depends(Authorize(services={"svc-registry"}))]


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def get_render_config(request: Request) -> RenderConfig:
    channels: Channels = _runtime(request).extras["channels"]
    return channels.render


async def verified_receipt(request: Request) -> DeliveryReceipt:
    """The provider's HMAC over the body is the only credential of the receipt callback."""
    runtime = _runtime(request)
    secret: SecretStr | None = getattr(runtime.settings, "sms_callback_secret", None)
    if secret is None:
        raise InvalidReceipt()
    try:
        return verify(
            body=await request.body(),
            headers=dict(request.headers),
            config=ReceiptConfig(secrets=(secret,)),
            now=runtime.db.clock(),
        )
    except BadSignature:
        raise InvalidReceipt() from None


# The startup check accepts a route whose dependency declares it authorizes the caller.
_marked: Any = verified_receipt
_marked.__authorizes__ = True

Render = Annotated[RenderConfig, Depends(get_render_config)]
SignedReceipt = Annotated[DeliveryReceipt, Depends(verified_receipt)]
