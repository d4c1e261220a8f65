"""the landlord's label for a unit

Revision ID: 9d3e4f506172
Revises: b83819b7b521
Create Date: 2026-12-04 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '9d3e4f506172'
down_revision: str | None = 'b83819b7b521'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('unit_fact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unit_fact', schema=None) as batch_op:
        batch_op.drop_column('reference')
