"""Reading a dump back: checked first, then inserted in one transaction, then verified."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select, text

from ..extensions import db
from ..services.audit import VerifyResult, verify_chain
from .codec import FORMAT, FORMAT_VERSION, BackupError, column_kind, decode_value

BATCH = 2000  #: rows per INSERT batch


@dataclass
class RestoreSummary:
    tables: dict[str, int]
    header: dict
    chain: VerifyResult
    wiped: bool

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# ------------------------------------------------------------------ reading the file
def _open_lines(path: Path):
    """The file's lines (bytes); gzip and I/O errors become BackupError."""
    try:
        with gzip.open(path, "rb") as fh:
            yield from fh
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise BackupError(f"文件不存在 / no such file: {path}") from None
        if isinstance(exc, EOFError):
            raise BackupError("文件不完整（被截断）/ the file is truncated") from None
        if isinstance(exc, gzip.BadGzipFile) and "Not a gzipped file" in str(exc):
            raise BackupError("不是数据库备份文件（不是 gzip 格式）/ not a dump file (not gzip)") from None
        raise BackupError(f"文件已损坏 / the file is corrupt: {exc}") from None


def read_header(lines) -> dict:
    try:
        first = next(lines)
    except StopIteration:
        raise BackupError("文件为空 / the file is empty") from None
    try:
        header = json.loads(first)
    except (ValueError, UnicodeDecodeError):
        raise BackupError("不是数据库备份文件（无有效文件头）/ not a dump file (no valid header)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("不是数据库备份文件（格式标识不符）/ not a dump file (wrong format marker)")
    if header.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"不支持的备份格式版本 {header.get('format_version')!r}（本程序支持 {FORMAT_VERSION}）"
                          f" / unsupported dump format version")
    tables = header.get("tables")
    if (not isinstance(tables, list) or not all(isinstance(t, dict) and isinstance(t.get("name"), str)
                                                and isinstance(t.get("columns"), list)
                                                and isinstance(t.get("rows"), int) for t in tables)
            or not isinstance(header.get("sha256"), str)):
        raise BackupError("备份文件头不完整 / the dump header is incomplete")
    return header


def _table_marker(line: bytes) -> str | None:
    """The table name of a {"table": NAME} line, None for a row line."""
    if not line.startswith(b"{"):
        return None
    try:
        marker = json.loads(line)
    except ValueError:
        raise BackupError("备份内容损坏（无法解析的行）/ corrupt dump body (unparseable line)") from None
    if not isinstance(marker, dict) or not isinstance(marker.get("table"), str):
        raise BackupError("备份内容损坏（无效的表标记）/ corrupt dump body (bad table marker)")
    return marker["table"]


def check_file(path: Path) -> dict:
    """Read the whole file once: header, checksum, table order and row counts. Writes nothing."""
    lines = _open_lines(path)
    header = read_header(lines)
    expected = [(t["name"], t["rows"]) for t in header["tables"]]
    digest, size, seen, current, n = hashlib.sha256(), 0, [], None, 0
    for line in lines:
        digest.update(line)
        size += len(line)
        if not line.endswith(b"\n"):
            raise BackupError("文件不完整（最后一行被截断）/ the file is truncated (last line cut)")
        name = _table_marker(line)
        if name is not None:
            if current is not None:
                seen.append((current, n))
            current, n = name, 0
        elif current is None:
            raise BackupError("备份内容损坏（数据行前没有表标记）/ corrupt dump body (rows before a table)")
        else:
            n += 1
    if current is not None:
        seen.append((current, n))
    if digest.hexdigest() != header["sha256"] or size != header.get("body_bytes"):
        raise BackupError("校验和不符：文件被截断或改动过 / checksum mismatch: the file was truncated or altered")
    if seen != expected:
        raise BackupError("各表行数与文件头不符 / table row counts differ from the header")
    return header


# ------------------------------------------------------------------ the target database
def _check_schema(conn, header: dict) -> None:
    tables = {t.name: t for t in db.metadata.sorted_tables}
    present = set(inspect(conn).get_table_names())
    missing = [name for name in tables if name not in present]
    if missing:
        raise BackupError(f"目标数据库缺少表 {', '.join(missing)}：请先运行 flask db upgrade / "
                          "the target has no schema (or an old one): run `flask db upgrade` first")
    dumped = {t["name"]: t for t in header["tables"]}
    if set(dumped) != set(tables):
        extra, lacking = sorted(set(dumped) - set(tables)), sorted(set(tables) - set(dumped))
        raise BackupError(f"备份与本程序的表不一致（备份多出 {extra}，缺少 {lacking}）/ the dump's tables differ "
                          "from this version's: restore with the application version that wrote it")
    inspector = inspect(conn)
    for name, table in tables.items():
        cols = dumped[name]["columns"]
        if not all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in cols):
            raise BackupError("备份文件头不完整 / the dump header is incomplete")
        have = {c["name"]: c.get("type") for c in cols}
        want = {c.name: column_kind(c) for c in table.columns}
        if have != want:
            raise BackupError(f"表 {name} 的列与本程序不一致 / table {name}: columns differ "
                              f"(dump {sorted(have.items())}, this version {sorted(want.items())})")
        in_db = {c["name"] for c in inspector.get_columns(name)}
        if not set(want) <= in_db:
            raise BackupError(f"目标数据库的表 {name} 缺少列 {sorted(set(want) - in_db)}：请先运行 flask db upgrade"
                              " / the target schema is out of date: run `flask db upgrade` first")


