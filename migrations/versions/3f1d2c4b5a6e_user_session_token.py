"""users carry a random session token (ending a user's sessions no longer needs the app's secret in the model)

Revision ID: 3f1d2c4b5a6e
Revises: 8243c934c3a8
Create Date: 2026-11-30 06:00:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "3f1d2c4b5a6e"
down_revision = "8243c934c3a8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("session_token", sa.String(length=32), nullable=True))
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(user.c.id)).all():
        # every session issued before this migration ends: its key was of the old form
        conn.execute(user.update().where(user.c.id == user_id).values(session_token=secrets.token_hex(16)))
    with op.batch_alter_table("user") as batch:
        batch.alter_column("session_token", existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_column("session_token")
