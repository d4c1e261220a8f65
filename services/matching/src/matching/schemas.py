"""The matching service's API schemas."""

from __future__ import annotations

from pydantic import BaseModel


class PolicyView(BaseModel):
    version: str
    sections: list[str]


class PoolView(BaseModel):
    """What the next round would start from: households and units in the read models."""

    households: int
    households_by_comune: dict[str, int]
