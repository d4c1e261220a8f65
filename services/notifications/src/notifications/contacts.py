"""Contacts and offer links at send time, from the registry, landlords and matching; never stored."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import httpx

from notifications.catalog import LANGUAGES
from notifications.delivery_errors import (
    OfferClosed,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from shared.events.base import Language
from shared.events.notifications import Channel
from shared.http import ServiceClient, ServiceUnreachable

CONTACT_PATHS = {
    "household": ("registry", "/internal/v1/households/{id}/contact"),
    "landlord": ("landlords", "/internal/v1/landlords/{id}/contact"),
}
LINK_PATH = "/internal/v1/offers/{id}/link"


@dataclass(frozen=True)
class Contact:
    """Where a recipient may be reached right now; `repr` hides the addresses (logs, tracebacks)."""

    language: Language
    channels: frozenset[Channel]
    email: str | None = field(default=None, repr=False)
    mobile: str | None = field(default=None, repr=False)

    def address(self, channel: Channel) -> str | None:
        if channel not in self.channels:
            return None
        return self.email if channel == "email" else self.mobile


class Directory(Protocol):
    async def contact(self, *, recipient_kind: str, recipient_key: uuid.UUID) -> Contact: ...

    async def offer_link(self, *, offer_id: uuid.UUID) -> str: ...


def _language(value: Any) -> Language:
    return cast(Language, value) if value in LANGUAGES else "it"


def household_contact(body: dict[str, Any]) -> Contact:
    """The registry lists only the channels the household consented to and has an address for."""
    email, mobile = body.get("email"), body.get("mobile")
    listed = set(body.get("channels") or ())
    channels: set[Channel] = set()
    if "email" in listed and email:
        channels.add("email")
    if "sms" in listed and mobile:
        channels.add("sms")
    return Contact(
        language=_language(body.get("language")),
        channels=frozenset(channels),
        email=email,
        mobile=mobile,
    )


def landlord_contact(body: dict[str, Any]) -> Contact:
    """A landlord is written to by email, and by SMS only when it prefers SMS."""
    email, phone = body.get("email"), body.get("phone")
    channels: set[Channel] = set()
    if email:
        channels.add("email")
    if phone and body.get("preferred_channel") == "sms":
        channels.add("sms")
    return Contact(
        language=_language(body.get("language")),
        channels=frozenset(channels),
        email=email,
        mobile=phone,
    )


class HttpDirectory:
    """Service-authenticated GETs; an unreachable service is transient, an unknown recipient not."""

    def __init__(self, *, client: ServiceClient) -> None:
        self._client = client

    async def _get(self, service: str, path: str, *, missing: str) -> dict[str, Any]:
        try:
            body = await self._client.get_json(service, path)
        except ServiceUnreachable:
            raise TransientDeliveryError(f"{service}_unreachable") from None
        except httpx.HTTPStatusError:
            # 401/403: our credentials or their configuration; an operator fixes it, nothing is lost.
            raise TransientDeliveryError(f"{service}_refused") from None
        if body is None:
            raise PermanentDeliveryError(missing)
        return body

    async def contact(self, *, recipient_kind: str, recipient_key: uuid.UUID) -> Contact:
        service, template = CONTACT_PATHS[recipient_kind]
        body = await self._get(service, template.format(id=recipient_key), missing="no_recipient")
        return household_contact(body) if recipient_kind == "household" else landlord_contact(body)

    async def offer_link(self, *, offer_id: uuid.UUID) -> str:
        try:
            body = await self._get("matching", LINK_PATH.format(id=offer_id), missing="no_link")
        except PermanentDeliveryError:
            raise OfferClosed("offer_closed") from None  # matching links open offers only
        link = body.get("url") or body.get("link")
        if not isinstance(link, str):
            raise PermanentDeliveryError("no_link")
        return link

    async def aclose(self) -> None:
        await self._client.aclose()
