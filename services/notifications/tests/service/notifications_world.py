"""The other services as notifications sees them (contacts and offer links), served over HTTP by
the service tests and the chaos tier's T9."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

LINK_PREFIX = "https://casa.example.org/o/"
LINK = f"{LINK_PREFIX}AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


@dataclass
class World:
    """The other services as seen from notifications: contacts and offer links, served over HTTP."""

    households: dict[str, dict[str, Any]] = field(default_factory=dict)
    landlords: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    closed_offers: set[str] = field(default_factory=set)  # matching links open offers only
    link_per_offer: bool = False  # a link naming its offer, so each rendered message is distinct

    def household(
        self,
        *,
        language: str = "it",
        channels: tuple[str, ...] = ("email", "sms"),
        email_addr: str | None = None,
        mobile: str | None = None,
    ) -> uuid.UUID:
        hid = uuid.uuid4()
        self.households[str(hid)] = {
            "household_id": str(hid),
            "language": language,
            "email": email_addr or f"h-{hid.hex[:8]}@example.org",
            "mobile": mobile or f"+39347{hid.int % 10**7:07d}",
            "preferred_channel": "email",
            "channels": list(channels),
            "consents": {"contact_email": "email" in channels, "contact_sms": "sms" in channels},
        }
        return hid

    def landlord(self, *, language: str = "it") -> uuid.UUID:
        lid = uuid.uuid4()
        self.landlords[str(lid)] = {
            "landlord_id": str(lid),
            "display_name": "Immobiliare Test",
            "email": f"l-{lid.hex[:8]}@example.org",
            "phone": None,
            "preferred_channel": "email",
            "language": language,
        }
        return lid

    def _find(self, table: dict[str, dict[str, Any]], request: Request) -> JSONResponse:
        self.calls.append(request.url.path)
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return JSONResponse({"title": "no token"}, status_code=401)
        found = table.get(request.path_params["id"])
        if found is None:
            return JSONResponse({"title": "Not found"}, status_code=404)
        return JSONResponse(found)

    async def _household(self, request: Request) -> JSONResponse:
        return self._find(self.households, request)

    async def _landlord(self, request: Request) -> JSONResponse:
        return self._find(self.landlords, request)

    async def _link(self, request: Request) -> JSONResponse:
        self.calls.append(request.url.path)
        if request.path_params["id"] in self.closed_offers:
            return JSONResponse({"title": "Offer not found"}, status_code=404)
        offer = request.path_params["id"]
        if self.link_per_offer:
            return JSONResponse({"url": f"{LINK_PREFIX}{uuid.UUID(offer).hex}"})
        return JSONResponse({"url": LINK})

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/internal/v1/households/{id}/contact", self._household),
                Route("/internal/v1/landlords/{id}/contact", self._landlord),
                Route("/internal/v1/offers/{id}/link", self._link),
            ]
        )
