"""township_count: the open townships of each county and how many have a published list, kept by
services/township_counts.py (the home page's counts at the region and prefecture levels)

Revision ID: a4d9e1f7c3b2
Revises: f3a8c2d6e9b1
Create Date: 2026-11-30 12:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a4d9e1f7c3b2"
down_revision = "f3a8c2d6e9b1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "township_count",
        sa.Column("parent_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("townships", sa.Integer(), nullable=False),
        sa.Column("published", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("parent_id", name=op.f("pk_township_count")),
    )
    # counted once from what is there; from now on the app keeps the rows
    op.execute(sa.text(
        "INSERT INTO township_count (parent_id, townships, published) "
        "SELECT t.parent_id, count(*), count(CASE WHEN EXISTS (SELECT 1 FROM version v "
        "WHERE v.township_id = t.id AND v.number = 1) THEN 1 END) "
        "FROM organisation t WHERE t.kind = 'township' AND t.closed_at IS NULL AND t.parent_id IS NOT NULL "
        "GROUP BY t.parent_id"))


def downgrade():
    op.drop_table("township_count")
