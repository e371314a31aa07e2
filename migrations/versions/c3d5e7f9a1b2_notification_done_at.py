"""notifications carry done_at: the task they announced was done (the header's count drops)

Revision ID: c3d5e7f9a1b2
Revises: c5d2e8f1a7b4
Create Date: 2026-11-30 05:00:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "c3d5e7f9a1b2"
down_revision = "c5d2e8f1a7b4"
branch_labels = None
depends_on = None


#: the kinds whose task belongs to a state of the revision (as dutylist.notifications.service.TASKS_OF_STATE)
TASKS = {
    ("submitted",): ("submitted",),
    ("signed_off", "opinion_requested", "deadline_near", "deadline_passed"): ("county_review",),
    ("returned",): ("returned",),
    ("review_requested",): ("prefecture_review", "region_review"),
}


def upgrade():
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("done_at", sa.DateTime(), nullable=True))
    # what waited before this migration and whose revision has left that state since is done already
    notification = sa.table("notification", sa.column("kind", sa.String), sa.column("revision_id", sa.Integer),
                            sa.column("read_at", sa.DateTime), sa.column("done_at", sa.DateTime))
    revision = sa.table("revision", sa.column("id", sa.Integer), sa.column("status", sa.String))
    now = datetime.now(UTC).replace(tzinfo=None)
    conn = op.get_bind()
    for kinds, states in TASKS.items():
        moved_on = sa.select(revision.c.id).where(revision.c.status.not_in(states))
        conn.execute(notification.update()
                     .where(notification.c.kind.in_(kinds), notification.c.done_at.is_(None),
                            notification.c.revision_id.in_(moved_on))
                     .values(done_at=now, read_at=sa.func.coalesce(notification.c.read_at, now)))


def downgrade():
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("done_at")
