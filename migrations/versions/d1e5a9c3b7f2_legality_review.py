"""Legality review (合法性审查): the county 司法局's legality reviewer role, and its conclusions

Revision ID: d1e5a9c3b7f2
Revises: c5a1e7f3b9d2
Create Date: 2026-11-30 08:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d1e5a9c3b7f2"
down_revision = "c5a1e7f3b9d2"
branch_labels = None
depends_on = None

REVIEWERS = ("township_drafter", "county_office", "county_department", "prefecture_reviewer", "region_reviewer")
ADMINS = ("system_admin", "security_admin", "audit_admin")
NEW_CHECK = "role IS NULL OR role IN ({})".format(
    ",".join(f"'{r}'" for r in (*REVIEWERS, "legality_reviewer", *ADMINS)))
OLD_CHECK = "role IS NULL OR role IN ({})".format(",".join(f"'{r}'" for r in (*REVIEWERS, *ADMINS)))

user = sa.table("user", sa.column("role", sa.String))
revision_table = sa.table("revision", sa.column("status", sa.String))


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_constraint(op.f("ck_user_role"), type_="check")
        batch.create_check_constraint(op.f("ck_user_role"), NEW_CHECK)
    op.create_table(
        "legality_conclusion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("submission", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("conclusion", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("on_behalf_of_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("conclusion IN ('lawful', 'needs_change')", name=op.f("ck_legality_conclusion_conclusion")),
        sa.CheckConstraint("conclusion = 'lawful' OR reasons <> ''",
                           name=op.f("ck_legality_conclusion_needs_change_has_reasons")),
        sa.ForeignKeyConstraint(["revision_id"], ["revision.id"], name=op.f("fk_legality_conclusion_revision_id_revision")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user.id"], name=op.f("fk_legality_conclusion_reviewer_id_user")),
        sa.ForeignKeyConstraint(["on_behalf_of_id"], ["user.id"],
                                name=op.f("fk_legality_conclusion_on_behalf_of_id_user")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_legality_conclusion_organisation_id_organisation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legality_conclusion")),
        sa.UniqueConstraint("revision_id", "submission", name="uq_legality_conclusion_pass"),
    )
    with op.batch_alter_table("legality_conclusion") as batch:
        batch.create_index(batch.f("ix_legality_conclusion_revision_id"), ["revision_id"], unique=False)


def downgrade():
    conn = op.get_bind()
    if conn.execute(sa.select(sa.func.count()).select_from(revision_table)
                    .where(revision_table.c.status == "legality_review")).scalar():
        raise RuntimeError("revisions are in legality review: let the 司法局 conclude on them before downgrading")
    with op.batch_alter_table("legality_conclusion") as batch:
        batch.drop_index(batch.f("ix_legality_conclusion_revision_id"))
    op.drop_table("legality_conclusion")
    # the old schema has no legality reviewer: such accounts wait for another role
    op.execute(user.update().where(user.c.role == "legality_reviewer").values(role=None))
    with op.batch_alter_table("user") as batch:
        batch.drop_constraint(op.f("ck_user_role"), type_="check")
        batch.create_check_constraint(op.f("ck_user_role"), OLD_CHECK)
