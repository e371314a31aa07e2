"""The 意见汇总表 in Word and Excel (rows from services.opinion_summary)."""
from __future__ import annotations

from ..services.opinion_summary import HEADERS, Pass, table_rows
from . import report_table


def to_xlsx(title: str, passes: list[Pass]) -> bytes:
    return report_table.to_xlsx(title, "意见汇总表", HEADERS, table_rows(passes), (16, 6, 30, 22, 50, 10, 40))


def to_docx(title: str, passes: list[Pass]) -> bytes:
    return report_table.to_docx(title, HEADERS, table_rows(passes), (2.6, 1, 4.5, 3.5, 8, 1.6, 6))