def _nonempty_tables(conn) -> list[str]:
    return [t.name for t in db.metadata.sorted_tables
            if conn.execute(select(text("1")).select_from(t).limit(1)).first() is not None]


def _wipe(conn) -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if conn.dialect.name == "postgresql":  # transactional in PostgreSQL: rolled back with the rest
        prep = conn.dialect.identifier_preparer
        conn.exec_driver_sql("TRUNCATE " + ", ".join(prep.format_table(t) for t in tables))
    else:
        for t in tables:
            conn.execute(t.delete())


def _reset_sequences(conn) -> None:
    """New rows get fresh ids: PostgreSQL sequences (and SQLite AUTOINCREMENT counters) to max(id)."""
    for table in db.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or column_kind(pk[0]) != "integer":
            continue
        col = pk[0]
        if conn.dialect.name == "postgresql":
            prep = conn.dialect.identifier_preparer
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({prep.quote(col.name)}), 0) + 1, false)"
                f" FROM {prep.format_table(table)}"), {"t": prep.format_table(table), "c": col.name})
        elif conn.dialect.name == "sqlite":
            if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
                top = conn.execute(select(func.max(col))).scalar()
                conn.execute(text("UPDATE sqlite_sequence SET seq = :s WHERE name = :t"),
                             {"s": top or 0, "t": table.name})


def _insert_rows(conn, path: Path, header: dict) -> None:
    """Second pass: decode and insert every row, in batches; re-check the checksum as we go."""
    tables = {t.name: t for t in db.metadata.sorted_tables}
    dumped = {t["name"]: [c["name"] for c in t["columns"]] for t in header["tables"]}
    lines = _open_lines(path)
    read_header(lines)
    digest = hashlib.sha256()
    table, names, kinds, batch = None, [], [], []

    def flush():
        if batch:
            conn.execute(table.insert(), batch)
            batch.clear()

    for line in lines:
        digest.update(line)
        name = _table_marker(line)
        if name is not None:
            flush()
            table, names = tables[name], dumped[name]
            kinds = [column_kind(table.c[n]) for n in names]
            continue
        try:
            values = json.loads(line)
        except ValueError:
            raise BackupError("备份内容损坏（无法解析的行）/ corrupt dump body (unparseable line)") from None
        if not isinstance(values, list) or len(values) != len(names):
            raise BackupError(f"表 {table.name} 的一行列数不符 / a row of {table.name} has the wrong number of values")
        batch.append({n: decode_value(k, v) for n, k, v in zip(names, kinds, values)})
        if len(batch) >= BATCH:
            flush()
    flush()
    if digest.hexdigest() != header["sha256"]:
        raise BackupError("校验和不符：文件在恢复过程中被改动 / checksum mismatch: the file changed during the restore")


def restore_database(path: str | os.PathLike, *, force: bool = False) -> RestoreSummary:
    """Restore a dump into this app's (empty) database, in one transaction; roll back on any problem.

    `force` empties every table first (in the same transaction: a failed restore leaves the old data).
    """
    path = Path(path)
    header = check_file(path)  # before anything touches the database
    session = db.session
    session.rollback()
    touched = False
    try:
        conn = session.connection()
        _check_schema(conn, header)
        nonempty = _nonempty_tables(conn)
        if nonempty and not force:
            raise BackupError(f"目标数据库不是空的（{', '.join(nonempty[:5])}{' …' if len(nonempty) > 5 else ''} 有数据），"
                              "未做任何改动；确需覆盖请加 --force / the target database is not empty: nothing was "
                              "changed; use --force to wipe it first")
        touched = True
        if nonempty:
            _wipe(conn)
        _insert_rows(conn, path, header)
        counts = {}
        for t in db.metadata.sorted_tables:
            counts[t.name] = conn.execute(select(func.count()).select_from(t)).scalar()
        expected = {t["name"]: t["rows"] for t in header["tables"]}
        if counts != expected:
            diff = {k: (expected[k], counts[k]) for k in counts if counts[k] != expected[k]}
            raise BackupError(f"恢复后的行数与备份不符 / row counts after the restore differ: {diff}")
        _reset_sequences(conn)
        chain = verify_chain()
        dumped = header.get("audit") or {}
        if dumped.get("ok") and (not chain.ok or chain.head_hash != dumped.get("head_hash")
                                 or chain.checked != dumped.get("entries")):
            raise BackupError(f"恢复后操作日志哈希链校验失败（第 {chain.first_bad_seq} 条：{chain.problem}），已回滚 / "
                              "the audit chain does not verify after the restore: rolled back")
        session.commit()
    except BackupError as exc:
        session.rollback()
        if touched and "已回滚" not in str(exc):
            raise BackupError(f"{exc}（已回滚，未写入任何数据 / rolled back, nothing written）") from None
        raise
    except Exception as exc:
        session.rollback()
        raise BackupError(f"恢复失败，已回滚，未写入任何数据 / restore failed and was rolled back: "
                          f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}") from exc
    return RestoreSummary(counts, header, chain, bool(nonempty))
