"""Where each millisecond of a signed-in page goes: cProfile over real requests, in-process.

    python bench/profile.py                      # the benchmark database (bench/data/bench-1000.sqlite3)
    python bench/profile.py --no-cache           # VERSION_HTML_CACHE=0 QUERY_CACHE=0 PAGE_CACHE=0
    python bench/profile.py --pages list,home --requests 200 --top 25
    DATABASE_URL=postgresql://… python bench/profile.py

Runs the app in this process (Flask's test client, no gunicorn), signed in as the benchmark county's office
user (akqi-office), and for each page (the list page of 阿合奇镇, the home page, the inbox, the dashboard)
prints: wall milliseconds per request, SQL statements per request and the time spent in them (measured by
engine events, so they include the driver), the CPU time split by where the code lives (SQLAlchemy, Jinja
and the templates, Flask/Werkzeug, Flask-Login, Flask-WTF, the app, the database driver, the standard
library), and the functions with the most cumulative and own time. cProfile roughly doubles the time of
Python code; the split, not the absolute figure, is what it tells. The "unprofiled" line is the same
requests without the profiler.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# this file is named profile.py: keep bench/ off the path while the standard library's cProfile imports its
# own profile module
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
from collections import defaultdict  # noqa: E402

sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))

import generate  # noqa: E402  (bench/generate.py)
from sqlalchemy import event, select  # noqa: E402

#: where a function's file lives -> the label it is counted under (first match wins)
AREAS = [
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/flask_sqlalchemy/", "SQLAlchemy"),
    ("/psycopg", "database driver"),
    ("sqlite3", "database driver"),
    ("/jinja2/", "Jinja"),
    ("<template>", "templates (compiled Jinja)"),
    ("/templates/", "templates (compiled Jinja)"),
    ("/markupsafe/", "Jinja"),
    ("/flask_login/", "Flask-Login"),
    ("/flask_wtf/", "Flask-WTF"),
    ("/wtforms/", "Flask-WTF"),
    ("/itsdangerous/", "session cookie (itsdangerous)"),
    ("/werkzeug/", "Flask/Werkzeug"),
    ("/flask/", "Flask/Werkzeug"),
    ("/blinker/", "Flask/Werkzeug"),
    ("/workflow/", "app (workflow)"),
    ("/dutylist/views/", "app (views)"),
    ("/dutylist/", "app (other)"),
    ("/lib/python", "standard library"),
    ("~", "builtins"),
]


def _short(filename: str) -> str:
    """A function's file as the tables print it: relative to the project, or to site-packages."""
    return filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]


def area(filename: str) -> str:
    for needle, label in AREAS:
        if needle in filename:
            return label
    return "other"


def pages_for(app, township_id: int, county_id: int) -> dict[str, str]:
    pages = {"list": f"/townships/{township_id}", "home": "/", "inbox": "/inbox",
             "history": f"/townships/{township_id}/history", "diff": f"/townships/{township_id}/diff"}
    if "oversight.dashboard" in app.view_functions:
        pages["dashboard"] = "/dashboard"
    if "search.index" in app.view_functions:
        search = "/search?q=" + urllib.parse.quote("高标准农田")
        pages["search"] = search
        pages["search-county"] = f"{search}&organisation={county_id}"
    return pages


def sign_in(client, app, username: str) -> None:
    """Put the user's session in the test client's cookie (what a real sign-in leaves there)."""
    from dutylist.extensions import db
    from dutylist.models import User
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        session_id = user.get_id()
    with client.session_transaction() as sess:
        sess["_user_id"] = session_id
        sess["_fresh"] = True


