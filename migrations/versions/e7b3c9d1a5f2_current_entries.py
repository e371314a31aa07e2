"""current_entry: the entries of each township's current version with where they stand (derived from
version_chunk and chunk_entry; kept by publish_version), so a search of the current lists reads one row per
match instead of joining chunks, versions and "no later version".

Revision ID: e7b3c9d1a5f2
Revises: d5e9a3c7b1f4
Create Date: 2026-11-30 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e7b3c9d1a5f2"
down_revision = "d5e9a3c7b1f4"
branch_labels = None
depends_on = None

#: the current versions' entries, as snapshot.rebuild_current_entries writes them (a test runs both)
BACKFILL = (
    "INSERT INTO current_entry (township_id, chunk_pos, entry_pos, version_id, number, item_id, kind, content_id) "
    "SELECT v.township_id, vc.pos, ce.pos, v.id, v.number, ce.item_id, ce.kind, ce.content_id "
    "FROM version v JOIN version_chunk vc ON vc.version_id = v.id JOIN chunk_entry ce ON ce.chunk_id = vc.chunk_id "
    "WHERE NOT EXISTS (SELECT 1 FROM version later WHERE later.township_id = v.township_id AND later.number > v.number)")


def upgrade():
    op.create_table(
        "current_entry",
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("chunk_pos", sa.Integer(), nullable=False),
        sa.Column("entry_pos", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["content_id"], ["item_content.id"], name=op.f("fk_current_entry_content_id_item_content")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_current_entry_item_id_item")),
        sa.ForeignKeyConstraint(["township_id"], ["organisation.id"], name=op.f("fk_current_entry_township_id_organisation")),
        sa.ForeignKeyConstraint(["version_id"], ["version.id"], name=op.f("fk_current_entry_version_id_version")),
        sa.PrimaryKeyConstraint("township_id", "chunk_pos", "entry_pos", name=op.f("pk_current_entry")),
    )
    op.execute(BACKFILL)
    op.create_index("ix_current_entry_content_id", "current_entry",
                    ["content_id", "township_id", "version_id", "number", "item_id", "kind", "chunk_pos", "entry_pos"])


def downgrade():
    op.drop_index("ix_current_entry_content_id", table_name="current_entry")
    op.drop_table("current_entry")
