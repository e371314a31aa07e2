"""How long other requests wait while a 1,500-row list is imported through the web, and how long the import takes.

    python bench/import_wait.py                      # SQLite (a scratch file) and PostgreSQL (if reachable)
    python bench/import_wait.py --backend sqlite     # one of them
    TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/import_wait.py --backend postgresql

Each run: a scratch database with the demo data; 大有镇's drafter uploads a 1,500-item Excel list (the
township's 240 items, some reworded, and 1,260 new ones) as a new draft, previews it and confirms; while the
import runs, another user (吉木萨尔县委编办) signs in, downloads 大有镇's list as CSV and signs out, in a loop. Printed:
the import's duration (confirm → done) and the longest and median time of the other user's requests meanwhile.
The app runs in this process (the import in its own thread, as in a worker; the other requests in another).
"""
from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from dutylist import signals  # noqa: E402
from dutylist.app import create_app  # noqa: E402
from dutylist.documents import export_xlsx, model  # noqa: E402
from dutylist.extensions import db  # noqa: E402
from dutylist.models import Organisation, OrgKind  # noqa: E402
from dutylist.services import snapshot  # noqa: E402
from dutylist.services.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from dutylist.services.list_counts import list_stats  # noqa: E402

ROWS = 1500
PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def big_list(version, rows: int = ROWS, township: str | None = None) -> bytes:
    """The township's list grown to `rows` items: every 10th reworded, the rest new, as Excel
    (as another township's list when `township` is given)."""
    doc = model.from_version(version)
    if township:
        doc.township = township
        doc.title = doc.title.replace("大有镇", township)
    entries = [dict(e) for e in doc.entries]
    for n, e in enumerate(entries):
        if n % 10 == 0:
            e["name"] = e["name"] + "（修订）"
    base = [e for e in entries if e["kind"] == "basic"]
    n = 0
    while len(entries) < rows:
        src = dict(base[n % len(base)])
        src.update(item_id=None, name=f"{src['name']}（新增第 {n + 1} 项）")
        entries.append(src)
        n += 1
    ordered = sorted(entries, key=lambda e: model.KINDS.index(e["kind"]))
    for kind in model.KINDS:
        for i, e in enumerate(x for x in ordered if x["kind"] == kind):
            e["number"] = i + 1
    doc.entries = ordered
    doc.stats = list_stats(doc.entries)
    return export_xlsx.to_xlsx(doc)


def csrf(client) -> str:
    html = client.get("/auth/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def sign_in(client, username: str, check: bool = True):
    token = csrf(client)
    response = client.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    if check:
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return token, response.status_code == 302


def make_database(backend: str):
    if backend == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="import-wait-")) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: None
    import psycopg
    name = f"dutylist_bench_import_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    base = re.sub(r"^postgresql(\+psycopg)?://", "postgresql+psycopg://", PG_ADMIN_URL)
    return base.rsplit("/", 1)[0] + f"/{name}", drop


def run(backend: str, rows: int = ROWS, mode: str = "draft") -> dict:
    url, drop = make_database(backend)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": True,
                          "DOCUMENTS_UPLOAD_DIR": tempfile.mkdtemp(prefix="import-wait-uploads-")})
        with app.app_context():
            db.create_all()
            seed_demo()
            db.session.commit()
            town = db.session.scalar(select(Organisation).where(Organisation.kind == OrgKind.township,
                                                                Organisation.name == "大有镇"))
            version = snapshot.current_version(town.id)
            town_id, version_id = town.id, version.id
            data = big_list(version, rows, township="新建镇" if mode == "new" else None)
            db.session.remove()
        drafter = app.test_client()
        # a draft of 大有镇 by its drafter, or a new township's first version by the system administrator
        token, _ = sign_in(drafter, "dayou-drafter" if mode == "draft" else "sysadmin")
        target = f"?township_id={town_id}" if mode == "draft" else ""
        form = {"file": (io.BytesIO(data), f"清单（{rows} 项）.xlsx"), "csrf_token": token}
        if mode == "new":
            form["place"] = "新疆维吾尔自治区昌吉回族自治州吉木萨尔县新建镇"
        response = drafter.post(f"/imports/new{target}", content_type="multipart/form-data", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        upload = re.search(r"/imports/([A-Za-z0-9_-]+)$", response.headers["Location"]).group(1)
        page = drafter.get(f"/imports/{upload}").get_data(as_text=True)
        assert 'id="confirm-import" disabled' not in page, "the preview refuses the import"

        waits: list[float] = []
        failures: list[str] = []
        stop = threading.Event()

        def other_user():
            while not stop.is_set():
                client = app.test_client()
                for step in ("sign_in", "export", "sign_out"):
                    t0 = time.perf_counter()
                    if step == "sign_in":
                        token, ok = sign_in(client, "jimsar-office", check=False)
                    elif step == "export":
                        ok = client.get(f"/versions/{version_id}/export.csv").status_code == 200
                    else:
                        ok = client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
                    waits.append(time.perf_counter() - t0)
                    if not ok:  # e.g. 503 "database is locked" on SQLite after its 5 s busy timeout
                        failures.append(step)
                        break

        marks: dict[str, float] = {}

        def mark(sender, stage, **_):  # the job's write transaction begins (dutylist.signals.import_progress)
            marks.setdefault(stage, time.perf_counter())
        if hasattr(signals, "import_progress"):
            signals.import_progress.connect(mark)
        other = threading.Thread(target=other_user, daemon=True)
        t0 = time.perf_counter()
        response = drafter.post(f"/imports/{upload}/confirm", data={"csrf_token": token})
        assert response.status_code == 302
        other.start()
        while True:
            status = drafter.get(f"/imports/{upload}/status").get_json() or {}  # None: a 503 (database locked)
            if status.get("state") in ("done", "error"):
                break
            time.sleep(0.05)
        duration = time.perf_counter() - t0
        write = time.perf_counter() - marks["write"] if "write" in marks else None
        stop.set()
        other.join(60)
        assert status["state"] == "done", status
        return {"backend": backend, "rows": rows, "mode": mode, "import_seconds": round(duration, 2),
                "write_seconds": round(write, 2) if write is not None else None,
                "requests": len(waits), "failed": len(failures), "longest_wait": round(max(waits), 3) if waits else None,
                "median_wait": round(statistics.median(waits), 3) if waits else None}
    finally:
        try:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        except NameError:
            pass
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--mode", choices=["draft", "new"], action="append",
                        help="draft: a new draft of an existing township (default); new: a new township's version 1")
    args = parser.parse_args()
    for backend in args.backend or ["sqlite", "postgresql"]:
        for mode in args.mode or ["draft"]:
            r = run(backend, args.rows, mode)
            print(f"{r['backend']:<10} {r['mode']:<5} {r['rows']} rows: import {r['import_seconds']:.2f} s "
                  f"(its write transaction: {r['write_seconds']} s); other user's requests meanwhile: "
                  f"{r['requests']} ({r['failed']} failed), longest {r['longest_wait']} s, "
                  f"median {r['median_wait']} s", flush=True)


if __name__ == "__main__":
    main()
