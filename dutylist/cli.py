"""Command-line verbs: flask --app wsgi <command>."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click
from sqlalchemy import select

from forms.auth import EMAIL_PATTERN
from workflow import diagram
from workflow.errors import WorkflowError

from .documents.file_types import parse_path
from .extensions import db
from .importers.columns import ROLE_LABELS
from .importers.parsed import ImportFailure
from .models import ROLE_ORG_KIND, Organisation, OrgKind, Role, User
from .services import passwords, township_counts
from .services.audit import check_head, head, record_event, verify_chain
from .services.demo import add_demo_bases, seed_demo
from .services.import_list import import_list
from .services.orgs import add_organisation, find_organisation
from .services.passwords import problems as password_problems
from .services.tokens import create_token, revoke_tokens


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.command("import-list")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--township", help="乡镇名称或“州县乡镇”全称，文件未写明时使用 / place, when the document does not name it")
@click.option("--dry-run", is_flag=True, help="只解析、报告，不写入数据库 / parse and report only")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出报告 / print the report as JSON")
@click.option("--column", "columns", multiple=True, metavar="列名=用途",
              help="指定某列导入为什么（可多次），如 实施依据=备注、子项=跳过、项目名称=事项名称；"
                   f"用途：{'、'.join(re.split('[（，]', v)[0] for v in ROLE_LABELS.values())} / map a column")
def import_list_command(path, township, dry_run, as_json, columns):
    """导入一份履职事项清单（文本、Word .docx 或 Excel .xlsx）为乡镇的第 1 版 / import a duty list as a township's version 1."""
    try:
        parsed = parse_path(path, township=township, columns=_column_choices(columns))
        report = parsed.report()
        if not dry_run:
            version = import_list(parsed)
            record_event("import", township_id=version.township_id, target=f"version:{version.id}",
                         details={"file": str(path).rsplit("/", 1)[-1], "counts": parsed.counts(), "via": "cli"})
            db.session.commit()
            report["version_id"] = version.id
    except (ImportFailure, OSError) as exc:
        db.session.rollback()
        click.echo(f"错误 / error: {exc}", err=True)
        sys.exit(2)
    report["dry_run"] = dry_run
    if as_json:
        _echo_json(report)
    else:
        c = report["counts"]
        click.echo(f"{report['region'] or ''} {report['prefecture']} {report['county']} {report['township']}: "
                   f"基本 {c['basic']}，配合 {c['cooperative']}，收回 {c['withdrawn']}，"
                   f"警告 {len(report['warnings'])}{'（试运行，未写入）' if dry_run else ''}")
        for col in parsed.columns:
            if col.how != "official":
                click.echo(f"  列“{col.header}”→ {col.use_label}（{col.how_label}，{col.cells} 格有内容）")


def _column_choices(pairs) -> dict[str, str]:
    """--column 列名=用途 as {header key: role}; the use by its key or its Chinese label (备注)."""
    by_label = {re.split("[（，]", label)[0]: key for key, label in ROLE_LABELS.items()}
    out = {}
    for pair in pairs:
        header, _, use = pair.partition("=")
        role = use.strip() if use.strip() in ROLE_LABELS else by_label.get(use.strip())
        if not header.strip() or role is None:
            raise click.BadParameter(f"“{pair}”应为 列名=用途，用途为：{'、'.join(by_label)}", param_hint="--column")
        out["".join(header.split())] = role
    return out


@click.command("seed-demo")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出演示账号 / print the demo accounts")
def seed_demo_command(as_json):
    """载入演示数据：五个示例乡镇及各角色演示账号 / load the demo data."""
    result = seed_demo()
    add_demo_bases()
    db.session.commit()
    if as_json:
        _echo_json(result["accounts"])
    else:
        for item in result["imported"]:
            click.echo(f"已导入 {item['township']}: {item['counts']}")
        click.echo(f"演示账号 {len(result['accounts'])} 个（--json 列出全部），例如：")
        for acc in result["accounts"][:8]:
            click.echo(f"  {acc['username']:<22} {acc['role']:<20} {acc['organisation']}  密码 {acc['password']}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--organisation", "org_name", required=True, help="所属单位名称")
@click.option("--email", default=None, help="电子邮箱（接收待办提醒邮件；用户也可在“邮箱”页面自行填写）")
@click.password_option(help="密码（至少 10 位，含至少两类字符，不含用户名，非常见密码）")
def create_user_command(username, role, org_name, email, password):
    """创建用户 / create a user."""
    role = Role(role)
    kind = ROLE_ORG_KIND.get(role)
    stmt = select(Organisation).where(Organisation.name == org_name, Organisation.closed_at.is_(None))
    if kind is not None:
        stmt = stmt.where(Organisation.kind == kind)
    orgs = db.session.scalars(stmt).all()
    if len(orgs) != 1:
        click.echo(f"错误 / error: 找不到唯一的单位“{org_name}”（角色 {role.value} 需要 {kind or '任意'} 类单位）", err=True)
        sys.exit(2)

    weak = password_problems(password, username)
    if weak:
        click.echo("错误 / error: " + "；".join(weak), err=True)
        sys.exit(2)
    if email is not None:

        email = email.strip() or None
        if email is not None and (len(email) > 254 or not re.fullmatch(EMAIL_PATTERN, email)):
            click.echo(f"错误 / error: 电子邮箱格式不正确：{email}", err=True)
            sys.exit(2)
    if db.session.scalar(select(User.id).where(User.username == username)):
        click.echo(f"错误 / error: 用户名 {username} 已存在", err=True)
        sys.exit(2)
    user = User(username=username, display_name=username, role=role, organisation=orgs[0], email=email)
    passwords.set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record_event("user_create", organisation=orgs[0], target=f"user:{user.id}",
                 details={"username": username, "role": role.value, "via": "cli"})
    db.session.commit()
    click.echo(f"已创建用户 {username}")


