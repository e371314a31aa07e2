"""Writing many rows in one statement: the driver's executemany, without SQLAlchemy's per-row work.

A long piece of work (an import) prepares its rows first and writes them here inside a short
transaction; values go through each column type's own bind processor (JSON, dates on SQLite), so
the rows read back exactly as if the ORM had written them.
"""
from __future__ import annotations

from sqlalchemy import JSON, Table, func, insert, select

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


def insert_returning_ids(table: Table, rows: list[dict]) -> list[int]:
    """INSERT the rows and return their new ids, in order. PostgreSQL: the ids are drawn from the
    table's sequence first and the rows go in one pipelined executemany (a multi-VALUES INSERT …
    RETURNING of thousands of rows spends seconds in the driver's query parsing); elsewhere an
    INSERT … RETURNING (SQLite 3.35+)."""
    if not rows:
        return []
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ids = list(connection.execute(
            select(func.nextval(func.pg_get_serial_sequence(table.name, "id")))
            .select_from(func.generate_series(1, len(rows)))).scalars())
        insert_rows(table, [dict(row, id=new_id) for row, new_id in zip(rows, ids)])
        return ids
    return list(connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())
