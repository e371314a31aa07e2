"""flask --app wsgi dump -o FILE / flask --app wsgi restore FILE [--force]."""
from __future__ import annotations

import sys
import time

import click

from .codec import BackupError
from .dump import dump_database
from .restore import restore_database


@click.command("dump")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="备份文件（gzip 压缩的 JSON 行）/ the dump file to write (gzip'd JSON lines)")
def dump_command(output):
    """备份整个数据库（全部版本、修订稿、意见、操作日志）到一个文件 / dump the whole database to one file."""
    started = time.monotonic()
    try:
        summary = dump_database(output)
    except BackupError as exc:
        click.echo(f"错误 / error: {exc}", err=True)
        sys.exit(2)
    audit = summary.audit
    click.echo(f"已备份 {summary.rows} 行（{len(summary.tables)} 张表）到 {summary.path}："
               f"{summary.bytes:,} 字节，sha256 {summary.sha256}，用时 {time.monotonic() - started:.1f} 秒")
    if audit["ok"]:
        click.echo(f"操作日志完整：{audit['entries']} 条，链头 {audit['head_hash']}")
    else:
        click.echo(f"警告 / warning: 源数据库的操作日志已不完整（第 {audit['first_bad_seq']} 条：{audit['problem']}），"
                   "已原样备份", err=True)


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="先清空目标数据库的全部表（同一事务内）/ wipe every table first")
def restore_command(path, force):
    """把备份文件恢复到空数据库（先 flask db upgrade 建表）/ restore a dump into an empty database."""
    started = time.monotonic()
    try:
        summary = restore_database(path, force=force)
    except BackupError as exc:
        click.echo(f"错误 / error: {exc}", err=True)
        sys.exit(2)
    src = summary.header.get("source", {})
    click.echo(f"已恢复 {summary.rows} 行（{len(summary.tables)} 张表），来源 {src.get('dialect')} "
               f"{src.get('server_version') or ''}，备份于 {summary.header.get('created_at')}"
               f"{'（已先清空目标数据库）' if summary.wiped else ''}，用时 {time.monotonic() - started:.1f} 秒")
    chain = summary.chain
    if chain.ok:
        click.echo(f"操作日志完整：{chain.checked} 条，链头 {chain.head_seq} {chain.head_hash}")
    else:
        click.echo(f"警告 / warning: 操作日志校验失败：第 {chain.first_bad_seq} 条 — {chain.problem}"
                   "（备份时即已如此，已原样恢复）", err=True)
        sys.exit(1)
