"""Word, Excel, PDF, CSV and JSON in and out: round trips, hand-made lists, bad files, the CLI."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dutylist.documents import export_data, export_docx, export_xlsx, import_docx, import_xlsx, model
from dutylist.documents.file_types import parse_document, parse_path, sniff
from dutylist.extensions import db
from dutylist.importers.parsed import ImportFailure
from dutylist.importers.text_list import parse_file
from dutylist.items import CONTENT_KEYS
from dutylist.models import AuditEvent, Item, Organisation, Revision, Version
from dutylist.services import snapshot
from workflow import operations as ops

from .factories import World

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
T003 = "昌吉回族自治州木垒哈萨克自治县大南沟乌孜别克族乡"
SEEDS = ["000", "001", "002", "003", "004"]
COUNTS = {"000": (109, 101, 30), "001": (110, 99, 43), "002": (119, 127, 63), "003": (103, 101, 37),
          "004": (85, 68, 26)}
EXPORT = {"docx": export_docx.to_docx, "xlsx": export_xlsx.to_xlsx}
IMPORT = {"docx": import_docx.parse_docx, "xlsx": import_xlsx.parse_xlsx}


@lru_cache(maxsize=None)
def seed(key: str):
    path = next(SAMPLES.glob(f"{key}_*.txt"))
    return parse_file(path, township=T003 if key == "003" else None)


def fields(item) -> tuple:
    """Every field of a ParsedItem but its source line and flags."""
    return (item.kind, item.number, item.category, item.name, item.departments_text, item.departments,
            item.dept_duties, item.township_duties, [(r.department, r.method) for r in item.receiving])


def counts(parsed) -> tuple:
    c = parsed.counts()
    return c["basic"], c["cooperative"], c["withdrawn"]


def rows_written() -> list[int]:
    return [db.session.scalar(select(func.count()).select_from(m)) for m in (Organisation, Item, Version, Revision)]


# ------------------------------------------------------------------ round trips

@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize("key", SEEDS)
def test_round_trip_is_exact_for_every_seed(key, fmt):
    original = seed(key)
    data = EXPORT[fmt](model.from_parsed(original))
    assert sniff(data) == fmt
    back = IMPORT[fmt](data)
    assert counts(back) == COUNTS[key]
    assert [fields(i) for i in back.items] == [fields(i) for i in original.items]
    assert (back.township, back.county, back.prefecture) == (original.township, original.county, original.prefecture)
    if original.date:
        assert back.date == original.date
    # the 说明 written by the exporter states the totals: they agree with the tables
    assert not any(w.code == "total_mismatch" for w in back.warnings)


def test_round_trip_from_the_database_keeps_every_field(demo_app):
    """A published version (as stored) exported and read back gives the stored fields."""
    with demo_app.app_context():
        town = db.session.scalar(select(Organisation).where(Organisation.name == "阿合奇镇"))
        version = snapshot.current_version(town.id)
        doc = model.from_version(version)
        stored = [(e["kind"], e["number"], {f: e[f] for f in CONTENT_KEYS}) for e in doc.entries]
        for fmt in ("docx", "xlsx"):
            back = IMPORT[fmt](EXPORT[fmt](doc))
            got = [(i.kind, i.number, i.fields()) for i in back.items]
            assert got == stored, fmt
        assert doc.preface()[0].startswith(f"共有履职事项 {len(doc.entries)} 项，其中，基本履职事项 119 项")


# ------------------------------------------------------------------ the official layout

def test_word_layout_has_title_preface_tables_and_repeating_headers():
    from docx import Document

    doc = model.from_parsed(seed("004"))
    document = Document(io.BytesIO(export_docx.to_docx(doc)))
    texts = [p.text for p in document.paragraphs]
    assert texts[1] == "昌吉州奇台县奇台镇履职事项清单" and "2025年7月" in texts and "说明" in texts
    assert any(t.startswith("共有履职事项 179 项，其中，基本履职事项 85 项、配合履职事项 68 项、上级部门收回事项 26 项")
               for t in texts)
    assert any("涉及" in t and "个部门（单位）" in t for t in texts)
    assert [p for p in texts if p.endswith("事项清单") and p != doc.title] == [
        "昌吉州奇台县奇台镇基本履职事项清单", "昌吉州奇台县奇台镇配合履职事项清单", "昌吉州奇台县奇台镇上级部门收回事项清单"]
    basic, coop, withdrawn = document.tables
    assert [c.text for c in coop.rows[0].cells] == ["序号", "事项类别", "事项名称", "对应上级部门", "上级部门职责",
                                                    "镇(乡)配合职责"]
    assert [c.text for c in withdrawn.rows[0].cells] == ["序号", "事项类别", "事项名称", "承接部门及工作方式"]
    for table in (basic, coop, withdrawn):
        assert table.rows[0]._tr.trPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
    # numbered steps are lines (paragraphs) within the cell
    first = next(e for e in doc.of_kind("cooperative") if len(e["dept_duties"]) > 2)
    row = coop.rows[first["number"]]
    assert [p.text for p in row.cells[4].paragraphs] == first["dept_duties"]
    assert len(basic.rows) == 86 and len(coop.rows) == 69 and len(withdrawn.rows) == 27
    sections = document.sections
    assert [s.page_width > s.page_height for s in sections] == [False, False, True, False]
    assert "Noto" not in document.styles["Normal"].element.xml and "宋体" in document.styles["Normal"].element.xml


def test_excel_layout_one_sheet_per_table_frozen_header_wrapped():
    from openpyxl import load_workbook

    doc = model.from_parsed(seed("002"))
    wb = load_workbook(io.BytesIO(export_xlsx.to_xlsx(doc)))
    assert wb.sheetnames == ["说明", "基本履职事项", "配合履职事项", "上级部门收回事项"]
    assert "共有履职事项 309 项" in "".join(str(c.value) for c in wb["说明"]["A"] if c.value)
    ws = wb["配合履职事项"]
    assert ws["A1"].value == "克州阿合奇县阿合奇镇配合履职事项清单"
    assert [c.value for c in ws[3]] == ["序号", "事项类别", "事项名称", "对应上级部门", "上级部门职责", "镇(乡)配合职责"]
    assert ws.freeze_panes == "A4" and ws.print_title_rows == "$3:$3"
    assert ws.max_row == 3 + 127
    assert ws["E4"].alignment.wrap_text and "\n" in ws["E4"].value
    assert ws.column_dimensions["E"].width >= 50 and ws.column_dimensions["A"].width <= 8
    assert ws["A4"].value == 1 and isinstance(ws["A4"].value, int)
    assert wb["基本履职事项"].max_row == 3 + 119 and wb["上级部门收回事项"].max_row == 3 + 63


def test_pdf_has_embedded_chinese_font_or_says_what_is_missing(monkeypatch, tmp_path):
    from dutylist.documents import export_pdf

    doc = model.from_parsed(seed("004"))
    try:
        export_pdf.find_font()
    except export_pdf.PdfFontMissing:
        import os
        if os.environ.get("CI"):
            raise
        pytest.skip("no CJK font installed")
    data = export_pdf.to_pdf(doc)
    assert data[:5] == b"%PDF-" and (b"/FontFile3" in data or b"/FontFile2" in data)
    assert b"MPDFAA+" in data  # a subset, embedded
    # a configured font that does not exist is a clear error, not a PDF without Chinese
    monkeypatch.setenv("PDF_FONT", str(tmp_path / "none.ttf"))
    with pytest.raises(export_pdf.PdfFontMissing, match="PDF_FONT"):
        export_pdf.to_pdf(doc)


# ------------------------------------------------------------------ CSV and JSON

def test_csv_and_json_hold_every_item_and_field():
    original = seed("000")
    doc = model.from_parsed(original)
    rows = list(csv.DictReader(io.StringIO(export_data.to_csv(doc).decode("utf-8-sig"))))
    assert len(rows) == 240 and list(rows[0]) == list(export_data.CSV_COLUMNS)
    assert list(rows[0])[:4] == ["清单", "序号", "事项类别", "事项名称"]  # people's headers, in Chinese
    coop = next(r for r in rows if r["清单"] == "配合履职事项" and r["序号"] == "1")
    item = original.of_kind("cooperative")[0]
    assert coop["事项名称"] == item.name and coop["对应上级部门"] == item.departments_text
    assert coop["上级部门职责"].split("\n") == item.dept_duties
    assert coop["乡镇配合职责"].split("\n") == item.township_duties
    withdrawn = next(r for r in rows if r["清单"] == "上级部门收回事项" and r["序号"] == "1")
    first = original.of_kind("withdrawn")[0].receiving[0]
    assert withdrawn["承接部门及工作方式"].startswith(f"{first.department}")
    assert withdrawn["上级部门职责"] == ""  # a field the table does not have stays empty
    assert not any(r["清单"] in ("basic", "cooperative", "withdrawn") for r in rows)

    data = json.loads(export_data.to_json(doc))
    assert data["format"] == "dutylist/list-1" and data["township"] == "大有镇" and data["draft"] is None
    assert data["stats"]["per_kind"] == {"basic": 109, "cooperative": 101, "withdrawn": 30}
    assert len(data["items"]) == 240
    by_json = [(i["kind"], i["number"], i["name"], i["dept_duties"], i["receiving"]) for i in data["items"]]
    assert by_json == [(i.kind, i.number, i.name, i.dept_duties,
                        [{"department": r.department, "method": r.method} for r in i.receiving])
                       for i in original.items]


# ------------------------------------------------------------------ lists made by hand

def _word_table(document, rows):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is None:
                continue
            cell = table.cell(r, c)
            lines = value if isinstance(value, list) else [value]
            cell.text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)
    return table


def handmade_docx() -> bytes:
    from docx import Document

    d = Document()
    d.add_paragraph("昌吉州吉木萨尔县大有镇履职事项清单")
    d.add_paragraph("2025 年 7 月")
    d.add_paragraph("基本履职事项清单")
    t = _word_table(d, [
        ["事项名称", "序号", "事项类别"],  # columns in another order
        ["加强基层阵地建设", "1", "党的建设"],
        ["做好农村“四老”人员服务管理", "2", None],  # category merged with the row above
        ["", "", ""],  # blank row
        ["事项名称", "序号", "事项类别"],  # header repeated
        ["负责本镇政府信息公开工作", "3", "综合政务"],
    ])
    top = t.cell(1, 2)
    top.merge(t.cell(2, 2))
    top.paragraphs[0].text = "党的建设"
    # the table continues in a second Word table without a header (a page break in the original)
    _word_table(d, [["做好档案管理工作", "4", "综合政务"]])
    d.add_paragraph("配合履职事项清单")
    t = _word_table(d, [
        ["序号", "事项类别", "事项名称", "对应上级部门", "职责", None],
        [None, None, None, None, "上级部门职责", "镇配合职责"],
        ["1", "民生服务", "老年人高龄津贴的发放管理", "吉木萨尔县民政局",
         "1.组织开展高龄津贴政策宣传；2.审核发放高龄津贴。", ["1.各村核实到龄老年人信息并报镇；", "2.协助发放。"]],
        ["2", "乡村振兴", "开展农牧业防灾减灾工作", "吉木萨尔县农业农村局、吉木萨尔县水利局",
         ["1.制定防灾减灾方案；", "2.组织灾后评估。"], "1.摸排受灾户建立台账。"],
        ["3", "社会保障", "城乡居民养老保险", "吉木萨尔县人力资源和社会保障局",
         ["1.负责政策宣传；"], ["1.组织参保登记；"]],
        [None, None, None, None, ["2.负责待遇核定。"], ["2.协助资格认证。"]],
    ])
    head = t.cell(0, 4)
    head.merge(t.cell(0, 5))  # "职责" spans both duty columns; row 2 names them
    for c in range(4):  # 序号 … 对应上级部门 span the two header rows
        t.cell(0, c).merge(t.cell(1, c))
    t.cell(4, 0).merge(t.cell(5, 0))  # item 3 runs over two rows: its 序号 is merged
    d.add_paragraph("上级部门收回事项清单")
    _word_table(d, [
        ["序号", "事项类别", "事项名称", "承接部门及工作方式"],
        ["1", "民生服务", "收养登记", "吉木萨尔县民政局：负责收养登记。"],
        ["2", "自然资源", "某项已失效的工作", "法律法规条款已失效，不再开展此项工作。"],
    ])
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def handmade_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    rows = [
        ["大有镇基本履职事项清单", None, None, None, None, None],
        ["序号", "事项名称", "事项类别"],
        [1.0, "加强基层阵地建设", "党的建设"],
        [2, "做好农村“四老”人员服务管理", None],
        [],
        ["序号", "事项名称", "事项类别"],
        [3, "负责本镇政府信息公开工作", "综合政务"],
        [],
        ["大有镇配合履职事项清单"],
        ["序号", "事项类别", "事项名称", "上级部门职责", "乡镇配合职责", "对应上级部门"],
        [1, "民生服务", "老年人高龄津贴的发放管理", "1.组织开展高龄津贴政策宣传；\n2.审核发放。", "1.核实信息。",
         "吉木萨尔县民政局"],
        [2, "乡村振兴", "开展农牧业防灾减灾工作", "1.制定方案。", "1.摸排受灾户。", "吉木萨尔县农业农村局"],
        [None, None, None, None, None, None],
        ["大有镇上级部门收回事项清单"],
        ["序号", "事项类别", "事项名称", "承接部门", "工作方式"],
        [1, "民生服务", "收养登记", "吉木萨尔县民政局", "负责收养登记。"],
    ]
    for row in rows:
        ws.append(row)
    ws.merge_cells("A1:F1")
    ws.merge_cells("C3:C4")  # one category for two items
    ws.merge_cells("A9:F9")
    ws.merge_cells("A14:E14")
    info = wb.create_sheet("填表说明")
    info.append(["本表由大有镇人民政府填报。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_handmade_word_list_with_merged_cells_and_repeated_headers_imports_right():
    parsed = parse_document(handmade_docx())
    assert counts(parsed) == (4, 3, 2)
    assert (parsed.township, parsed.county, parsed.prefecture, parsed.date) == (
        "大有镇", "吉木萨尔县", "昌吉回族自治州", "2025年7月")
    basic = parsed.of_kind("basic")
    assert [(i.number, i.category, i.name) for i in basic] == [
        (1, "党的建设", "加强基层阵地建设"), (2, "党的建设", "做好农村“四老”人员服务管理"),
        (3, "综合政务", "负责本镇政府信息公开工作"), (4, "综合政务", "做好档案管理工作")]
    c1, c2, c3 = parsed.of_kind("cooperative")
    assert c1.dept_duties == ["1.组织开展高龄津贴政策宣传；", "2.审核发放高龄津贴。"]  # one paragraph, split
    assert c1.township_duties == ["1.各村核实到龄老年人信息并报镇；", "2.协助发放。"]
    assert c2.departments == ["吉木萨尔县农业农村局", "吉木萨尔县水利局"]
    assert c3.dept_duties == ["1.负责政策宣传；", "2.负责待遇核定。"]  # continued in the next row
    assert c3.township_duties == ["1.组织参保登记；", "2.协助资格认证。"]
    w1, w2 = parsed.of_kind("withdrawn")
    assert [(r.department, r.method) for r in w1.receiving] == [("吉木萨尔县民政局", "负责收养登记。")]
    assert [(r.department, r.method) for r in w2.receiving] == [("", "法律法规条款已失效，不再开展此项工作。")]
    assert not [w for w in parsed.warnings if w.code not in ("continued_row",)]


def test_handmade_excel_list_with_merged_cells_and_reordered_columns_imports_right():
    parsed = parse_document(handmade_xlsx())
    assert counts(parsed) == (3, 2, 1)
    assert [(i.number, i.category) for i in parsed.of_kind("basic")] == [(1, "党的建设"), (2, "党的建设"), (3, "综合政务")]
    c1, _ = parsed.of_kind("cooperative")
    assert c1.departments == ["吉木萨尔县民政局"]
    assert c1.dept_duties == ["1.组织开展高龄津贴政策宣传；", "2.审核发放。"] and c1.township_duties == ["1.核实信息。"]
    (w1,) = parsed.of_kind("withdrawn")
    assert [(r.department, r.method) for r in w1.receiving] == [("吉木萨尔县民政局", "负责收养登记。")]
    assert parsed.township == "大有镇"


def test_warnings_name_missing_departments_unknown_categories_and_duplicate_numbers():
    from docx import Document

    d = Document()
    d.add_paragraph("配合履职事项清单")
    _word_table(d, [
        ["序号", "事项类别", "事项名称", "对应上级部门", "上级部门职责", "乡镇配合职责"],
        ["1", "民生服务", "甲", "", "1.一。", "1.二。"],
        ["1", "天文观测", "乙", "县民政局", "1.一。", "1.二。"],
    ])
    buf = io.BytesIO()
    d.save(buf)
    parsed = parse_document(buf.getvalue())
    codes = [w.code for w in parsed.warnings]
    assert {"missing_department", "unknown_category", "number_duplicate", "missing_place"} <= set(codes)
    assert any("天文观测" in w.message for w in parsed.warnings)


# ------------------------------------------------------------------ bad files

def _docx_with(*tables, paragraph="一份普通的通知") -> bytes:
    from docx import Document

    d = Document()
    d.add_paragraph(paragraph)
    for title, rows in tables:
        if title:
            d.add_paragraph(title)
        _word_table(d, rows)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _not_a_list_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["姓名", "年龄"])
    wb.active.append(["张三", 30])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


CFB = bytes.fromhex("D0CF11E0A1B11AE1")
BAD_FILES = {
    "no tables": (_docx_with(), "不是履职事项清单"),
    "other table": (_docx_with(("", [["姓名", "年龄"], ["张三", "30"]])), "不是履职事项清单"),
    "other sheet": (_not_a_list_xlsx(), "不是履职事项清单"),
    "missing columns": (_docx_with(("配合履职事项清单", [["序号", "事项类别", "事项名称", "对应上级部门"],
                                                 ["1", "民生服务", "甲", "县民政局"]])),
                        "配合履职事项清单的表格缺少列：上级部门职责、镇(乡)配合职责"),
    "corrupt zip": (b"PK\x03\x04" + b"\x00garbage" * 200, "文件已损坏"),
    "truncated docx": (_docx_with()[:3000], "文件已损坏"),
    "zip, not office": (_zip({"readme.txt": "hello"}), "不是 Word（.docx）或 Excel（.xlsx）文件"),
    "encrypted": (CFB + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 200, "设有打开密码"),
    "old or encrypted": (CFB + b"\x00" * 1000, "已加密"),
    "text": ("序号\t事项类别\t事项名称\n1\t党的建设\t甲\n".encode(), "请上传 Word（.docx）或 Excel（.xlsx）"),
    "empty": (b"", "文件为空"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_files_get_a_clear_message(name):
    data, message = BAD_FILES[name]
    with pytest.raises(ImportFailure) as exc:
        parse_document(data)
    assert message in str(exc.value)


# ------------------------------------------------------------------ the command line

@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_cli_import_list_reads_docx_and_xlsx(runner, tmp_path):
    docx_path = tmp_path / "阿合奇镇.docx"
    docx_path.write_bytes(export_docx.to_docx(model.from_parsed(seed("002"))))
    xlsx_path = tmp_path / "list.xlsx"
    xlsx_path.write_bytes(export_xlsx.to_xlsx(model.from_parsed(seed("004"))))
    result = runner.invoke(args=["import-list", str(docx_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"] == {"basic": 119, "cooperative": 127, "withdrawn": 63}
    assert report["stated_totals"]["total"] == 309 and report["version_id"]
    result = runner.invoke(args=["import-list", str(xlsx_path)])
    assert result.exit_code == 0, result.output
    assert "奇台镇: 基本 85，配合 68，收回 26" in result.output
    town = db.session.scalar(select(Organisation).where(Organisation.name == "奇台镇"))
    entries = snapshot.read_entries(snapshot.current_version(town.id))
    assert [(e["kind"], e["number"], e["name"], e["dept_duties"]) for e in entries] == [
        (i.kind, i.number, i.name, i.dept_duties) for i in seed("004").items]
    # the text importer still reads .txt
    result = runner.invoke(args=["import-list", str(SAMPLES / "000_5750dcabd76134d2.txt"), "--dry-run"])
    assert result.exit_code == 0 and "大有镇" in result.output


def test_cli_import_list_refuses_bad_office_files(runner, tmp_path):
    path = tmp_path / "locked.docx"
    path.write_bytes(BAD_FILES["encrypted"][0])
    before = rows_written()
    result = runner.invoke(args=["import-list", str(path)])
    assert result.exit_code == 2 and "设有打开密码" in result.output
    assert rows_written() == before


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv", "json", "pdf"])
def test_cli_export_list(app, runner, tmp_path, fmt):
    world = World()
    out = tmp_path / f"list.{fmt}"
    if fmt == "pdf":
        from dutylist.documents import export_pdf
        try:
            export_pdf.find_font()
        except export_pdf.PdfFontMissing:
            pytest.skip("no CJK font installed")
    result = runner.invoke(args=["export-list", "大有镇", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if fmt in ("docx", "xlsx"):
        parsed = IMPORT[fmt](data)
        assert counts(parsed) == (3, 2, 1)
        assert [i.name for i in parsed.items] == [e.fields["name"] for e in World.entries()]
    elif fmt == "json":
        assert json.loads(data)["version"] == 1 and len(json.loads(data)["items"]) == 6
    elif fmt == "csv":
        assert data.startswith("\ufeff清单,序号,事项类别,事项名称".encode())
    else:
        assert data.startswith(b"%PDF-")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.township_id == world.town.id and event.details["format"] == fmt
    assert event.details["via"] == "cli" and event.target == f"version:{world.version.id}"


def test_cli_export_list_versions_and_errors(app, runner, tmp_path):
    world = World()
    rev = ops.start_revision(world.town, world.drafter)
    item = next(i for i in rev.items if i.kind == "basic")
    ops.edit_item(rev, world.drafter, item.id, {**item.fields(), "name": "新名称"}, item.lock_version)
    snapshot.publish_version(world.town, [snapshot.EntryData(kind=i.kind, number=i.number, fields=i.fields(),
                                                             item_id=i.item_id) for i in rev.items],
                             source="revision", title=world.version.title)
    db.session.commit()
    out = tmp_path / "v1.json"
    assert runner.invoke(args=["export-list", "大有镇", "--version", "1", "--format", "json", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_bytes())["items"][0]["name"] == "加强基层阵地建设，优化提升服务功能"
    assert runner.invoke(args=["export-list", "大有镇", "--format", "json", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_bytes())["version"] == 2 and json.loads(out.read_bytes())["items"][0]["name"] == "新名称"
    result = runner.invoke(args=["export-list", "大有镇", "--version", "9", "--format", "json", "-o", str(out)])
    assert result.exit_code != 0 and "没有第 9 版" in result.output
    result = runner.invoke(args=["export-list", "不存在镇", "--format", "json", "-o", str(out)])
    assert result.exit_code != 0 and "找不到乡镇" in result.output


def test_parse_path_dispatches_by_content_not_name(tmp_path):
    path = tmp_path / "named-like-text.txt"
    path.write_bytes(export_xlsx.to_xlsx(model.from_parsed(seed("001"))))
    assert counts(parse_path(path)) == COUNTS["001"]


# ------------------------------------------------------------------ matching an imported list to the current one

def test_matching_keeps_identities_by_name_then_by_place():
    from dutylist.documents.jobs import make_plan
    from dutylist.importers.parsed import ParsedItem, Receiving

    def entry(item_id, kind, number, name):
        return {"item_id": item_id, "kind": kind, "number": number, "category": "党的建设", "name": name,
                "departments_text": "", "departments": [], "dept_duties": [], "township_duties": [],
                "receiving": []}

    current = [entry(1, "basic", 1, "甲"), entry(2, "basic", 2, "乙"), entry(3, "basic", 3, "丙"),
               entry(4, "basic", 4, "丁"), entry(5, "withdrawn", 1, "戊")]
    current[4]["receiving"] = [{"department": "县民政局", "method": "负责。"}]
    imported = [ParsedItem("basic", 1, "党的建设", "新"), ParsedItem("basic", 2, "党的建设", "甲"),
                ParsedItem("basic", 3, "党的建设", "乙（改）"), ParsedItem("basic", 4, "党的建设", "丁"),
                ParsedItem("withdrawn", 1, "党的建设", "丙", receiving=[Receiving("县民政局", "负责。")]),
                ParsedItem("withdrawn", 2, "党的建设", "戊", receiving=[Receiving("县民政局", "负责。")])]
    plan = make_plan(current, imported)
    ids = {ii: current[ci]["item_id"] for ii, ci in plan.pairs.items()}
    # 甲 丁 戊 by name, 丙 by name into another table, 乙 reworded below an insertion: by its place
    assert ids == {1: 1, 2: 2, 3: 4, 4: 3, 5: 5}
    assert plan.adds == [0] and plan.deletes == []
    assert sorted(plan.changed) == [2, 4]  # 乙 reworded, 丙 moved
    # 新 (added last) moves to the top; 丙 (moved in last) moves above 戊: one move each
    assert plan.moves == 2 and not plan.errors


def test_reorder_moves_are_the_fewest_and_give_the_target_order():
    """Every item outside a longest run already in order moves once, and nothing else: checked on
    every permutation of 6 items, and on random larger ones."""
    import itertools
    import random

    from dutylist.documents.jobs import reorder_moves

    def lis(seq):
        best = [1] * len(seq)
        for i in range(len(seq)):
            for j in range(i):
                if seq[j] < seq[i]:
                    best[i] = max(best[i], best[j] + 1)
        return max(best, default=0)

    def apply(order, moves):
        current = list(order)
        for item, index in moves:
            current.remove(item)
            current.insert(index, item)
        return current

    target = list("abcdef")
    for order in itertools.permutations(target):
        moves = reorder_moves(list(order), target)
        assert apply(order, moves) == target
        assert len(moves) == len(target) - lis([target.index(x) for x in order])
    rng = random.Random(7)
    for n in (0, 1, 50, 309):
        target = list(range(n))
        order = target[:]
        rng.shuffle(order)
        assert apply(order, reorder_moves(order, target)) == target
    # three insertions (appended last) that belong at the top: three moves
    assert reorder_moves(list(range(119)) + ["x", "y", "z"], ["x", "y", "z", *range(119)]) == [
        ("x", 0), ("y", 1), ("z", 2)]
