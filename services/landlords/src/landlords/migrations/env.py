"""Alembic environment of the landlords service."""

from landlords.models import metadata
from shared.migrations import run_env

run_env(metadata)
