"""API schemas of landlords, their keys and the internal endpoints, one per audience."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel

from landlords.landlord_rules import LandlordOnboarding


def _utc(value: datetime | None) -> datetime | None:
    """Every time is stored in UTC; SQLite reads it back without its zone (T16 found it)."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


Utc = Annotated[datetime, AfterValidator(_utc)]

# The onboarding request is the colleague's closed domain schema: extra fields are refused.
LandlordCreate = LandlordOnboarding


class LandlordView(BaseModel):
    """A landlord as staff and the landlord itself see it."""

    id: uuid.UUID
    legal_form: str
    kind: str
    display_name: str
    codice_fiscale: str | None
    partita_iva: str | None
    email: str | None
    phone: str | None
    preferred_channel: str
    language: str
    created_at: Utc


class LandlordOnboardedView(BaseModel):
    """The answer to onboarding: the API key is shown here once and never again."""

    landlord: LandlordView
    api_key: str
    api_key_id: str


class LandlordPage(BaseModel):
    items: list[LandlordView]
    next_cursor: str | None = None


class ApiKeyView(BaseModel):
    key_id: str
    created_at: Utc
    revoked_at: Utc | None
    last_used_at: Utc | None
    use_count: int
    active: bool


class ApiKeyIssuedView(BaseModel):
    """A new key, shown once; the previous key stays valid until it is revoked."""

    key: ApiKeyView
    api_key: str


class ApiKeyList(BaseModel):
    items: list[ApiKeyView]


class LandlordContact(BaseModel):
    """What notifications needs to reach a landlord, at send time only (DESIGN: contacts)."""

    landlord_id: uuid.UUID
    display_name: str
    email: str | None
    phone: str | None
    preferred_channel: str
    language: str


class HouseholdOfferExport(BaseModel):
    offer_id: uuid.UUID
    unit_id: uuid.UUID
    programme: str | None
    status: str
    landlord_decision: str | None
    landlord_reason_code: str | None
    landlord_reason_text: str | None
    decided_at: datetime | None
    created_at: datetime


class HouseholdExportPart(BaseModel):
    """The landlords service's part of a household's export (RELIABILITY 4.5)."""

    service: str = "landlords"
    household_id: uuid.UUID
    offers: list[HouseholdOfferExport]
