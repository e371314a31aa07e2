"""township_count: rows for the prefectures too (the open townships two levels under them, through their
counties), so that a region's home page reads one row per prefecture rather than summing ~4,000 county rows

Revision ID: b3f8d2a6c4e1
Revises: e7b3c9d1a5f2
Create Date: 2026-12-01 03:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b3f8d2a6c4e1"
down_revision = "e7b3c9d1a5f2"
branch_labels = None
depends_on = None

_OPEN = "t.kind = 'township' AND t.closed_at IS NULL"
_FIRST = "EXISTS (SELECT 1 FROM version v WHERE v.township_id = under.town_id AND v.number = 1)"

#: every place one or two levels above open townships, as services/township_counts.py counts them (a test
#: compares the two)
RECOUNT = (
    "INSERT INTO township_count (parent_id, townships, published) "
    f"SELECT under.place_id, count(*), count(CASE WHEN {_FIRST} THEN 1 END) FROM ("
    f"SELECT t.parent_id AS place_id, t.id AS town_id FROM organisation t WHERE {_OPEN} AND t.parent_id IS NOT NULL "
    "UNION ALL "
    f"SELECT m.parent_id, t.id FROM organisation t JOIN organisation m ON m.id = t.parent_id "
    f"WHERE {_OPEN} AND m.parent_id IS NOT NULL) AS under GROUP BY under.place_id")

#: as the table was before: the counties' rows only
RECOUNT_ONE_LEVEL = (
    "INSERT INTO township_count (parent_id, townships, published) "
    "SELECT t.parent_id, count(*), count(CASE WHEN EXISTS (SELECT 1 FROM version v "
    "WHERE v.township_id = t.id AND v.number = 1) THEN 1 END) "
    f"FROM organisation t WHERE {_OPEN} AND t.parent_id IS NOT NULL GROUP BY t.parent_id")


def upgrade():
    op.execute(sa.text("DELETE FROM township_count"))
    op.execute(sa.text(RECOUNT))


def downgrade():
    op.execute(sa.text("DELETE FROM township_count"))
    op.execute(sa.text(RECOUNT_ONE_LEVEL))
