"""Which importer reads a file: Word and Excel by their content (magic bytes), text otherwise.

A .docx or .xlsx is a zip whose [Content_Types].xml names the main part; files with the OLE
compound-file signature are either encrypted Office files (a password to open) or the old
.doc/.xls/.wps/.et formats: neither can be read, and the message says what to do. Every
failure is an ImportFailure with a message for people; nothing is written by parsing.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..importers import text_list
from ..importers.parsed import ImportFailure, ParsedList
from . import import_docx, import_xlsx, limits, sandbox

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
DOCX_MAIN = b"wordprocessingml.document.main+xml"
XLSX_MAIN = b"spreadsheetml.sheet.main+xml"
#: a zip of more members than this is refused (the sizes: documents.limits)
MAX_MEMBERS = 10000

FAIL_EMPTY = "文件为空 / file is empty"
FAIL_ENCRYPTED = ("文件设有打开密码（已加密），无法读取：请在 Word / Excel / WPS 中取消密码后另存为 .docx 或 .xlsx 再导入 "
                  "/ the file is password-protected")
FAIL_OLE = ("无法读取：文件已加密（设有打开密码），或是旧版 Word / Excel / WPS 格式（.doc、.xls、.wps、.et）。"
            "请取消密码并另存为 .docx 或 .xlsx 后再导入 / encrypted or legacy Office file")
FAIL_CORRUPT = "文件已损坏，或不是有效的 Word（.docx）/ Excel（.xlsx）文件 / the file is corrupt"
FAIL_NOT_OFFICE = "不是 Word（.docx）或 Excel（.xlsx）文件 / not a Word or Excel file"
FAIL_TOO_BIG = "文件解压后过大，已拒绝 / the file expands too much"
FAIL_WEB_TYPE = "请上传 Word（.docx）或 Excel（.xlsx）格式的清单 / upload a .docx or .xlsx file"


def sniff(data: bytes) -> str:
    """'docx', 'xlsx' or 'text'; ImportFailure for encrypted, legacy, corrupt or other zip files."""
    if not data:
        raise ImportFailure(FAIL_EMPTY)
    if data[:8] == CFB_SIGNATURE:
        head = data[: 1024 * 1024]
        if "EncryptionInfo".encode("utf-16-le") in head or "EncryptedPackage".encode("utf-16-le") in head:
            raise ImportFailure(FAIL_ENCRYPTED)
        raise ImportFailure(FAIL_OLE)
    if data[:4] not in ZIP_SIGNATURES:
        return "text"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if len(zf.infolist()) > MAX_MEMBERS:
                raise ImportFailure(FAIL_TOO_BIG)
            limits.check_zip(zf)  # before anything is decompressed
            try:
                types = zf.read("[Content_Types].xml")
            except KeyError:
                raise ImportFailure(FAIL_NOT_OFFICE) from None
            if zf.testzip() is not None:
                raise ImportFailure(FAIL_CORRUPT)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise ImportFailure(FAIL_CORRUPT) from None
    if DOCX_MAIN in types:
        return "docx"
    if XLSX_MAIN in types:
        return "xlsx"
    raise ImportFailure(FAIL_NOT_OFFICE)


def parse_office(data: bytes, kind: str, township: str | None = None, categories=None,
                 columns: dict | None = None, isolate: bool = True) -> ParsedList:
    """columns: the user's choice of what each column holds ({header key: role}, see importers.columns).
    The file's sizes, cells and paragraphs are checked first (documents.limits); isolate: parse in a
    child process with memory and CPU limits (documents.sandbox)."""
    reader = import_docx.parse_docx if kind == "docx" else import_xlsx.parse_xlsx
    limits.check(data, kind)
    try:
        return sandbox.run(reader, data, township=township, categories=categories, columns=columns,
                           sandbox=isolate)
    except ImportFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the libraries raise on a damaged file
        raise ImportFailure(FAIL_CORRUPT) from exc


def parse_document(data: bytes, township: str | None = None, categories=None,
                   columns: dict | None = None, isolate: bool = True) -> ParsedList:
    """A Word or Excel duty list (the web upload): anything else is refused with a message."""
    kind = sniff(data)
    if kind == "text":
        raise ImportFailure(FAIL_WEB_TYPE)
    return parse_office(data, kind, township=township, categories=categories, columns=columns, isolate=isolate)


def parse_path(path, township: str | None = None, columns: dict | None = None) -> ParsedList:
    """For `import-list`: .docx and .xlsx by content, everything else through the text importer."""
    data = Path(path).read_bytes()
    kind = sniff(data) if data else "text"
    if kind == "text":
        return text_list.parse_file(path, township=township, columns=columns)
    return parse_office(data, kind, township=township, columns=columns)
