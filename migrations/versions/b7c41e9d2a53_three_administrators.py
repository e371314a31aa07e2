"""三员分立 and running the system from the browser: the administrator's role split in three, accounts
without a role yet and temporary passwords, closed organisations, the county department aliases

Existing `admin` accounts become system administrators (系统管理员: organisations, accounts,
configuration), the nearest of the three to what the single administrator did; they no longer read
the audit log. Create a security administrator and an audit administrator afterwards
(`flask create-user NAME --role security_admin|audit_admin --organisation …`).

Revision ID: b7c41e9d2a53
Revises: b7e4a91c2d30
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b7c41e9d2a53"
down_revision = "b7e4a91c2d30"
branch_labels = None
depends_on = None

REVIEWERS = ("township_drafter", "county_office", "county_department", "prefecture_reviewer", "region_reviewer")
NEW_CHECK = "role IS NULL OR role IN ({})".format(
    ",".join(f"'{r}'" for r in (*REVIEWERS, "system_admin", "security_admin", "audit_admin")))
OLD_CHECK = "role IN ({})".format(",".join(f"'{r}'" for r in (*REVIEWERS, "admin")))

user = sa.table("user", sa.column("role", sa.String))


def upgrade():
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_organisation_updated_at", ["updated_at"], unique=False)
    # the old check refuses the new roles: drop it before moving the administrators
    with op.batch_alter_table("user") as batch:
        batch.drop_constraint(op.f("ck_user_role"), type_="check")
    op.execute(user.update().where(user.c.role == "admin").values(role="system_admin"))
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.alter_column("role", existing_type=sa.String(length=30), nullable=True)
        batch.create_check_constraint(op.f("ck_user_role"), NEW_CHECK)
    op.create_table(
        "department_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=110), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["organisation.id"], name="fk_department_alias_county_id_organisation"),
        sa.ForeignKeyConstraint(["department_id"], ["organisation.id"],
                                name="fk_department_alias_department_id_organisation"),
        sa.PrimaryKeyConstraint("id", name="pk_department_alias"),
        sa.UniqueConstraint("county_id", "key", name="uq_department_alias_county_id"),
    )
    with op.batch_alter_table("department_alias") as batch:
        batch.create_index("ix_department_alias_county_id", ["county_id"], unique=False)
        batch.create_index("ix_department_alias_department_id", ["department_id"], unique=False)


def downgrade():
    conn = op.get_bind()
    if conn.execute(sa.select(sa.func.count()).select_from(user).where(user.c.role.is_(None))).scalar():
        raise RuntimeError("accounts without a role exist: give them a role or delete them before downgrading "
                           "(the old schema has no account without a role)")
    with op.batch_alter_table("department_alias") as batch:
        batch.drop_index("ix_department_alias_department_id")
        batch.drop_index("ix_department_alias_county_id")
    op.drop_table("department_alias")
    with op.batch_alter_table("user") as batch:
        batch.drop_constraint(op.f("ck_user_role"), type_="check")
    # the three administrators were one before
    op.execute(user.update().where(user.c.role.in_(["system_admin", "security_admin", "audit_admin"]))
               .values(role="admin"))
    with op.batch_alter_table("user") as batch:
        batch.alter_column("role", existing_type=sa.String(length=30), nullable=False)
        batch.drop_column("must_change_password")
        batch.create_check_constraint(op.f("ck_user_role"), OLD_CHECK)
    with op.batch_alter_table("organisation") as batch:
        batch.drop_index("ix_organisation_updated_at")
        batch.drop_column("updated_at")
        batch.drop_column("closed_at")
