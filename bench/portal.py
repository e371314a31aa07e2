"""The public portal's township page against the signed-in list page, side by side in one run.

    python bench/portal.py                     # the demo data on a scratch SQLite file
    python bench/portal.py --rounds 5 --duration 5 --database-url postgresql://postgres@127.0.0.1:5432/portal

One gunicorn (production settings, -w 2×cores sync) serves both pages of the same township (阿合奇镇, ~300
items, the largest sample list): the signed-in list page (/townships/<id>, as the county office) and the
portal's page (/public/townships/<id>, no sign-in). wrk loads them alternately, round after round, so both
see the same machine and the same background load; the figures per page are the medians of the rounds, and
the ratio portal / list is what the issue asks for (the machine is shared: ratios, not absolute figures).
A third line measures the portal answering conditional requests (If-None-Match: 304 Not Modified).
The portal goal: its township page serves at least as many requests per second as the list page.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import run  # noqa: E402  (bench/run.py: gunicorn, sign-in, wrk)

TOWNSHIP = "阿合奇镇"


def seed(url: str) -> tuple[int, str]:
    """The demo data (five sample lists, one user per role) in the database; (township id, office user)."""
    from sqlalchemy import select

    from dutylist.app import create_app
    from dutylist.extensions import db
    from dutylist.models import Organisation, OrgKind, User
    from dutylist.services.demo import seed_demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_demo()
        db.session.commit()
        town = db.session.scalars(select(Organisation).where(
            Organisation.name == TOWNSHIP, Organisation.kind == OrgKind.township)).one()
        office = db.session.scalar(select(User.username).join(Organisation, User.organisation_id == Organisation.id)
                                   .where(Organisation.parent_id == town.parent_id, User.role == "county_office"))
        township_id = town.id
        db.session.remove()
        db.engine.dispose()
    return township_id, office


def wrk_with(url: str, headers: list[str], *, duration: int, connections: int, threads: int) -> dict:
    """bench/run.py's wrk with extra request headers."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
           "-s", str(ROOT / "bench" / "wrk_report.lua"), "-H", f"User-Agent: {run.USER_AGENT}"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    r = json.loads(line[len("WRK_JSON "):])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def etag_of(base: str, path: str) -> str:
    with urllib.request.urlopen(base + path, timeout=60) as resp:
        return resp.headers["ETag"]


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help="default: a scratch SQLite file (emptied and seeded)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=int, default=5, help="seconds of wrk per page and round")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: one per core)")
    args = p.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="dutylist-portal-bench-"))
    try:
        url = args.database_url or f"sqlite:///{tmp / 'portal.sqlite3'}"
        from dutylist.config import database_url
        url = database_url(url)
        run.ensure_wrk()
        township_id, office = seed(url)
        workers = args.workers or run.default_workers()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "SESSION_COOKIE_SECURE": "0",
               "DUTYLIST_INSTANCE": str(tmp)}
        env.pop("FLASK_DEBUG", None)
        opts = dict(duration=args.duration, connections=args.connections, threads=args.threads)
        load_start = run.loadavg()
        server = run.Server("wsgi:app", workers=workers, worker_class="sync", env=env, log=tmp / "app.log")
        pages = {"list (signed in)": (f"/townships/{township_id}", None),
                 "portal": (f"/public/townships/{township_id}", None)}
        try:
            server.wait("/auth/login")
            cookie = run.login(server.base, office)
            pages["list (signed in)"] = (pages["list (signed in)"][0], cookie)
            tag = etag_of(server.base, pages["portal"][0])
            print(f"{TOWNSHIP}: list {len(run.fetch(server.base, pages['list (signed in)'][0], cookie)[1]):,} bytes, "
                  f"portal {len(run.fetch(server.base, pages['portal'][0], None)[1]):,} bytes; ETag {tag}")
            for path, c in pages.values():  # warm-up: every worker renders and caches once
                run.wrk(server.base + path, duration=2, connections=args.connections, threads=args.threads, cookie=c)
            figures: dict[str, list] = {name: [] for name in pages}
            figures["portal, 304"] = []
            for n in range(1, args.rounds + 1):
                for name, (path, c) in pages.items():
                    r = server.measure(path, c, **opts)
                    figures[name].append(r)
                    print(f"  round {n}  {name:<17} {r['rps']:8.1f} req/s  p50 {r['p50'] / 1000:6.1f} ms  "
                          f"p95 {r['p95'] / 1000:6.1f} ms  server CPU {r['server_cpu_ms']:.2f} ms/req"
                          f"{'  ERRORS ' + str(r['errors']) if r['errors'] else ''}  load {run.loadavg()}")
            # conditional requests: every request carries the page's ETag and gets 304 Not Modified
            before = server.cpu_seconds()
            r = wrk_with(server.base + pages["portal"][0], [f"If-None-Match: {tag}"], **opts)
            r["server_cpu_ms"] = (server.cpu_seconds() - before) * 1000 / r["requests"] if r["requests"] else 0.0
            figures["portal, 304"].append(r)
            print(f"  portal, If-None-Match  {r['rps']:8.1f} req/s  p50 {r['p50'] / 1000:6.1f} ms  "
                  f"server CPU {r['server_cpu_ms']:.2f} ms/req")
        finally:
            server.stop()
        med = {name: statistics.median(x["rps"] for x in rs) for name, rs in figures.items() if rs}
        cpu = {name: statistics.median(x["server_cpu_ms"] for x in rs) for name, rs in figures.items() if rs}
        ratio = med["portal"] / med["list (signed in)"]
        report = {"rps": med, "server_cpu_ms": cpu, "ratio": ratio, "load_start": load_start, "load_end": run.loadavg(),
                  "workers": workers, "rounds": args.rounds, **opts}
        print()
        print(f"gunicorn -w {workers} sync; wrk -t{args.threads} -c{args.connections} -d{args.duration}s × "
              f"{args.rounds} rounds, alternating; load average {load_start} (start) / {report['load_end']} (end), "
              f"{os.cpu_count()} cores shared")
        print("| page | req/s (median) | server CPU ms/req |")
        print("| --- | ---: | ---: |")
        for name in med:
            print(f"| {name} | {med[name]:.1f} | {cpu[name]:.2f} |")
        print(f"\nportal / list = {ratio:.2f} (goal ≥ 1: {'met' if ratio >= 1 else 'NOT met'})")
        return report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
