"""The registry's API schemas, one per audience; request schemas forbid unknown fields."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Language = Literal["it", "en", "ro", "ar", "pa", "hi", "fr"]
Reference = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9/_.\-]+$")
]
ComuneName = Annotated[str, StringConstraints(min_length=1, max_length=80)]


class HouseholdCreate(BaseModel):
    """A household as a caseworker registers it (the fuller application form comes with the registry issue)."""

    model_config = ConfigDict(extra="forbid")

    caseworker_reference: Reference
    size: int = Field(ge=1, le=20)
    residence_comune: ComuneName | None = None
    language: Language = "it"


class HouseholdCaseworkerView(BaseModel):
    id: uuid.UUID
    caseworker_reference: str
    size: int
    residence_comune: str | None
    language: str
    status: str
    entity_version: int
    created_at: datetime
    updated_at: datetime


class HouseholdPage(BaseModel):
    items: list[HouseholdCaseworkerView]
    next_cursor: str | None = None
