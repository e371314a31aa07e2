"""Adjustment requests (调整申请, 动态调整 and 职责准入): the requests, the townships they concern (and the draft
each became), the item changes asked for, and the request an added item came from

Revision ID: d2b6e8a4c1f7
Revises: d1e5a9c3b7f2
Create Date: 2026-11-30 08:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d2b6e8a4c1f7"
down_revision = "d1e5a9c3b7f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "adjustment_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("situation", sa.String(length=50), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("type IN ('dynamic', 'admission')", name=op.f("ck_adjustment_request_type")),
        sa.CheckConstraint("status IN ('submitted', 'accepted', 'rejected')", name=op.f("ck_adjustment_request_status")),
        sa.CheckConstraint("(status = 'submitted') = (decided_at IS NULL)",
                           name=op.f("ck_adjustment_request_decided_when_not_submitted")),
        sa.CheckConstraint("(decided_at IS NULL) = (decided_by_id IS NULL)",
                           name=op.f("ck_adjustment_request_decided_by_someone")),
        sa.ForeignKeyConstraint(["county_id"], ["organisation.id"],
                                name=op.f("fk_adjustment_request_county_id_organisation")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_adjustment_request_organisation_id_organisation")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user.id"],
                                name=op.f("fk_adjustment_request_requested_by_id_user")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"], name=op.f("fk_adjustment_request_decided_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment_request")),
    )
    with op.batch_alter_table("adjustment_request") as batch:
        batch.create_index(batch.f("ix_adjustment_request_status"), ["status"], unique=False)
        batch.create_index(batch.f("ix_adjustment_request_county_id"), ["county_id"], unique=False)
        batch.create_index(batch.f("ix_adjustment_request_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "request_township",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["adjustment_request.id"],
                                name=op.f("fk_request_township_request_id_adjustment_request")),
        sa.ForeignKeyConstraint(["township_id"], ["organisation.id"],
                                name=op.f("fk_request_township_township_id_organisation")),
        sa.ForeignKeyConstraint(["revision_id"], ["revision.id"], name=op.f("fk_request_township_revision_id_revision")),
        sa.PrimaryKeyConstraint("request_id", "township_id", name=op.f("pk_request_township")),
    )
    with op.batch_alter_table("request_township") as batch:
        batch.create_index(batch.f("ix_request_township_township_id"), ["township_id"], unique=False)
        batch.create_index(batch.f("ix_request_township_revision_id"), ["revision_id"], unique=False)
    op.create_table(
        "request_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.CheckConstraint("action IN ('add', 'change', 'move', 'remove')", name=op.f("ck_request_item_action")),
        sa.CheckConstraint("(action = 'add') = (item_id IS NULL)", name=op.f("ck_request_item_item_named")),
        sa.ForeignKeyConstraint(["request_id"], ["adjustment_request.id"],
                                name=op.f("fk_request_item_request_id_adjustment_request")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_request_item_item_id_item")),
        sa.ForeignKeyConstraint(["township_id"], ["organisation.id"],
                                name=op.f("fk_request_item_township_id_organisation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_item")),
    )
    with op.batch_alter_table("request_item") as batch:
        batch.create_index(batch.f("ix_request_item_request_id"), ["request_id"], unique=False)
    op.create_table(
        "item_origin",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_item_origin_item_id_item")),
        sa.ForeignKeyConstraint(["request_id"], ["adjustment_request.id"],
                                name=op.f("fk_item_origin_request_id_adjustment_request")),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_origin")),
    )
    with op.batch_alter_table("item_origin") as batch:
        batch.create_index(batch.f("ix_item_origin_request_id"), ["request_id"], unique=False)


def downgrade():
    with op.batch_alter_table("item_origin") as batch:
        batch.drop_index(batch.f("ix_item_origin_request_id"))
    op.drop_table("item_origin")
    with op.batch_alter_table("request_item") as batch:
        batch.drop_index(batch.f("ix_request_item_request_id"))
    op.drop_table("request_item")
    with op.batch_alter_table("request_township") as batch:
        batch.drop_index(batch.f("ix_request_township_revision_id"))
        batch.drop_index(batch.f("ix_request_township_township_id"))
    op.drop_table("request_township")
    with op.batch_alter_table("adjustment_request") as batch:
        batch.drop_index(batch.f("ix_adjustment_request_organisation_id"))
        batch.drop_index(batch.f("ix_adjustment_request_county_id"))
        batch.drop_index(batch.f("ix_adjustment_request_status"))
    op.drop_table("adjustment_request")
