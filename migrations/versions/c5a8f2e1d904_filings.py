"""Filings (备案): every version published through the review is filed with the prefecture's (and/or the
region's) establishment office, which acknowledges receipt

Revision ID: c5a8f2e1d904
Revises: c3d5e7f9a1b2
Create Date: 2026-11-30 05:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c5a8f2e1d904"
down_revision = "c3d5e7f9a1b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "filing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(acknowledged_at IS NULL) = (acknowledged_by_id IS NULL)",
                           name=op.f("ck_filing_acknowledged")),
        sa.CheckConstraint("level IN ('prefecture', 'region')", name=op.f("ck_filing_level")),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["user.id"],
                                name=op.f("fk_filing_acknowledged_by_id_user")),
        sa.ForeignKeyConstraint(["office_id"], ["organisation.id"], name=op.f("fk_filing_office_id_organisation")),
        sa.ForeignKeyConstraint(["township_id"], ["organisation.id"],
                                name=op.f("fk_filing_township_id_organisation")),
        sa.ForeignKeyConstraint(["version_id"], ["version.id"], name=op.f("fk_filing_version_id_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filing")),
        sa.UniqueConstraint("version_id", "level", name="uq_filing_version_level"),
    )
    with op.batch_alter_table("filing") as batch:
        batch.create_index(batch.f("ix_filing_office_id"), ["office_id"], unique=False)
        batch.create_index(batch.f("ix_filing_township_id"), ["township_id"], unique=False)


def downgrade():
    with op.batch_alter_table("filing") as batch:
        batch.drop_index(batch.f("ix_filing_township_id"))
        batch.drop_index(batch.f("ix_filing_office_id"))
    op.drop_table("filing")
