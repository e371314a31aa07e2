"""sign-in attempts in flight: the sign-in limit counts them, so it cannot be raced

Revision ID: c5a1e7f3b9d2
Revises: c4d2e8f1a7b9
Create Date: 2026-11-30 05:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c5a1e7f3b9d2"
down_revision = "c4d2e8f1a7b9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempt")),
    )
    with op.batch_alter_table("sign_in_attempt") as batch:
        batch.create_index(batch.f("ix_sign_in_attempt_username"), ["username"], unique=False)
        batch.create_index(batch.f("ix_sign_in_attempt_ip"), ["ip"], unique=False)
        batch.create_index(batch.f("ix_sign_in_attempt_created_at"), ["created_at"], unique=False)


def downgrade():
    op.drop_table("sign_in_attempt")
