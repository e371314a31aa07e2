"""items get 备注 (remarks); organisations carry the name of their level (省/市/区/街道…)

Revision ID: b7e4a91c2d30
Revises: 5b7e9a1c2d3f
Create Date: 2026-12-01 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b7e4a91c2d30"
down_revision = "5b7e9a1c2d3f"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("item_content", "draft_item"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("remarks", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("level_name", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("level_name")
    for table in ("item_content", "draft_item"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("remarks")
