"""Hot reads run as precompiled SQL, inside the session's transaction.

A page that runs the same few SELECTs on every request pays SQLAlchemy, each time, for building the
statement, its cache key, the result's metadata and (through the session) ORM row loading: for the
search page's 1,001 matches that was more than the database's own work. `fetch(key, build, params)`
builds and compiles the statement once per dialect and shape (`key`: everything that changes the SQL
text but the length of its IN lists), then runs it on the session's own connection (so the same
transaction, e.g. a `SET LOCAL` before it) and returns plain rows, converted as SQLAlchemy would convert
them (dates on SQLite, enums, JSON).

`build()` returns a SELECT whose varying values are named `bindparam`s; `params` gives them (a list for an
`expanding` one, padded to a power of two so that a few statements serve every length; names the
statement does not use are ignored); the values that are part of the statement
(literals) are bound once, when it is compiled.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import Select

from ..extensions import db

#: (dialect name, driver, key, IN list sizes) -> (SQL, parameter order or None, fixed parameters, bind processors, result processors)
_prepared: dict = {}


def _prepare(dialect, build: Callable[[], Select], params: dict):
    stmt = build()
    compiled = stmt.compile(dialect=dialect)
    state = compiled.construct_expanded_state(params)
    processors = dict(state.processors)
    varying = set()
    for name, value in params.items():
        if isinstance(value, (list, tuple)):
            varying.update(f"{name}_{i}" for i in range(1, len(value) + 1))
        else:
            varying.add(name)
    fixed = {name: (processors[name](value) if processors.get(name) else value)
             for name, value in state.parameters.items() if name not in varying}
    # the given values the statement does not use are left out (a driver may refuse unknown names)
    used = {name for name, value in params.items()
            if (f"{name}_1" if isinstance(value, (list, tuple)) and value else name) in state.parameters}
    results = [c.type._cached_result_processor(dialect, None) for c in stmt.selected_columns]
    return (state.statement, state.positiontup, fixed, {k: p for k, p in processors.items() if p and k in varying},
            results if any(results) else None, used)


def _padded(values: list) -> list:
    """An IN list grown to the next power of two by repeating its last value (the same IN): one statement
    per size class rather than one per length."""
    n = len(values)
    if n < 2:
        return list(values)
    size = 1 << (n - 1).bit_length()
    return [*values, *[values[-1]] * (size - n)]


def fetch(key: tuple, build: Callable[[], Select], params: dict, convert: bool = True) -> list:
    """The rows of the statement `build()` makes (compiled once per dialect, key and size class of its IN
    lists) for these values. `convert=False`: the driver's values, unconverted (the caller converts what it reads)."""
    connection = db.session.connection()
    dialect = connection.dialect
    lists = {name: _padded(value) for name, value in params.items() if isinstance(value, (list, tuple))}
    if lists:
        params = {**params, **lists}
    full = (dialect.name, dialect.driver, key, *(len(v) for v in lists.values()))
    prepared = _prepared.get(full)
    if prepared is None:
        prepared = _prepared[full] = _prepare(dialect, build, params)
    sql, order, fixed, binds, results, used = prepared
    values = dict(fixed)
    for name, value in params.items():
        if name not in used:
            continue
        if name in lists:
            for i, item in enumerate(value, 1):
                values[f"{name}_{i}"] = item
        else:
            values[name] = value
    for name, process in binds.items():
        values[name] = process(values[name])
    # as the driver's SQL: no statement to build, no cache key, no ORM rows; the engine's events still see it
    rows = connection.exec_driver_sql(sql, tuple(values[name] for name in order) if order else values).all()
    if results is None or not convert:
        return rows
    return [tuple(p(v) if p else v for p, v in zip(results, row)) for row in rows]
