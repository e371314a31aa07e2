"""the library of legal bases (依据库), items' citations (依据) and the content → basis links

Revision ID: d1b4a5e0c7f2
Revises: d2b6e8a4c1f7
Create Date: 2026-11-30 08:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d1b4a5e0c7f2"
down_revision = "d2b6e8a4c1f7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "legal_basis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("doc_number", sa.String(length=100), nullable=True),
        sa.Column("doc_key", sa.String(length=100), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("amended_on", sa.Date(), nullable=True),
        sa.Column("repealed_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False, server_default="in_force"),
        sa.Column("status_note", sa.Text(), nullable=False, server_default=""),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("excerpt", sa.Text(), nullable=False, server_default=""),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["replaced_by_id"], ["legal_basis.id"],
                                name=op.f("fk_legal_basis_replaced_by_id_legal_basis")),
        sa.ForeignKeyConstraint(["owner_id"], ["organisation.id"], name=op.f("fk_legal_basis_owner_id_organisation")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_legal_basis_created_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_basis")),
        sa.UniqueConstraint("doc_key", name=op.f("uq_legal_basis_doc_key")),
        sa.UniqueConstraint("title", "issuer", name=op.f("uq_legal_basis_title")),
    )
    with op.batch_alter_table("legal_basis") as batch:
        batch.create_index(batch.f("ix_legal_basis_owner_id"), ["owner_id"], unique=False)
    op.create_table(
        "content_basis",
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("basis_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["content_id"], ["item_content.id"], name=op.f("fk_content_basis_content_id_item_content")),
        sa.ForeignKeyConstraint(["basis_id"], ["legal_basis.id"], name=op.f("fk_content_basis_basis_id_legal_basis")),
        sa.PrimaryKeyConstraint("content_id", "position", name=op.f("pk_content_basis")),
    )
    with op.batch_alter_table("content_basis") as batch:
        batch.create_index("ix_content_basis_basis_id", ["basis_id"], unique=False)
    for table in ("item_content", "draft_item"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("bases", sa.JSON(), nullable=False, server_default="[]"))


def downgrade():
    for table in ("item_content", "draft_item"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("bases")
    op.drop_table("content_basis")
    op.drop_table("legal_basis")
