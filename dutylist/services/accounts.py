"""Accounts, as the system and security administrators keep them (三员分立).

The system administrator creates accounts (one by one, or from an Excel sheet), edits, deactivates
and reactivates them and resets forgotten passwords; every new or reset password is a random
temporary one, returned once to be shown once (never stored in clear, never logged), and the user
must change it at the next sign-in. A new account has no role: the security administrator gives it
one. Every change is audited with its actor, never with a password.
"""
from __future__ import annotations

import io
import re
import secrets
import string
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import func, select

from workflow import permissions as perm
from workflow.errors import Conflict, Forbidden, Invalid

from ..extensions import db
from ..models import ADMIN_ROLES, ORG_KIND_LABELS, ROLE_LABELS, ROLE_ORG_KIND, Organisation, OrgKind, Role, User
from ..textrules import put_row
from ..vocabulary import EMAIL_PATTERN
from . import passwords
from .audit import record_event
from .departments import role_fits
from .orgs import find_organisation, path_text
from .tokens import revoke_tokens

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,79}")
USERNAME_RULE = "用户名须为 2–80 位字母、数字、点、下划线或连字符，以字母或数字开头"
DISPLAY_MAX = 100
#: the columns of the accounts sheet (邮箱 may be left out)
COLUMNS = ("用户名", "姓名", "单位", "邮箱")
REQUIRED_COLUMNS = ("用户名", "姓名", "单位")
MAX_ROWS = 2000
#: a temporary password: unambiguous letters and digits (no 0/O, 1/l/I), read out over the phone
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def temporary_password(username: str = "") -> str:
    """A random password that passes the policy (14 characters, upper, lower and digits)."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(14))
        if (any(c.isupper() for c in candidate) and any(c.islower() for c in candidate)
                and any(c.isdigit() for c in candidate) and not passwords.problems(candidate, username)):
            return candidate


# ------------------------------------------------------------------ checks ----
def username_problem(username: str) -> str | None:
    if not username:
        return "请填写用户名"
    if not USERNAME.fullmatch(username):
        return USERNAME_RULE
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        return f"用户名“{username}”已存在"
    return None


def email_problem(email: str | None) -> str | None:
    if email and (len(email) > 254 or not re.fullmatch(EMAIL_PATTERN, email)):
        return f"电子邮箱格式不正确：{email}"
    return None


def display_problem(name: str) -> str | None:
    if not name:
        return "请填写姓名"
    if len(name) > DISPLAY_MAX:
        return f"姓名不能超过 {DISPLAY_MAX} 个字"
    return None


def _temporary(user: User) -> str:
    password = temporary_password(user.username)
    passwords.set_password(user, password)  # also ends every session of the user
    user.must_change_password = True
    return password


# ------------------------------------------------------------------ one account ----
def create_account(username: str, display_name: str, organisation: Organisation, actor, email: str | None = None,
                   via: str = "web") -> tuple[User, str]:
    """A new account without a role, with a temporary password: (user, the password, to show once)."""
    username, display_name = (username or "").strip(), (display_name or "").strip()
    email = (email or "").strip() or None
    problems = [p for p in (username_problem(username), display_problem(display_name), email_problem(email)) if p]
    if organisation is None or organisation.closed_at is not None:
        problems.append("请选择一个未撤销的单位")
    if problems:
        raise Invalid("；".join(problems), problems)
    user = User(username=username, display_name=display_name, organisation=organisation, email=email, role=None)
    password = _temporary(user)
    db.session.add(user)
    db.session.flush()
    record_event("user_create", actor=actor, target=f"user:{user.id}",
                 details={"username": username, "organisation": path_text(organisation), "via": via})
    return user, password


def edit_account(user: User, actor, display_name: str, organisation: Organisation, email: str | None) -> None:
    display_name, email = (display_name or "").strip(), (email or "").strip() or None
    problems = [p for p in (display_problem(display_name), email_problem(email)) if p]
    if organisation is None or (organisation.closed_at is not None and organisation.id != user.organisation_id):
        problems.append("请选择一个未撤销的单位")
    elif not role_fits(user, organisation.kind):
        expected = ORG_KIND_LABELS[ROLE_ORG_KIND[Role(user.role)]]
        problems.append(f"该账号的角色为{user.role_label}，单位须为{expected}；"
                        f"如要调到{organisation.kind_label}，请先由安全保密管理员收回其角色")
    if problems:
        raise Invalid("；".join(problems), problems)
    changes = {}
    if display_name != user.display_name:
        changes["display_name"] = [user.display_name, display_name]
    if organisation.id != user.organisation_id:
        changes["organisation"] = [path_text(user.organisation), path_text(organisation)]
    if email != user.email:
        changes["email"] = "set" if email else "cleared"
    if not changes:
        raise Invalid("没有修改任何内容")
    user.display_name, user.organisation, user.email = display_name, organisation, email
    db.session.flush()
    record_event("user_edit", actor=actor, target=f"user:{user.id}", details={"username": user.username, **changes})


def deactivate(user: User, actor) -> None:
    if not user.active:
        raise Conflict(f"账号 {user.username} 已停用")
    if perm.is_security_administrator(user) and db.session.scalar(select(func.count(User.id)).where(
            User.role.in_([Role.security_admin.value]), User.active.is_(True), User.id != user.id)) == 0:
        raise Conflict("这是最后一个在用的安全保密管理员账号，不能停用：请先另建一个安全保密管理员")
    user.active = False
    user.end_sessions()  # signed out at the next request (load_user refuses an inactive user anyway)
    record_event("user_deactivate", actor=actor, target=f"user:{user.id}", details={"username": user.username})


def reactivate(user: User, actor) -> None:
    if user.active:
        raise Conflict(f"账号 {user.username} 未停用")
    if user.organisation.closed_at is not None:
        raise Conflict(f"账号所属单位“{user.organisation.name}”已撤销：请先把账号调到其他单位")
    user.active = True
    record_event("user_reactivate", actor=actor, target=f"user:{user.id}", details={"username": user.username})


def reset_password(user: User, actor) -> str:
    """A new temporary password (returned once), to be changed at the next sign-in; every session of
    the user ends. The audit entry says who reset whose password, never the password."""
    password = _temporary(user)
    record_event("password_reset", actor=actor, target=f"user:{user.id}", details={"username": user.username})
    return password


# ------------------------------------------------------------------ roles (the security administrator) ----
def role_choices(user: User) -> list[Role]:
    """The roles the account may be given: those of its organisation's kind; the administrators' only
    to an account that has no role yet (no account holds two of them, nor one after reviewing)."""
    kind = user.organisation.kind
    fitting = [r for r, k in ROLE_ORG_KIND.items() if k == kind]
    return fitting + ([] if perm.has_role(user) else list(ADMIN_ROLES))


def assign_role(user: User, role: str | None, actor) -> None:
    """Give the account a role (None: take its role away). Refused in Chinese: one's own account; an
    administrator's account (its role never changes: deactivate it, create another); an administrator's
    role for an account that already has a role; a role for the wrong kind of organisation."""
    if user.id == actor.id:
        raise Forbidden("不能修改自己的角色")
    new = None
    if role:
        try:
            new = Role(role)
        except ValueError:
            raise Invalid("角色无效") from None
    if perm.is_administrator(user):
        raise Conflict(f"“{user.username}”是{user.role_label}：三员账号不得兼任其他角色，也不改作他用；"
                       "如需调整，请停用该账号并另建账号")
    if new is not None and perm.is_administrator_role(new) and perm.has_role(user):
        raise Conflict(f"三员角色（{ROLE_LABELS[new]}）只能授予尚未分配角色的新账号：“{user.username}”已是"
                       f"{user.role_label}，一个账号不得兼任")
    if new is not None and not perm.is_administrator_role(new):
        expected = ROLE_ORG_KIND[new]
        if user.organisation.kind != expected:
            raise Invalid(f"角色“{ROLE_LABELS[new]}”须属于{ORG_KIND_LABELS[expected]}，"
                          f"而“{user.username}”属于{user.organisation.kind_label}“{user.organisation.name}”")
    old = user.role
    if (new.value if new is not None else None) == old:
        raise Invalid("角色没有变化")
    user.role = new.value if new is not None else None
    record_event("role_assign", actor=actor, target=f"user:{user.id}",
                 details={"username": user.username, "old": old, "new": user.role})


def unlock(user: User, actor) -> None:
    """Lift the sign-in lock of the user name (failed attempts counted after this no longer include the
    earlier ones: dutylist.ratelimit reads the unlock entry)."""
    record_event("account_unlock", actor=actor, target=f"user:{user.id}", details=unlock_details(user.username))


def unlock_details(username: str) -> dict:
    """What an unlock entry holds: the user name, as a failed sign-in's entry does (the rate limit
    matches both by it)."""
    return {"username": username[:80]}


def end_sessions(user: User, actor) -> None:
    """Sign the user out everywhere (every session and remember-me cookie)."""
    user.end_sessions()
    record_event("sessions_end", actor=actor, target=f"user:{user.id}", details={"username": user.username})


def revoke_api_tokens(user: User, actor) -> int:
    return revoke_tokens(user, by=actor)


# ------------------------------------------------------------------ the accounts sheet ----
@dataclass
class SheetRow:
    """One row of an accounts sheet, with what is wrong with it."""

    row: int  #: the row number as Excel shows it
    username: str
    display_name: str
    organisation_text: str
    email: str
    problems: list[str] = field(default_factory=list)
    organisation: Organisation | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def values(self) -> dict:
        return {"row": self.row, "username": self.username, "display_name": self.display_name,
                "organisation": self.organisation_text, "email": self.email}


class SheetError(Exception):
    """The file is not an accounts sheet at all (its message is Chinese)."""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def read_sheet(data: bytes) -> list[dict]:
    """The rows of the first sheet with a header row naming 用户名, 姓名, 单位 (and 邮箱): [{row, username,
    display_name, organisation, email}]; blank rows skipped. SheetError if it is not such a sheet."""
    if not data.startswith(b"PK\x03\x04"):
        raise SheetError("文件不是 Excel 工作簿（.xlsx）")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise SheetError("无法读取该 Excel 文件，请用 Excel 或 WPS 另存为 .xlsx 后再上传") from None
    try:
        for sheet in workbook.worksheets:
            header, columns, out = None, {}, []
            for number, cells in enumerate(sheet.iter_rows(values_only=True), 1):
                values = [_text(v) for v in cells]
                if header is None:
                    names = [v.replace(" ", "") for v in values]
                    if all(c in names for c in REQUIRED_COLUMNS):
                        header = number
                        columns = {c: names.index(c) for c in COLUMNS if c in names}
                    elif number >= 10:
                        break  # no header in the first rows: not this sheet
                    continue
                if not any(values):
                    continue
                if len(out) >= MAX_ROWS:
                    raise SheetError(f"一次最多导入 {MAX_ROWS} 个账号，请分批导入")

                def cell(name, values=values):
                    i = columns.get(name)
                    return values[i] if i is not None and i < len(values) else ""
                out.append({"row": number, "username": cell("用户名"), "display_name": cell("姓名"),
                            "organisation": cell("单位"), "email": cell("邮箱")})
            if header is not None:
                if not out:
                    raise SheetError("表头下没有账号行")
                return out
    finally:
        workbook.close()
    raise SheetError("找不到表头：第一张表的前 10 行中须有“用户名”“姓名”“单位”三列（“邮箱”可选）")


def check_rows(rows: list[dict]) -> list[SheetRow]:
    """Every row with its problems (by row number): required cells, the user name's form, user names
    repeated in the sheet or taken already, the organisation found (open and unique), the e-mail."""
    checked = []
    seen: dict[str, int] = {}
    for raw in rows:
        r = SheetRow(int(raw.get("row") or 0), _text(raw.get("username")), _text(raw.get("display_name")),
                     _text(raw.get("organisation")), _text(raw.get("email")))
        problem = username_problem(r.username)
        if problem:
            r.problems.append(problem)
        low = r.username.lower()
        if low and low in seen:
            r.problems.append(f"用户名与第 {seen[low]} 行重复")
        elif low:
            seen[low] = r.row
        if (problem := display_problem(r.display_name)):
            r.problems.append(problem)
        org, problem = find_organisation(r.organisation_text)
        if problem:
            r.problems.append(problem if r.organisation_text else "请填写单位")
        r.organisation = org
        if (problem := email_problem(r.email)):
            r.problems.append(problem)
        checked.append(r)
    return checked


def create_from_rows(rows: list[dict], actor) -> list[tuple[User, str]]:
    """Create every account of the sheet, or none: Invalid (naming the bad rows) if any row is bad.
    Returns (user, temporary password) for each, to be shown once."""
    checked = check_rows(rows)
    bad = [r for r in checked if not r.ok]
    if not checked:
        raise Invalid("没有要导入的账号")
    if bad:
        raise Invalid(f"有 {len(bad)} 行有误，未创建任何账号", [f"第 {r.row} 行：{'；'.join(r.problems)}" for r in bad])
    created = []
    for r in checked:
        created.append(create_account(r.username, r.display_name, r.organisation, actor, r.email or None, via="excel"))
    return created


def template_sheet() -> bytes:
    """An empty accounts sheet with its header and one example row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "账号"
    ws.append(list(COLUMNS))
    ws.append(["jimsar-civil2", "张三", "昌吉回族自治州/吉木萨尔县/吉木萨尔县民政局", "zhangsan@example.gov.cn"])
    for col, width in zip("ABCD", (20, 12, 50, 30), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ listing and export ----
EXPORT_COLUMNS = ("用户名", "姓名", "单位", "邮箱", "角色", "状态", "须修改密码", "创建时间（UTC）")


def query(text: str = "", role: str = "", state: str = ""):
    """A SELECT of accounts: by user name or name (text), by role ('none': without one), active or not."""
    stmt = select(User)
    if text:
        low = text.lower()  # % and _ typed are letters, not wildcards
        stmt = stmt.where(func.lower(User.username).contains(low, autoescape=True)
                          | func.lower(User.display_name).contains(low, autoescape=True))
    if role == "none":
        stmt = stmt.where(User.role.is_(None))
    elif role in {r.value for r in Role}:
        stmt = stmt.where(User.role.in_([role]))
    if state == "active":
        stmt = stmt.where(User.active.is_(True))
    elif state == "inactive":
        stmt = stmt.where(User.active.is_(False))
    return stmt.order_by(User.id)


def export_rows(stmt) -> list[tuple]:
    rows = []
    for user in db.session.scalars(stmt):
        rows.append((user.username, user.display_name, path_text(user.organisation), user.email or "",
                     user.role_label, "启用" if user.active else "停用", "是" if user.must_change_password else "",
                     user.created_at.strftime("%Y-%m-%d %H:%M")))
    return rows


def export_xlsx(rows: list[tuple]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "账号"
    put_row(ws, list(EXPORT_COLUMNS))
    for row in rows:
        put_row(ws, list(row))  # text that looks like a formula stays text
    for col, width in zip("ABCDEFGH", (20, 12, 50, 30, 16, 8, 10, 18), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def role_counts() -> dict[str | None, int]:
    """Active accounts per role (None: without a role)."""
    return dict(db.session.execute(select(User.role, func.count()).where(User.active.is_(True))
                                   .group_by(User.role)).all())


def organisation_kinds_for(role: Role) -> str:
    kind = ROLE_ORG_KIND.get(role)
    return ORG_KIND_LABELS[OrgKind(kind)] if kind else "任意单位"
