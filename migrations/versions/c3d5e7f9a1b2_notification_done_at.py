"""notifications carry done_at: the task they announced was done (the header's count drops)

Revision ID: c3d5e7f9a1b2
Revises: c5d2e8f1a7b4
Create Date: 2026-11-30 05:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c3d5e7f9a1b2"
down_revision = "c5d2e8f1a7b4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("done_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("done_at")
