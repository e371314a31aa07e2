"""The shape of the code: the layers import-linter enforces, and one home for each concept."""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dutylist.items import FIELDS, TABLES

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dutylist", "workflow", "forms")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def modules():
    """The project's Python modules (no tests), as (path, source)."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, path.read_text(encoding="utf-8")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_import_contracts_are_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "forbidden"), [
    ("workflow/operations.py", "from dutylist.notifications import service"),  # workflow -> notifications
    ("dutylist/models/org.py", "from flask import request"),  # models -> Flask request objects
    ("forms/items.py", "from dutylist.services import drafts"),  # forms -> services
    ("dutylist/items/cells.py", "import sqlalchemy"),  # the item package -> the database
    ("dutylist/services/drafts.py", "from dutylist.views import lists"),  # a lower layer -> a higher one
])
def test_a_forbidden_import_breaks_the_contracts(tmp_path, module, forbidden):
    """The contracts can fail: the same tree with one forbidden import added is refused."""
    for name in (*PACKAGES, ".importlinter"):
        src = ROOT / name
        (shutil.copytree(src, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
         if src.is_dir() else shutil.copy(src, tmp_path / name))
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{forbidden}  # noqa\n", encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout


def test_no_function_local_imports():
    """Every module imports at its top: no import hidden in a function to dodge a cycle."""
    hidden = []
    for path, source in modules():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                hidden += [f"{path.relative_to(ROOT)}:{n.lineno}" for n in ast.walk(node)
                           if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert hidden == []


def _role_comparisons(source: str) -> int:
    """Comparisons whose one side reads a `.role` attribute (user.role == …, User.role == …)."""
    count = 0
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            count += any(isinstance(s, ast.Attribute) and s.attr == "role" for s in sides)
    return count


def test_role_comparisons_live_in_permissions():
    """Who may do what is asked of workflow/permissions.py (the machine checks its own role table);
    elsewhere only the queries that pick notification recipients by role, and no template."""
    elsewhere = {str(path.relative_to(ROOT)): n for path, source in modules()
                 if path.name not in ("permissions.py", "machine.py") and (n := _role_comparisons(source))}
    assert set(elsewhere) <= {"dutylist/notifications/service.py"} and sum(elsewhere.values()) <= 6, elsewhere
    templates = [str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html")
                 if re.search(r"\.role\b(?!_label)", p.read_text(encoding="utf-8"))]
    assert templates == []


def _texts(source: str) -> list[str]:
    """The string literals of a module's code (docstrings and comments are prose, not code)."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_an_item_field_is_spelled_in_few_modules():
    """The item schema is the one home of a field: its key appears in at most five modules (the
    schema, the shared model columns, the migration that made them, the importers' parsed item and
    the text importer), and each table's Chinese label in one."""
    sources = [(p, s) for p, s in modules()] + [(p, p.read_text(encoding="utf-8"))
                                                 for p in (ROOT / "migrations").rglob("*.py")]
    for f in FIELDS:
        for key in f.keys:
            if key in ("category", "name", "departments", "bases"):
                continue  # ordinary words in every module (the consulted departments, a township's name;
                # the library of bases, whose modules are named after it)
            spelled = sorted(str(p.relative_to(ROOT)) for p, s in sources if re.search(rf"\b{key}\b", s))
            assert len(spelled) <= 5, (key, spelled)
    for table in TABLES.values():
        spelled = sorted(str(p.relative_to(ROOT)) for p, s in sources if any(table.label in t for t in _texts(s)))
        assert spelled == ["dutylist/items/tables.py"], (table.label, spelled)
