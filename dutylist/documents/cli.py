"""flask --app wsgi export-list TOWNSHIP [--version N] --format docx|xlsx|pdf|csv|json -o PATH"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from ..extensions import db
from ..models import Organisation, OrgKind, Version
from ..services.audit import record_event
from .export import FORMATS, audit_details, render
from .export_pdf import PdfFontMissing
from .model import from_version


def find_township(name: str) -> Organisation:
    """By id, by name (大有镇) or by full name (昌吉回族自治州吉木萨尔县大有镇); ClickException if not one."""
    name = name.strip()
    towns = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.township)
                               .order_by(Organisation.id)).all()
    if name.isdigit():
        found = [t for t in towns if t.id == int(name)]
    else:
        found = [t for t in towns if t.name == name] or [t for t in towns if t.full_name == name
                                                         or t.full_name.endswith(name)]
    if not found:
        raise click.ClickException(f"找不到乡镇“{name}” / no such township")
    if len(found) > 1:
        names = "、".join(f"{t.full_name}（{t.id}）" for t in found)
        raise click.ClickException(f"“{name}”不唯一：{names}；请写全称或编号 / ambiguous township")
    return found[0]


@click.command("export-list")
@click.argument("township")
@click.option("--version", "version_number", type=int, help="版本号，默认现行版本 / version number (default: current)")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), required=True, help="导出格式 / format")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="输出文件（- 为标准输出）/ output file (- for stdout)")
def export_list_command(township, version_number, fmt, output):
    """导出乡镇清单的某一版本（Word、Excel、PDF、CSV、JSON）/ export a published version of a list."""
    org = find_township(township)
    stmt = select(Version).where(Version.township_id == org.id)
    if version_number is not None:
        version = db.session.scalar(stmt.where(Version.number == version_number))
    else:
        version = db.session.scalar(stmt.order_by(Version.number.desc()).limit(1))
    if version is None:
        raise click.ClickException(f"{org.name}没有{'第 %d 版' % version_number if version_number else '已发布的版本'} "
                                   "/ no such version")
    doc = from_version(version)
    try:
        data = render(doc, fmt)
    except PdfFontMissing as exc:
        raise click.ClickException(str(exc)) from None
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(output).write_bytes(data)
    record_event("export", township_id=org.id, target=f"version:{version.id}",
                 details=audit_details(doc, fmt, via="cli"))
    db.session.commit()
    if output != "-":
        click.echo(f"已导出 {doc.title} 第 {version.number} 版（{len(doc.entries)} 项）→ {output}")
