"""Alembic environment of the notifications service."""

from notifications.models import metadata
from shared.migrations import run_env

run_env(metadata)
