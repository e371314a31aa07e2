"""Writing many rows in one statement: the driver's executemany, without SQLAlchemy's per-row work.

A long piece of work (an import) prepares its rows first and writes them here inside a short
transaction; values go through each column type's own bind processor (JSON, dates on SQLite), so
the rows read back exactly as if the ORM had written them.
"""
from __future__ import annotations

from sqlalchemy import JSON, Table

from ..extensions import db


def insert_rows(table: Table, rows: list[dict]) -> None:
    """INSERT every row (all with the same keys) in one executemany, in the caller's transaction."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    processors = []
    for name in columns:
        processors.append(table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    quote = dialect.identifier_preparer.quote
    if dialect.paramstyle == "qmark":
        marks = ["?"] * len(columns)
    else:  # format / pyformat (psycopg): a JSON column takes its text with an explicit cast
        marks = ["%s::json" if isinstance(table.c[c].type, JSON) else "%s" for c in columns]
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(marks)})")
    params = [tuple(p(row[c]) if p is not None else row[c] for c, p in zip(columns, processors)) for row in rows]
    connection.exec_driver_sql(sql, params)
