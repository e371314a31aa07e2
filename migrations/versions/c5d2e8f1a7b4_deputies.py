"""Deputies (代理): the delegation table; on_behalf_of on audit entries, opinions, replies and
sign-offs; a consultation's assignee (the county office reassigns a department's pending consultation)

Revision ID: c5d2e8f1a7b4
Revises: b7c41e9d2a53
Create Date: 2026-11-30 05:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c5d2e8f1a7b4"
down_revision = "b7c41e9d2a53"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "delegation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegator_id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_delegation_period")),
        sa.CheckConstraint("delegator_id <> deputy_id", name=op.f("ck_delegation_not_self")),
        sa.ForeignKeyConstraint(["delegator_id"], ["user.id"], name=op.f("fk_delegation_delegator_id_user")),
        sa.ForeignKeyConstraint(["deputy_id"], ["user.id"], name=op.f("fk_delegation_deputy_id_user")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_delegation_organisation_id_organisation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegation")),
    )
    with op.batch_alter_table("delegation") as batch:
        batch.create_index(batch.f("ix_delegation_delegator_id"), ["delegator_id"], unique=False)
        batch.create_index(batch.f("ix_delegation_deputy_id"), ["deputy_id"], unique=False)
        batch.create_index(batch.f("ix_delegation_organisation_id"), ["organisation_id"], unique=False)
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("on_behalf_of_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("on_behalf_of_name", sa.String(length=80), nullable=True))
        batch.create_index(batch.f("ix_audit_event_on_behalf_of_id"), ["on_behalf_of_id"], unique=False)
    for table in ("opinion", "opinion_reply"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("on_behalf_of_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(batch.f(f"fk_{table}_on_behalf_of_id_user"), "user", ["on_behalf_of_id"], ["id"])
    with op.batch_alter_table("consultation_round") as batch:
        batch.add_column(sa.Column("signed_on_behalf_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_consultation_round_signed_on_behalf_of_id_user"), "user",
                                 ["signed_on_behalf_of_id"], ["id"])
    with op.batch_alter_table("consultation") as batch:
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_consultation_assignee_id_user"), "user", ["assignee_id"], ["id"])


def downgrade():
    with op.batch_alter_table("consultation") as batch:
        batch.drop_constraint(batch.f("fk_consultation_assignee_id_user"), type_="foreignkey")
        batch.drop_column("assignee_id")
    with op.batch_alter_table("consultation_round") as batch:
        batch.drop_constraint(batch.f("fk_consultation_round_signed_on_behalf_of_id_user"), type_="foreignkey")
        batch.drop_column("signed_on_behalf_of_id")
    for table in ("opinion_reply", "opinion"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(batch.f(f"fk_{table}_on_behalf_of_id_user"), type_="foreignkey")
            batch.drop_column("on_behalf_of_id")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_index(batch.f("ix_audit_event_on_behalf_of_id"))
        batch.drop_column("on_behalf_of_name")
        batch.drop_column("on_behalf_of_id")
    op.drop_table("delegation")
