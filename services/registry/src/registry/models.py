"""The registry's tables; its own metadata, so its database holds only its own tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import registry as orm_registry
from sqlmodel import Field, SQLModel

from shared.db import infra_tables


class Row(SQLModel, registry=orm_registry()):
    """Base of the registry's tables."""


metadata = Row.metadata
infra = infra_tables(metadata)


class Household(Row, table=True):
    __tablename__ = "household"

    id: uuid.UUID = Field(primary_key=True)
    caseworker_reference: str = Field(max_length=64)
    size: int
    residence_comune: str | None = Field(default=None, max_length=80)
    language: str = Field(max_length=8)
    status: str = Field(max_length=20, index=True)
    entity_version: int
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class ErasureConfirmation(Row, table=True):
    __tablename__ = "erasure_confirmation"

    erasure_id: uuid.UUID = Field(primary_key=True)
    service: str = Field(primary_key=True, max_length=40)
    household_id: uuid.UUID
    confirmed_at: datetime = Field(sa_type=DateTime(timezone=True))
