"""The landlords service's tables; its own metadata, so its database holds only its own tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import registry as orm_registry
from sqlmodel import Field, SQLModel

from shared.db import infra_tables


class Row(SQLModel, registry=orm_registry()):
    """Base of the landlords service's tables."""


metadata = Row.metadata
infra = infra_tables(metadata)


class Landlord(Row, table=True):
    __tablename__ = "landlord"

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(max_length=20)
    display_name: str = Field(max_length=200)
    language: str = Field(max_length=8)
    entity_version: int
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class ApiKey(Row, table=True):
    __tablename__ = "api_key"

    key_id: str = Field(primary_key=True, max_length=16)
    landlord_id: uuid.UUID = Field(foreign_key="landlord.id", index=True)
    secret_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
