"""The landlords service's API schemas, one per audience; request schemas forbid unknown fields."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

LandlordKind = Literal["private", "sas_operator", "cooperative", "public_owner"]
Language = Literal["it", "en", "ro", "ar", "pa", "hi", "fr"]
DisplayName = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
]


class LandlordCreate(BaseModel):
    """A landlord as a caseworker onboards it (identity checks come with the landlords issue)."""

    model_config = ConfigDict(extra="forbid")

    kind: LandlordKind
    display_name: DisplayName
    language: Language = "it"


class LandlordView(BaseModel):
    id: uuid.UUID
    kind: str
    display_name: str
    language: str
    created_at: datetime


class LandlordOnboardedView(BaseModel):
    """The answer to onboarding: the API key is shown here once and never again."""

    landlord: LandlordView
    api_key: str
    api_key_id: str


class LandlordPage(BaseModel):
    items: list[LandlordView]