def profile_page(app, client, path: str, n: int, top: int) -> dict:
    from dutylist.extensions import db
    with app.app_context():
        engine = db.engine
    sql = {"n": 0, "s": 0.0}
    starts: list[float] = []

    def before(*_a, **_k):
        starts.append(time.perf_counter())

    def after(*_a, **_k):
        sql["n"] += 1
        sql["s"] += time.perf_counter() - starts.pop()

    for _ in range(5):  # warm: caches, compiled templates, statement caches
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
    size = len(resp.data)
    t0 = time.perf_counter()
    for _ in range(n):
        client.get(path)
    plain = (time.perf_counter() - t0) / n * 1000
    from dutylist.views import page_hits
    read = page_hits._read

    def hit_read(*a, **k):  # the hit path's one read runs on the driver's cursor, past the engine's events
        before()
        try:
            return read(*a, **k)
        finally:
            after()
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    page_hits._read = hit_read
    try:
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        for _ in range(n):
            client.get(path)
        prof.disable()
        profiled = (time.perf_counter() - t0) / n * 1000
    finally:
        page_hits._read = read
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    stats = pstats.Stats(prof)
    by_area: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        by_area[area(filename)] += tt
        total += tt
    print(f"\n## {path}  ({size / 1024:.0f} KiB)")
    print(f"unprofiled {plain:.2f} ms/request; profiled {profiled:.2f} ms/request; "
          f"SQL: {sql['n'] / n:.1f} statements/request, {sql['s'] / n * 1000:.2f} ms/request (profiled); "
          f"{stats.total_calls / n:,.0f} Python function calls/request (independent of the machine's load)")
    print("| where | ms/request (profiled) | share |")
    print("| --- | ---: | ---: |")
    for label, t in sorted(by_area.items(), key=lambda kv: -kv[1]):
        print(f"| {label} | {t / n * 1000:.3f} | {t / total:.0%} |")
    print(f"\ntop {top} by cumulative time (ms/request):")
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][3])
    shown = 0
    for (filename, line, name), (_cc, nc, tt, ct, _callers) in rows:
        if shown >= top:
            break
        if name.startswith("<") and name != "<module>" and "template" not in filename:
            continue
        print(f"  {ct / n * 1000:7.3f} cum {tt / n * 1000:7.3f} own {nc / n:6.1f} calls  {_short(filename)}:{line} {name}")
        shown += 1
    print(f"\ntop {top} by own time (ms/request):")
    for (filename, line, name), (_cc, nc, tt, ct, _callers) in sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]:
        print(f"  {tt / n * 1000:7.3f} own {ct / n * 1000:7.3f} cum {nc / n:6.1f} calls  {_short(filename)}:{line} {name}")
    return {"path": path, "bytes": size, "ms": plain, "profiled_ms": profiled, "sql_per_request": sql["n"] / n,
            "sql_ms": sql["s"] / n * 1000, "calls": stats.total_calls / n, "areas": {k: v / n * 1000 for k, v in by_area.items()}}


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description="cProfile of signed-in pages, split by where the time goes.")
    ap.add_argument("--database-url", help="default: $DATABASE_URL, else the benchmark's SQLite file")
    ap.add_argument("--townships", type=int, default=1000, help="which benchmark SQLite file (bench-<N>)")
    ap.add_argument("--pages", default="list,home,inbox,dashboard",
                    help="any of list,home,inbox,dashboard,history,diff,search,search-county")
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--user", default="akqi-office")
    ap.add_argument("--no-cache", action="store_true", help="VERSION_HTML_CACHE=0 QUERY_CACHE=0 PAGE_CACHE=0")
    args = ap.parse_args(argv)
    from dutylist.app import create_app
    from dutylist.config import database_url
    from dutylist.extensions import db
    from dutylist.models import Organisation, OrgKind
    url = database_url(args.database_url or os.environ.get("DATABASE_URL") or generate.default_url(args.townships))
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "profile", "WTF_CSRF_ENABLED": True}
    if args.no_cache:
        config.update(VERSION_HTML_CACHE=0, QUERY_CACHE=False, PAGE_CACHE=0)
    app = create_app(config)
    with app.app_context():
        township_id, county_id = db.session.execute(select(Organisation.id, Organisation.parent_id).where(
            Organisation.name == "阿合奇镇", Organisation.kind == OrgKind.township)).first() or (None, None)
    if township_id is None:
        sys.exit(f"no benchmark data in {url}: run python bench/generate.py first")
    client = app.test_client()
    sign_in(client, app, args.user)
    print(f"# profile: {url}; signed in as {args.user}; {args.requests} requests per page; caches "
          f"{'off' if args.no_cache else 'on'}; load average {open('/proc/loadavg').read().split()[0]}")
    pages = pages_for(app, township_id, county_id)
    out = []
    for name in args.pages.split(","):
        if name in pages:
            out.append(profile_page(app, client, pages[name], args.requests, args.top))
    return out


if __name__ == "__main__":
    main()
