"""chunk_entry's index by content and version_chunk's by chunk carry what a search reads of their rows
(chunk, position, item, table; version, position): the search's joins read the indexes alone.

Revision ID: c8f4a6b1e3d5
Revises: a4d9e1f7c3b2
Create Date: 2026-11-30 14:50:00

"""
from alembic import op

revision = "c8f4a6b1e3d5"
down_revision = "a4d9e1f7c3b2"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_chunk_entry_content_id", table_name="chunk_entry")
    op.create_index("ix_chunk_entry_content_id", "chunk_entry", ["content_id", "chunk_id", "pos", "item_id", "kind"])
    op.drop_index("ix_version_chunk_chunk_id", table_name="version_chunk")
    op.create_index("ix_version_chunk_chunk_id", "version_chunk", ["chunk_id", "version_id", "pos"])


def downgrade():
    op.drop_index("ix_version_chunk_chunk_id", table_name="version_chunk")
    op.create_index("ix_version_chunk_chunk_id", "version_chunk", ["chunk_id"])
    op.drop_index("ix_chunk_entry_content_id", table_name="chunk_entry")
    op.create_index("ix_chunk_entry_content_id", "chunk_entry", ["content_id"])
