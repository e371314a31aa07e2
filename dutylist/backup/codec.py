"""The dump file format: constants, column kinds, and the lossless value encoding.

A dump is one gzip file of JSON lines, written as two gzip members (``zcat`` reads it as one stream):

1. the header, one line::

     {"format": "dutylist-dump", "format_version": 1, "app_version": ..., "schema_revision": ...,
      "created_at": ..., "source": {"dialect": ..., "server_version": ...},
      "tables": [{"name": ..., "columns": [{"name": ..., "type": ...}, ...], "rows": n}, ...],
      "body_bytes": n, "sha256": "<sha256 of the body bytes>", "audit": {...}}

2. the body: for each table, in dependency order (``db.metadata.sorted_tables``), one line
   ``{"table": NAME}`` and then one JSON array per row, the values in the header's column order.

Values by column type: integers, strings and booleans as JSON; NULL as ``null``; datetimes as ISO 8601
with microseconds (naive, as stored); dates and times as ISO 8601; decimals as strings; binary as
``{"b64": ...}``; JSON columns as ``[value]`` (a one-element list), so that SQL NULL (``null``) and the
JSON value ``null`` (``[null]``) stay distinct.
"""
from __future__ import annotations

import base64
import json
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, Float, Integer, LargeBinary, Numeric, String, Time, null

FORMAT = "dutylist-dump"
FORMAT_VERSION = 1

_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class BackupError(Exception):
    """A dump or restore that cannot proceed; the message is meant for the operator."""


def dumps_line(value) -> bytes:
    """One JSON line (UTF-8, compact, newline-terminated)."""
    return (_LINE.encode(value) + "\n").encode("utf-8")


def column_kind(column) -> str:
    """The encoding used for a column, from its SQLAlchemy type."""
    t = column.type
    if isinstance(t, JSON):
        return "json"
    if isinstance(t, DateTime):
        return "datetime"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Time):
        return "time"
    if isinstance(t, Boolean):
        return "boolean"
    if isinstance(t, Integer):
        return "integer"
    if isinstance(t, Float):
        return "float"
    if isinstance(t, Numeric):
        return "numeric"
    if isinstance(t, LargeBinary):
        return "binary"
    if isinstance(t, (String, Enum)):
        return "string"
    return "other"  # encoded as a string when its values are strings, refused otherwise


# ------------------------------------------------------------------ encoding
def _enc_datetime(v):
    return None if v is None else v.isoformat(timespec="microseconds")


def _enc_iso(v):
    return None if v is None else v.isoformat()


def _enc_numeric(v):
    return None if v is None else str(v)


def _enc_binary(v):
    return None if v is None else {"b64": base64.b64encode(bytes(v)).decode("ascii")}


def _enc_other(v):
    if v is None or isinstance(v, (str, bool, int)):
        return v
    raise BackupError(f"无法无损导出的值类型 / cannot encode a value of type {type(v).__name__} losslessly")


def _identity(v):
    return v


ENCODERS = {"datetime": _enc_datetime, "date": _enc_iso, "time": _enc_iso, "numeric": _enc_numeric,
            "binary": _enc_binary, "other": _enc_other, "integer": _identity, "string": _identity,
            "boolean": _identity, "float": _identity}
# "json" is encoded by the dumper, which also reads whether the stored value is SQL NULL.


# ------------------------------------------------------------------ decoding
def _check(ok: bool, kind: str, v):
    if not ok:
        raise BackupError(f"值与列类型不符 / a {kind} column holds {json.dumps(v, ensure_ascii=False)[:80]}")


def _dec_datetime(v):
    if v is None:
        return None
    _check(isinstance(v, str), "datetime", v)
    return datetime.fromisoformat(v)


def _dec_date(v):
    if v is None:
        return None
    _check(isinstance(v, str), "date", v)
    return date.fromisoformat(v)


def _dec_time(v):
    if v is None:
        return None
    _check(isinstance(v, str), "time", v)
    return time.fromisoformat(v)


def _dec_integer(v):
    _check(v is None or (isinstance(v, int) and not isinstance(v, bool)), "integer", v)
    return v


def _dec_boolean(v):
    _check(v is None or isinstance(v, bool), "boolean", v)
    return v


def _dec_string(v):
    _check(v is None or isinstance(v, str), "string", v)
    return v


def _dec_float(v):
    _check(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)), "float", v)
    return v


def _dec_numeric(v):
    _check(v is None or isinstance(v, str), "numeric", v)
    return None if v is None else Decimal(v)


def _dec_binary(v):
    if v is None:
        return None
    _check(isinstance(v, dict) and isinstance(v.get("b64"), str), "binary", v)
    return base64.b64decode(v["b64"], validate=True)


def _dec_json(v):
    if v is None:
        return null()  # SQL NULL (a bare None would be stored as the JSON value null)
    _check(isinstance(v, list) and len(v) == 1, "json", v)
    return v[0]


DECODERS = {"datetime": _dec_datetime, "date": _dec_date, "time": _dec_time, "integer": _dec_integer,
            "boolean": _dec_boolean, "string": _dec_string, "float": _dec_float, "numeric": _dec_numeric,
            "binary": _dec_binary, "json": _dec_json, "other": _dec_string}


def decode_value(kind: str, value):
    try:
        return DECODERS[kind](value)
    except BackupError:
        raise
    except (ValueError, TypeError) as exc:
        raise BackupError(f"无效的 {kind} 值 / invalid {kind} value {str(value)[:80]!r}: {exc}") from None
