"""Untrusted uploads are parsed within limits: bombs (a cell or a merged range at XFD1048576, 100 MB of
paragraphs in a few hundred KB) are refused with a Chinese message naming the limit, before anything
is built, and within bounded memory; parsing runs in a child process with memory and CPU limits, and
the in-process path (IMPORT_SANDBOX=0, or no fork) is refused as cleanly."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dutylist.documents import file_types, limits, sandbox
from dutylist.importers.parsed import ImportFailure
from dutylist.importers.text_list import MAX_LINES, parse_text

from . import bombs
from .factories import World

ROOT = Path(__file__).resolve().parent.parent
BOMBS = {"far_cell": (bombs.xlsx_far_cell, "工作表有 1048576 行，超过 20000 行"),
         "far_merge": (bombs.xlsx_far_merge, "合并单元格共覆盖"),
         "docx_100mb": (bombs.docx_paragraphs, "解压后共 100 MB，超过 48 MB")}

#: parse a file in a process of at most 1 GB of address space; print what happened as JSON
PROBE = textwrap.dedent("""
    import json, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from dutylist.documents import file_types
    from dutylist.importers.parsed import ImportFailure
    data = open(sys.argv[1], "rb").read()
    start = time.perf_counter()
    try:
        file_types.parse_document(data, township="大有镇", isolate=sys.argv[2] == "1")
        outcome = "parsed"
    except ImportFailure as exc:
        outcome = str(exc)
    # the peak of this process's memory (VmHWM: ru_maxrss would carry the forking parent's peak over)
    peak = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - start, "max_rss_mb": peak / 1024}))
""")


def probe(data: bytes, tmp_path, isolate: bool) -> dict:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", PROBE, str(path), "1" if isolate else "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("isolate", [True, False], ids=["sandbox", "in-process"])
@pytest.mark.parametrize("bomb", list(BOMBS))
def test_bombs_are_refused_naming_the_limit_in_bounded_memory(tmp_path, bomb, isolate):
    make, words = BOMBS[bomb]
    data = make()
    assert len(data) < 600 * 1024  # small on the wire: a size limit on the upload does not help
    result = probe(data, tmp_path, isolate)
    assert result["outcome"].startswith("文件超出导入限制") and words in result["outcome"], result
    assert result["max_rss_mb"] < 400 and result["seconds"] < 30, result


def test_a_bomb_past_the_checks_is_stopped_by_the_sandbox_memory_limit(monkeypatch):
    """Were the checks blind to a bomb, the child process runs out of memory, not the worker."""
    if not sandbox.available():
        pytest.skip("no fork or resource limits on this system")
    monkeypatch.setattr(limits, "LIMITS", limits.Limits(rows=10**7, columns=10**5, grid=10**13, cells=10**9,
                                                         merged=10**13, memory=400 * 1024 * 1024, seconds=60))
    start = time.perf_counter()
    with pytest.raises(ImportFailure, match="内存超过 400 MB|解析时间超过"):
        file_types.parse_document(bombs.xlsx_far_merge(), township="大有镇")
    assert time.perf_counter() - start < 120


def _spin(data, **_):
    while True:
        pass


def test_the_sandbox_stops_a_parse_that_takes_too_long():
    if not sandbox.available():
        pytest.skip("no fork or resource limits on this system")
    start = time.perf_counter()
    with pytest.raises(ImportFailure, match="解析时间超过"):
        sandbox.run(_spin, b"", limits=limits.Limits(seconds=1))
    assert time.perf_counter() - start < 10


def test_sandbox_and_in_process_parse_alike(app):
    world = World()
    from dutylist.documents import export_docx, export_xlsx, model
    for data in (export_docx.to_docx(model.from_version(world.version)),
                 export_xlsx.to_xlsx(model.from_version(world.version))):
        child = file_types.parse_document(data, township="大有镇", isolate=True)
        here = file_types.parse_document(data, township="大有镇", isolate=False)
        assert [i.to_dict() for i in child.items] == [i.to_dict() for i in here.items]
        assert len(child.items) == 6


def test_paragraph_rows_and_zip_limits_each_name_themselves(app, monkeypatch):
    world = World()
    from dutylist.documents import export_docx, export_xlsx, model
    docx_data = export_docx.to_docx(model.from_version(world.version))
    xlsx_data = export_xlsx.to_xlsx(model.from_version(world.version))
    cases = [(docx_data, limits.Limits(paragraphs=5), "段落超过 5 个"),
             (docx_data, limits.Limits(table_cells=5), "表格单元格超过 5 个"),
             (xlsx_data, limits.Limits(rows=3), "行，超过 3 行"),
             (xlsx_data, limits.Limits(cells=10), "单元格超过 10 个"),
             (xlsx_data, limits.Limits(grid=20), "超过 20 格"),
             (xlsx_data, limits.Limits(unzipped=1000), "解压后共")]
    for data, lim, words in cases:
        monkeypatch.setattr(limits, "LIMITS", lim)
        with pytest.raises(ImportFailure, match=words):
            file_types.parse_document(data, township="大有镇", isolate=False)


def test_a_text_list_of_too_many_lines_is_refused():
    with pytest.raises(ImportFailure, match=f"超过 {MAX_LINES} 行"):
        parse_text("大有镇履职事项清单\n" + "\n" * MAX_LINES)


def test_the_import_page_says_which_limit(app):
    World()
    client = app.test_client()
    assert client.login("admin").status_code == 302
    response = client.post_form("/imports/new", {"file": (io.BytesIO(bombs.xlsx_far_cell()), "清单.xlsx"),
                                                 "place": "大有镇"}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "文件超出导入限制" in html and "1048576 行，超过 20000 行" in html, html[-3000:]
    assert 'name="file"' in html  # the import page, where the user was
