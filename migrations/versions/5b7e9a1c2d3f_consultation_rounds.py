"""the consultation tells the truth: a department's state per pass, every reason kept, county rounds
apart from send-backs, draft flags, revisions compared with the current version

Revision ID: 5b7e9a1c2d3f
Revises: 3f1d2c4b5a6e
Create Date: 2026-11-30 08:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "5b7e9a1c2d3f"
down_revision = "3f1d2c4b5a6e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("revision") as batch:
        batch.add_column(sa.Column("previous_version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("submissions", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("returned_by", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("prefecture_send_backs", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("region_send_backs", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("no_consultation_reason", sa.Text(), nullable=True))
        batch.create_foreign_key(batch.f("fk_revision_previous_version_id_version"), "version",
                                 ["previous_version_id"], ["id"])
    with op.batch_alter_table("opinion") as batch:
        batch.add_column(sa.Column("submission", sa.Integer(), nullable=False, server_default="0"))

    op.create_table(
        "consultation_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("submission", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_items", sa.JSON(), nullable=True),
        sa.Column("carried_from_round", sa.Integer(), nullable=True),
        sa.Column("carried_from_submission", sa.Integer(), nullable=True),
        sa.Column("carried_items", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('pending','signed','carried','lapsed','released')",
                           name=op.f("ck_consultation_round_state")),
        sa.CheckConstraint("verdict IS NULL OR verdict IN ('no_opinion','with_opinions')",
                           name=op.f("ck_consultation_round_verdict")),
        sa.CheckConstraint("(state = 'signed') = (signed_at IS NOT NULL)",
                           name=op.f("ck_consultation_round_signed_has_time")),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"],
                                name=op.f("fk_consultation_round_consultation_id_consultation")),
        sa.ForeignKeyConstraint(["asked_by_id"], ["user.id"], name=op.f("fk_consultation_round_asked_by_id_user")),
        sa.ForeignKeyConstraint(["signed_by_id"], ["user.id"], name=op.f("fk_consultation_round_signed_by_id_user")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"], name=op.f("fk_consultation_round_decided_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_round")),
        sa.UniqueConstraint("consultation_id", "submission", name=op.f("uq_consultation_round_consultation_id")),
    )
    with op.batch_alter_table("consultation_round") as batch:
        batch.create_index(batch.f("ix_consultation_round_consultation_id"), ["consultation_id"], unique=False)
    op.create_table(
        "item_reason",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("submission", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["revision_id"], ["revision.id"], name=op.f("fk_item_reason_revision_id_revision")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_item_reason_item_id_item")),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], name=op.f("fk_item_reason_author_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_reason")),
    )
    with op.batch_alter_table("item_reason") as batch:
        batch.create_index(batch.f("ix_item_reason_revision_id"), ["revision_id"], unique=False)
    op.create_table(
        "draft_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_reason", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["revision_id"], ["revision.id"], name=op.f("fk_draft_flag_revision_id_revision")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_draft_flag_item_id_item")),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["user.id"], name=op.f("fk_draft_flag_resolved_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_flag")),
    )
    with op.batch_alter_table("draft_flag") as batch:
        batch.create_index(batch.f("ix_draft_flag_revision_id"), ["revision_id"], unique=False)

    _move_data()

    with op.batch_alter_table("draft_item") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("consultation") as batch:
        batch.drop_constraint("fk_consultation_signed_off_by_id_user", type_="foreignkey")
        for column in ("requested_round", "deadline", "signed_off_round", "signed_off_at", "signed_off_by_id",
                       "signed_hashes"):
            batch.drop_column(column)
        batch.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE consultation SET created_at = CURRENT_TIMESTAMP")
    with op.batch_alter_table("consultation") as batch:
        batch.alter_column("created_at", existing_type=sa.DateTime(), nullable=False)
    for table, columns in (("revision", ("submissions", "prefecture_send_backs", "region_send_backs")),
                           ("opinion", ("submission",))):
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, existing_type=sa.Integer(), server_default=None)


def _move_data():
    """What the old columns held, in the new shape: a revision's submissions were its rounds; its
    send-backs and last return come from the audit log; each consultation becomes the row of the
    pass it was last asked in; a draft item's last reason becomes its first kept reason."""
    conn = op.get_bind()
    audit = sa.table("audit_event", sa.column("revision_id", sa.Integer), sa.column("action", sa.String),
                     sa.column("from_state", sa.String), sa.column("seq", sa.Integer))
    rev = sa.table("revision", sa.column("id", sa.Integer), sa.column("round", sa.Integer),
                   sa.column("status", sa.String), sa.column("base_version_id", sa.Integer),
                   sa.column("previous_version_id", sa.Integer), sa.column("submissions", sa.Integer),
                   sa.column("returned_by", sa.String), sa.column("prefecture_send_backs", sa.Integer),
                   sa.column("region_send_backs", sa.Integer), sa.column("created_by_id", sa.Integer),
                   sa.column("updated_at", sa.DateTime))
    new_round = {}
    for rid, rnd, status, base in conn.execute(sa.select(rev.c.id, rev.c.round, rev.c.status, rev.c.base_version_id)):
        returns = conn.execute(sa.select(audit.c.action, audit.c.from_state).where(
            audit.c.revision_id == rid, audit.c.action.in_(("return_for_revision", "send_back")))
            .order_by(audit.c.seq)).all()
        pref = sum(1 for a, s in returns if a == "send_back" and s == "prefecture_review")
        region = sum(1 for a, s in returns if a == "send_back" and s == "region_review")
        last = returns[-1] if returns else None
        returned_by = None if last is None else ("county" if last[0] == "return_for_revision" else
                                                  "prefecture" if last[1] == "prefecture_review" else "region")
        resubmitted_after_send_back = pref + region - (1 if status == "returned" and returned_by in
                                                       ("prefecture", "region") else 0)
        new_round[rid] = max(0, rnd - max(0, resubmitted_after_send_back))
        conn.execute(rev.update().where(rev.c.id == rid).values(
            previous_version_id=base, submissions=rnd, returned_by=returned_by, prefecture_send_backs=pref,
            region_send_backs=region, round=new_round[rid]))
    opinion = sa.table("opinion", sa.column("round", sa.Integer), sa.column("submission", sa.Integer),
                       sa.column("revision_id", sa.Integer))
    conn.execute(opinion.update().values(submission=opinion.c.round))
    item = sa.table("draft_item", sa.column("revision_id", sa.Integer), sa.column("item_id", sa.Integer),
                    sa.column("reason", sa.Text), sa.column("updated_by_id", sa.Integer),
                    sa.column("updated_at", sa.DateTime))
    reason = sa.table("item_reason", sa.column("revision_id", sa.Integer), sa.column("item_id", sa.Integer),
                      sa.column("submission", sa.Integer), sa.column("action", sa.String),
                      sa.column("reason", sa.Text), sa.column("author_id", sa.Integer),
                      sa.column("created_at", sa.DateTime))
    rows = conn.execute(sa.select(item.c.revision_id, item.c.item_id, item.c.reason, item.c.updated_by_id,
                                  item.c.updated_at, rev.c.created_by_id, rev.c.submissions)
                        .join(rev, rev.c.id == item.c.revision_id).where(item.c.reason.is_not(None))).all()
    for rid, iid, text, by, at, creator, submissions in rows:
        conn.execute(reason.insert().values(revision_id=rid, item_id=iid, submission=submissions or 0, action="edit",
                                            reason=text, author_id=by or creator, created_at=at))
    old = sa.table("consultation", sa.column("id", sa.Integer), sa.column("revision_id", sa.Integer),
                   sa.column("requested_round", sa.Integer), sa.column("deadline", sa.Date),
                   sa.column("signed_off_round", sa.Integer), sa.column("signed_off_at", sa.DateTime),
                   sa.column("signed_off_by_id", sa.Integer), sa.column("signed_hashes", sa.JSON))
    new = sa.table("consultation_round", sa.column("consultation_id", sa.Integer), sa.column("submission", sa.Integer),
                   sa.column("round", sa.Integer), sa.column("state", sa.String), sa.column("deadline", sa.Date),
                   sa.column("asked_at", sa.DateTime), sa.column("signed_at", sa.DateTime),
                   sa.column("signed_by_id", sa.Integer), sa.column("signed_items", sa.JSON))
    for cid, rid, asked, deadline, signed_round, signed_at, signed_by, hashes in conn.execute(sa.select(
            old.c.id, old.c.revision_id, old.c.requested_round, old.c.deadline, old.c.signed_off_round,
            old.c.signed_off_at, old.c.signed_off_by_id, old.c.signed_hashes)):
        signed = signed_round is not None and signed_round >= asked
        updated = conn.execute(sa.select(rev.c.updated_at).where(rev.c.id == rid)).scalar()
        conn.execute(new.insert().values(
            consultation_id=cid, submission=asked, round=min(asked, new_round.get(rid, asked)) or asked,
            state="signed" if signed else "pending", deadline=deadline, asked_at=updated,
            signed_at=(signed_at or updated) if signed else None, signed_by_id=signed_by if signed else None,
            signed_items=hashes if signed else None))


def downgrade():
    raise NotImplementedError("the consultation record cannot be folded back into one row per department")
