"""`bandit` over the application code: every finding is either fixed, listed (with its reason) in
bandit-allowlist.txt, or marked `# nosec Bxxx` with a reason beside it or in the comment above."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("dutylist", "workflow", "forms")
ALLOWLIST = ROOT / "bandit-allowlist.txt"
BANDIT = Path(sys.executable).parent / "bandit"


def allowlist() -> list[tuple[str, str, str, str]]:
    entries = []
    for n, line in enumerate(ALLOWLIST.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ", 3)]
        assert len(parts) == 4 and all(parts), f"bandit-allowlist.txt:{n}: expected 'ID | path | text | reason'"
        assert re.fullmatch(r"B\d{3}", parts[0]), f"bandit-allowlist.txt:{n}: {parts[0]} is not a bandit test id"
        assert len(parts[3]) >= 20, f"bandit-allowlist.txt:{n}: give a real reason"
        entries.append(tuple(parts))
    return entries


def flagged_line(finding: dict) -> str:
    lines = (ROOT / finding["filename"]).read_text(encoding="utf-8").splitlines()
    return lines[finding["line_number"] - 1] if 0 < finding["line_number"] <= len(lines) else ""


def allowed(finding: dict, entries) -> bool:
    text = flagged_line(finding) + "\n" + (finding.get("code") or "")
    return any(test_id == finding["test_id"] and path == finding["filename"] and snippet in text
               for test_id, path, snippet, _ in entries)


@pytest.fixture(scope="module")
def report() -> dict:
    if not BANDIT.exists():
        pytest.skip("bandit is not installed in this environment (requirements-dev.txt)")
    # fixed arguments, no shell (tests are not scanned by bandit themselves)
    run = subprocess.run([str(BANDIT), "-r", *SCANNED, "-q", "-f", "json"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.stdout.strip(), run.stderr
    return json.loads(run.stdout)


def test_bandit_scans_without_errors(report):
    assert report["errors"] == [], report["errors"]
    assert report["metrics"]["_totals"]["loc"] > 1000  # it did read the code


def test_every_bandit_finding_is_fixed_or_justified(report):
    entries = allowlist()
    unexplained = [f"{f['test_id']} {f['filename']}:{f['line_number']} {f['issue_text']}\n    {flagged_line(f).strip()}"
                   for f in report["results"] if not allowed(f, entries)]
    assert not unexplained, ("bandit findings neither fixed nor justified in bandit-allowlist.txt:\n"
                             + "\n".join(unexplained))


NOSEC = re.compile(r"#\s*nosec\b(?P<ids>(?:[\s,]*B\d{3})*)(?P<rest>.*)$")


def test_every_nosec_says_why():
    bare = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for n, line in enumerate(lines):
                m = NOSEC.search(line)
                if m is None:
                    continue
                reason = re.sub(r"^[\s:;,.\-–—]+", "", m["rest"]).strip()
                above = lines[n - 1].strip() if n else ""
                if len(reason) < 10 and not above.startswith("#"):
                    bare.append(f"{path.relative_to(ROOT)}:{n + 1}: {line.strip()}")
                if not m["ids"].strip():
                    bare.append(f"{path.relative_to(ROOT)}:{n + 1}: name the test (# nosec Bxxx): {line.strip()}")
    assert not bare, "# nosec without a reason:\n" + "\n".join(bare)


def test_allowlist_entries_still_match_something(report):
    # not a failure (the code moves under other hands), but stale entries are reported for clean-up
    entries = allowlist()
    stale = [e for e in entries if not any(allowed(f, [e]) for f in report["results"])]
    if stale:
        import warnings
        warnings.warn(f"bandit-allowlist.txt entries that match no finding any more: {stale}", stacklevel=1)
