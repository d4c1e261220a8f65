"""The matching service's tables; its own metadata, so its database holds only its own tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import registry as orm_registry
from sqlmodel import Field, SQLModel

from shared.db import infra_tables


class Row(SQLModel, registry=orm_registry()):
    """Base of the matching service's tables."""


metadata = Row.metadata
infra = infra_tables(metadata)


class HouseholdProfile(Row, table=True):
    """The pseudonymous matching profile of a household, kept current from the registry's events."""

    __tablename__ = "household_profile"

    household_id: uuid.UUID = Field(primary_key=True)
    entity_version: int
    size: int
    residence_comune: str | None = Field(default=None, max_length=80)
    application_time: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))
