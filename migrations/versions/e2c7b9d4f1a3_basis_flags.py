"""a change of law reaching the lists: basis_flag (an item of a current version citing a basis marked
amended or repealed)

Revision ID: e2c7b9d4f1a3
Revises: d1b4a5e0c7f2
Create Date: 2026-11-30 08:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e2c7b9d4f1a3"
down_revision = "d1b4a5e0c7f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "basis_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("basis_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("cleared_version_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["basis_id"], ["legal_basis.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("basis_flag") as batch:
        batch.create_index("ix_basis_flag_basis_open", ["basis_id", "cleared_at"], unique=False)
        batch.create_index("ix_basis_flag_county_open", ["county_id", "cleared_at"], unique=False)
        batch.create_index("ix_basis_flag_township_open", ["township_id", "cleared_at"], unique=False)


def downgrade():
    with op.batch_alter_table("basis_flag") as batch:
        batch.drop_index("ix_basis_flag_township_open")
        batch.drop_index("ix_basis_flag_county_open")
        batch.drop_index("ix_basis_flag_basis_open")
    op.drop_table("basis_flag")