@click.command("create-org")
@click.argument("name")
@click.option("--kind", type=click.Choice([k.value for k in OrgKind]), required=True,
              help="region 自治区, prefecture 州, county 县, township 乡镇, office 县委编办, department 县直部门")
@click.option("--parent", "parent_text", default=None, help="上级单位的名称或路径（自治区不填）")
@click.option("--short-name", default=None, help="简称，如 昌吉州")
def create_org_command(name, kind, parent_text, short_name):
    """新增单位（首次安装时建立自治区，供三员账号所属；此后请在“机构管理”页面维护）/ add an organisation."""
    parent = None
    if parent_text:
        parent, problem = find_organisation(parent_text)
        if problem:
            click.echo(f"错误 / error: {problem}", err=True)
            sys.exit(2)
    try:
        org = add_organisation(name, kind, parent, None, short_name=short_name)
    except WorkflowError as exc:
        db.session.rollback()
        click.echo(f"错误 / error: {exc.message}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"已新增{org.kind_label} {org.name}（id {org.id}）")


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="", help="用途说明")
@click.option("--revoke", is_flag=True, help="吊销该用户的全部令牌 / revoke all of the user's tokens")
def create_token_command(username, name, revoke):
    """为用户生成 API 令牌（只显示一次）/ create an API bearer token for a user."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        click.echo(f"错误 / error: 用户 {username} 不存在", err=True)
        sys.exit(2)
    if revoke:
        n = revoke_tokens(user)
        db.session.commit()
        click.echo(f"已吊销 {n} 个令牌")
        return
    token = create_token(user, name)
    db.session.commit()
    click.echo(token)


@click.command("audit-verify")
@click.option("--head", "head_file", type=click.File("r", encoding="utf-8"),
              help="之前导出的链头 JSON：同时核对此前的记录未被改写 / a previously exported chain head")
@click.option("--json", "as_json", is_flag=True)
def audit_verify_command(head_file, as_json):
    """校验操作日志哈希链 / verify the audit log's hash chain (exit 1 on the first bad entry)."""
    if head_file is not None:
        try:
            saved = json.load(head_file)
        except ValueError:
            click.echo("错误 / error: 链头文件不是有效的 JSON / the head file is not valid JSON", err=True)
            sys.exit(2)
        result = check_head(saved)
    else:
        result = verify_chain()
    if as_json:
        _echo_json(result.__dict__)
    elif result.ok:
        click.echo(f"操作日志完整：{result.checked} 条，链头 {result.head_seq} {result.head_hash}")
    else:
        click.echo(f"操作日志校验失败：第 {result.first_bad_seq} 条 — {result.problem}", err=True)
    sys.exit(0 if result.ok else 1)


@click.command("audit-head")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
def audit_head_command(output):
    """导出操作日志链头（JSON），请保存在数据库之外 / export the audit chain head."""
    data = head()
    record_event("audit_head_export", details={"seq": data["seq"], "hash": data["hash"], "via": "cli"})
    db.session.commit()
    output.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@click.command("workflow-diagram")
@click.option("-o", "--out-dir", default="docs", type=click.Path(file_okay=False), show_default=True)
def workflow_diagram_command(out_dir):
    """从状态机生成流程图（Mermaid 与 SVG）/ write the state diagram drawn from the machine."""


    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "workflow.mmd").write_text(diagram.mermaid(), encoding="utf-8")
    (out / "workflow.svg").write_text(diagram.svg(), encoding="utf-8")
    click.echo(f"已写入 {out / 'workflow.mmd'} 和 {out / 'workflow.svg'}")


@click.command("township-counts")
@click.option("--rebuild", is_flag=True, help="重新统计并保存 / count everything again and keep it")
def township_counts_command(rebuild):
    """核对首页的乡镇数统计 / check the kept township counts against a count made now (exit 1 on a difference)."""
    conn = db.session.connection()
    if rebuild:
        township_counts.rebuild(conn)
        db.session.commit()
        conn = db.session.connection()
    wrong = township_counts.mismatches(conn)
    for place_id, was, now in wrong:
        click.echo(f"单位 {place_id}：保存的 {was[0]} 个乡镇（{was[1]} 个已发布），实际 {now[0]} 个（{now[1]} 个已发布）", err=True)
    if not wrong:
        click.echo("乡镇数统计一致 / the township counts agree")
    sys.exit(1 if wrong else 0)


def init_app(app):
    for cmd in (import_list_command, seed_demo_command, create_user_command, create_org_command, create_token_command,
                audit_verify_command, audit_head_command, workflow_diagram_command, township_counts_command):
        app.cli.add_command(cmd)
