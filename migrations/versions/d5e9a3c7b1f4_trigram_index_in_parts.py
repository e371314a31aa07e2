"""PostgreSQL: the trigram index of search_text in 16 parts (partial indexes over content_id % 16), so that a
search cut at its 1,001st hit reads the candidates of one part rather than of every content (see
dutylist.search.backend.match_source). SQLite: nothing (its FTS5 table is unchanged).

Kept here, not imported from the app: a migration runs the DDL of its own time.

Revision ID: d5e9a3c7b1f4
Revises: c8f4a6b1e3d5
Create Date: 2026-11-30 17:40:00

"""
from alembic import op

revision = "d5e9a3c7b1f4"
down_revision = "c8f4a6b1e3d5"
branch_labels = None
depends_on = None

BUCKETS = 16


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_search_text_trgm")
    for k in range(BUCKETS):
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_search_text_trgm_{k} ON search_text USING gin (text gin_trgm_ops) "
                   f"WHERE content_id % {BUCKETS} = {k}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for k in range(BUCKETS):
        op.execute(f"DROP INDEX IF EXISTS ix_search_text_trgm_{k}")
    op.execute("CREATE INDEX IF NOT EXISTS ix_search_text_trgm ON search_text USING gin (text gin_trgm_ops)")
