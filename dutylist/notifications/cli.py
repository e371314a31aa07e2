"""flask --app wsgi send-reminders: deadline reminders for departments (cron-friendly, idempotent);
flask --app wsgi send-mail: the mail worker (sends the outbox, retrying with backoff)."""
from __future__ import annotations

from datetime import date

import click
from flask import current_app

from ..extensions import db
from . import mail
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


@click.command("send-mail")
@click.option("--once", is_flag=True, help="发送一轮后退出（供 cron 调用）/ one pass, then exit (cron)")
@click.option("--interval", default=5.0, show_default=True, help="两轮之间的秒数 / seconds between passes")
def send_mail_command(once, interval):
    """发送待发邮件（失败按指数退避重试）/ send the mail outbox, retrying failures with exponential backoff."""
    if not current_app.config.get("SMTP_HOST"):
        click.echo("未配置 SMTP_HOST：不发送邮件 / SMTP_HOST is not set", err=True)
        if once:
            return
    mail.worker(once=once, interval=interval, echo=click.echo)
