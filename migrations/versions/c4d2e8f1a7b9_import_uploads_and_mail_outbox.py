"""uploads awaiting confirmation, import jobs and the mail outbox move into the database (several servers)

Revision ID: c4d2e8f1a7b9
Revises: c5a8f2e1d904
Create Date: 2026-11-30 05:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c4d2e8f1a7b9"
down_revision = "c5a8f2e1d904"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_upload",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=True),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("parsed", sa.Text(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["township_id"], ["organisation.id"], name=op.f("fk_import_upload_township_id_organisation")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_import_upload_user_id_user")),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_import_upload")),
    )
    with op.batch_alter_table("import_upload") as batch:
        batch.create_index(batch.f("ix_import_upload_created_at"), ["created_at"], unique=False)
        batch.create_index(batch.f("ix_import_upload_user_id"), ["user_id"], unique=False)
    op.create_table(
        "outbox_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_mail")),
    )
    with op.batch_alter_table("outbox_mail") as batch:
        batch.create_index("ix_outbox_mail_due", ["sent_at", "next_attempt_at"], unique=False)


def downgrade():
    with op.batch_alter_table("outbox_mail") as batch:
        batch.drop_index("ix_outbox_mail_due")
    op.drop_table("outbox_mail")
    with op.batch_alter_table("import_upload") as batch:
        batch.drop_index(batch.f("ix_import_upload_user_id"))
        batch.drop_index(batch.f("ix_import_upload_created_at"))
    op.drop_table("import_upload")
