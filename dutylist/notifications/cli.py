"""flask --app wsgi send-reminders: deadline reminders for departments (cron-friendly, idempotent)."""
from __future__ import annotations

from datetime import date

import click

from ..extensions import db
from .service import send_reminders


@click.command("send-reminders")
@click.option("--days", default=2, show_default=True, help="提前几天提醒 / remind when the deadline is this near")
@click.option("--today", "today", default=None, help="以该日期为今天（YYYY-MM-DD，测试用）/ pretend today is this date")
def send_reminders_command(days, today):
    """为截止日期临近或已过、尚未签署的部门生成提醒通知 / remind departments of near or passed deadlines."""
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD", param_hint="--today") from None
    created = send_reminders(day, near_days=days)
    db.session.commit()
    click.echo(f"已生成提醒 {len(created)} 条")
