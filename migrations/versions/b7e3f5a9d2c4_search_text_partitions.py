"""PostgreSQL: search_text split into 16 partitions by a hash of content_id, each with its own trigram
index (dutylist/search/backend.py: a search that stops at MAX_HITS + 1 reads them one after another and,
for a common phrase, stops in the first, where one GIN index listed all 56,000 candidates at 40,000
townships). SQLite: nothing (its FTS5 index stops early by itself).

Revision ID: b7e3f5a9d2c4
Revises: a4d9e1f7c3b2
Create Date: 2026-11-30 14:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b7e3f5a9d2c4"
down_revision = "a4d9e1f7c3b2"
branch_labels = None
depends_on = None

# kept here, not imported from the app, so that this migration stays what it was when written
PARTITIONS = 16
TRIGRAM_INDEX = "CREATE INDEX IF NOT EXISTS ix_search_text_trgm ON search_text USING gin (text gin_trgm_ops)"


def _partitioned(bind) -> bool:
    return bool(bind.exec_driver_sql(
        "SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass('search_text')").scalar())


def _has_trigrams(bind) -> bool:
    return bool(bind.exec_driver_sql("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'").scalar())


def _rebuild(partitioned: bool) -> None:
    """search_text made anew (partitioned or not) with the rows it holds, its constraints' names kept."""
    bind = op.get_bind()
    op.execute("DROP INDEX IF EXISTS ix_search_text_trgm")
    op.execute("ALTER TABLE search_text RENAME TO search_text_old")
    op.execute("ALTER TABLE search_text_old RENAME CONSTRAINT pk_search_text TO pk_search_text_old")
    op.execute("ALTER TABLE search_text_old RENAME CONSTRAINT fk_search_text_content_id_item_content "
               "TO fk_search_text_old_content_id")
    op.create_table(
        "search_text",
        sa.Column("content_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["content_id"], ["item_content.id"], name="fk_search_text_content_id_item_content"),
        sa.PrimaryKeyConstraint("content_id", name="pk_search_text"),
        **({"postgresql_partition_by": "HASH (content_id)"} if partitioned else {}),
    )
    if partitioned:
        for i in range(PARTITIONS):
            op.execute(f"CREATE TABLE search_text_p{i:02d} PARTITION OF search_text "
                       f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {i})")
    op.execute("INSERT INTO search_text (content_id, text) SELECT content_id, text FROM search_text_old")
    op.execute("DROP TABLE search_text_old")
    if _has_trigrams(bind):
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the trigram index builds several times faster
        op.execute(TRIGRAM_INDEX)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and not _partitioned(bind):
        _rebuild(partitioned=True)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _partitioned(bind):
        _rebuild(partitioned=False)
