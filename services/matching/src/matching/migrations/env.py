"""Alembic environment of the matching service."""

from matching.models import metadata
from shared.migrations import run_env

run_env(metadata)
