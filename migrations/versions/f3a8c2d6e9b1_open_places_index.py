"""the open places of a kind under their parents, as an index the home page's counts read alone

Revision ID: f3a8c2d6e9b1
Revises: e2c7b9d4f1a3
Create Date: 2026-11-30 12:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "f3a8c2d6e9b1"
down_revision = "e2c7b9d4f1a3"
branch_labels = None
depends_on = None

_OPEN = "closed_at IS NULL"


def upgrade():
    with op.batch_alter_table("organisation") as batch:
        batch.create_index("ix_organisation_open_kind_parent", ["kind", "parent_id", "id"], unique=False,
                           postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN))


def downgrade():
    with op.batch_alter_table("organisation") as batch:
        batch.drop_index("ix_organisation_open_kind_parent", postgresql_where=sa.text(_OPEN),
                         sqlite_where=sa.text(_OPEN))
