"""Writing a dump: every table, streamed from one consistent snapshot into one gzip file."""
from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..config import ROOT
from ..extensions import db
from ..models.base import utcnow
from ..services.audit import GENESIS, entry_hash
from .codec import ENCODERS, FORMAT, FORMAT_VERSION, BackupError, column_kind, dumps_line

FETCH = 5000  #: rows fetched per round trip (a server-side cursor on PostgreSQL)


@dataclass
class DumpSummary:
    path: str
    tables: dict[str, int]
    bytes: int
    sha256: str
    audit: dict
    header: dict = field(repr=False, default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def app_version() -> str:
    """The git commit of the checkout when there is one (read from .git, no subprocess), else 'unknown'."""
    git = ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            path = git / ref
            if path.exists():
                return path.read_text().strip()[:12]
            for line in (git / "packed-refs").read_text().splitlines():
                if line.endswith(" " + ref):
                    return line.split()[0][:12]
            return "unknown"
        return head[:12]
    except OSError:
        return "unknown"


def schema_revision() -> str | None:
    """The Alembic head of migrations/ (what `flask db upgrade` builds)."""
    try:

        cfg = Config()
        cfg.set_main_option("script_location", str(ROOT / "migrations"))
        heads = ScriptDirectory.from_config(cfg).get_heads()
        return ",".join(sorted(heads)) or None
    except Exception:  # noqa: BLE001 - informational only
        return None


def table_schema(table) -> list[dict]:
    return [{"name": c.name, "type": column_kind(c)} for c in table.columns]


class _ChainCheck:
    """Verifies the audit chain on the rows as they stream past (the same snapshot as the dump)."""

    ATTR = {"details": "details_text"}  # column name -> attribute name used by entry_hash

    def __init__(self):
        self.prev, self.expected, self.checked, self.problem, self.bad_seq = GENESIS, 1, 0, None, None
        self.head = None

    def event(self, row: dict) -> None:
        if self.problem:
            return
        seq = row["seq"]
        if seq != self.expected:
            self.problem, self.bad_seq = f"序号不连续：期望 {self.expected}，实为 {seq}", seq
        elif row["prev_hash"] != self.prev:
            self.problem, self.bad_seq = "前序哈希不符", seq
        elif entry_hash(self.prev, {self.ATTR.get(k, k): v for k, v in row.items()}) != row["hash"]:
            self.problem, self.bad_seq = "内容哈希不符", seq
        else:
            self.prev, self.expected, self.checked = row["hash"], self.expected + 1, self.checked + 1

    def result(self) -> dict:
        problem = self.problem
        if problem is None and self.head is not None and (self.head["seq"], self.head["hash"]) != (self.checked, self.prev):
            problem = "链头与最后一条记录不符（记录被删除或截断）"
        return {"ok": problem is None, "entries": self.checked, "head_seq": self.checked, "head_hash": self.prev,
                "first_bad_seq": self.bad_seq, "problem": problem}


def _rows(conn, table, columns: list, order: list):
    """The table's rows (as `columns`), ordered by primary key, streamed.

    A self-referencing table (organisation.parent_id) must list parents before children; ordering by
    primary key does that in practice, and is checked: when it does not hold, the rows are read and sorted.
    """
    stmt = select(*columns).order_by(*order)
    self_fks = [fk for fk in table.foreign_keys if fk.column.table is table]
    if self_fks:
        violation = False
        for fk in self_fks:
            child, parent = fk.parent, fk.column
            if conn.execute(select(child).where(child.isnot(None), child >= parent).limit(1)).first():
                violation = True
        if violation:
            return _parents_sorted(conn.execute(stmt).all(), table, self_fks)
    return conn.execution_options(stream_results=True, yield_per=FETCH).execute(stmt)


def _parents_sorted(rows, table, self_fks):
    index = {c.name: i for i, c in enumerate(table.columns)}
    links = [(index[fk.parent.name], index[fk.column.name]) for fk in self_fks]
    pk = index[self_fks[0].column.name]
    by_key = {r[pk]: r for r in rows}
    depth: dict = {}

    def depth_of(key, seen: frozenset = frozenset()):
        if key not in depth:
            row, d = by_key[key], 0
            for child_i, parent_i in links:
                up = row[child_i]
                if up is not None and up in by_key and up not in seen and up != key:
                    d = max(d, depth_of(up, seen | {key}) + 1)
            depth[key] = d
        return depth[key]
    return sorted(rows, key=lambda r: (depth_of(r[pk]), r[pk]))


def _write_body(conn, out, tables) -> tuple[dict[str, int], str, int, dict]:
    """Stream every table's rows into `out` (a binary file); return counts, sha256, bytes, chain check."""
    digest, size, counts = hashlib.sha256(), 0, {}
    chain = _ChainCheck()

    def emit(line: bytes):
        nonlocal size
        digest.update(line)
        size += len(line)
        out.write(line)

    for table in tables:
        cols = list(table.columns)
        names = [c.name for c in cols]
        kinds = [column_kind(c) for c in cols]
        # JSON columns: read "IS NULL" too, so SQL NULL and the JSON value null stay apart
        null_at = {i: len(cols) + n for n, i in enumerate(i for i, k in enumerate(kinds) if k == "json")}
        flags = [cols[i].is_(None) for i in null_at]
        encoders = [ENCODERS.get(k) for k in kinds]
        order = list(table.primary_key.columns) or cols
        emit(dumps_line({"table": table.name}))
        n = 0
        is_audit, is_head = table.name == "audit_event", table.name == "audit_head"
        for row in _rows(conn, table, cols + flags, order):
            values = [(None if row[null_at[i]] else [row[i]]) if i in null_at else encoders[i](row[i])
                      for i in range(len(cols))]
            emit(dumps_line(values))
            n += 1
            if is_audit:
                chain.event(dict(zip(names, row)))
            elif is_head:
                head = dict(zip(names, row))
                if head.get("id") == 1:
                    chain.head = {"seq": head["seq"], "hash": head["hash"]}
        counts[table.name] = n
    return counts, digest.hexdigest(), size, chain.result()


def dump_database(path: str | os.PathLike, *, compresslevel: int = 6) -> DumpSummary:
    """Write the whole database to `path` (replaced only when the dump is complete)."""
    path = Path(path)
    directory = path.resolve().parent
    if not directory.is_dir():
        raise BackupError(f"目录不存在 / no such directory: {directory}")
    tables = list(db.metadata.sorted_tables)
    engine = db.engine
    body = tempfile.NamedTemporaryFile(prefix=".dump-body-", dir=directory, delete=False)
    final_tmp = directory / f".{path.name}.partial"
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
                conn.begin()
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            elif engine.dialect.name == "sqlite":
                conn.begin()
                conn.exec_driver_sql("BEGIN")  # one read transaction: a consistent snapshot
            else:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
                conn.begin()
            server = ".".join(str(x) for x in (engine.dialect.server_version_info or ()))
            with gzip.GzipFile(fileobj=body, mode="wb", compresslevel=compresslevel, mtime=0) as gz:
                counts, sha, size, audit = _write_body(conn, gz, tables)
            conn.rollback()
        body.close()
        header = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": app_version(),
            "schema_revision": schema_revision(), "created_at": utcnow().isoformat(timespec="microseconds"),
            "source": {"dialect": engine.dialect.name, "server_version": server},
            "tables": [{"name": t.name, "columns": table_schema(t), "rows": counts[t.name]} for t in tables],
            "body_bytes": size, "sha256": sha, "audit": audit,
        }
        # the file holds password and token hashes: readable by its owner only
        fd = os.open(final_tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(gzip.compress(dumps_line(header), compresslevel=compresslevel, mtime=0))
            with open(body.name, "rb") as src:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
        os.replace(final_tmp, path)
    except SQLAlchemyError as exc:
        raise BackupError(f"读取数据库失败（数据库结构是否与本程序一致？可先运行 flask db upgrade）/ reading the database "
                          f"failed: {str(exc).splitlines()[0][:300]}") from exc
    except OSError as exc:
        raise BackupError(f"写入备份文件失败 / cannot write the dump: {exc}") from exc
    finally:
        body.close()
        for leftover in (Path(body.name), final_tmp):
            leftover.unlink(missing_ok=True)
    return DumpSummary(str(path), counts, path.stat().st_size, sha, audit, header)
