"""The attacker's races, kills and dump/restore of issue 18, rerun on PostgreSQL (the rest: attack_figures.py).

    python bench/attack_races.py [--bursts 15] [--burst-size 50] [--edit-bursts 5] [--mixed-bursts 3] [--kills 36]
                                [--seed 18] [--json FILE]

Creates a scratch database on 127.0.0.1:5432 (user postgres, trust), seeds the demo data, and drops it at the end.

1. gunicorn, 4 workers × 4 threads, over it: 15 bursts of 50 simultaneous identical workflow moves through the
   JSON API with bearer tokens (submit, accept, approve, escalate, approve, publish of a revision, and again):
   moves that succeeded per burst (must be 1), audit entries written for it (must be 1), versions published
   by a publish burst (must be 1); then bursts of 50 simultaneous edits of one draft item with the same
   lock_version (exactly one wins, the others 409, the winner's text is the one kept); and bursts of 50 where
   half withdraw a submitted revision (its drafter) and half accept it (the county office): one move in all;
2. kill -9 mid-publish: a child process publishes a revision (ops.fire, as the region reviewer) with small random
   pauses inside the writes and is SIGKILLed at a random moment; after each kill every version is checked
   (its entries are all there, each content's hash matches its text, the digest and counts match the
   entries, no chunk left without a version) and the audit chain verifies;
3. dump → restore: PostgreSQL → a fresh SQLite → a fresh PostgreSQL (flask dump / flask restore), every
   table compared row by row with the original each time, the audit chain verified.
Prints a Markdown table of the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

PG_HOST = "postgres@127.0.0.1:5432"
GUNICORN = Path(sys.executable).with_name("gunicorn")


# ------------------------------------------------------------------ databases ----
def _admin():
    import psycopg
    return psycopg.connect(f"postgresql://{PG_HOST}/postgres", autocommit=True)


def make_pg(label: str) -> str:
    name = f"attack_{label}_{uuid.uuid4().hex[:8]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{PG_HOST}/{name}"


def drop_pg(url: str) -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def build_app(url: str):
    from dutylist.app import create_app
    from dutylist.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "attack-races"})
    with app.app_context():
        db.create_all()
    return app


def _norm(value):
    if isinstance(value, datetime):
        return "dt:" + value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return "d:" + value.isoformat()
    if isinstance(value, (dict, list)):
        return "j:" + json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def table_snapshot() -> dict[str, list[tuple]]:
    """Every table, every row by primary key, values normalised (as tests/test_backup.py compares)."""
    from sqlalchemy import JSON, select

    from dutylist.extensions import db
    out = {}
    for table in db.metadata.sorted_tables:
        cols = list(table.columns)
        flags = [c.is_(None) for c in cols if isinstance(c.type, JSON)]
        rows = db.session.execute(select(*cols, *flags).order_by(*table.primary_key.columns)).all()
        out[table.name] = [tuple(_norm(v) for v in row) for row in rows]
    return out


# ------------------------------------------------------------------ the demo world ----
def user(name: str):
    from sqlalchemy import select

    from dutylist.extensions import db
    from dutylist.models import User
    return db.session.scalar(select(User).where(User.username == name))


def actors(town) -> dict:
    """The demo users who move a revision of `town` through the whole review."""
    from dutylist.services.demo import SLUGS
    county = town.parent
    prefecture = county.parent
    return {"drafter": user(f"{SLUGS[town.name]}-drafter"), "office": user(f"{SLUGS[county.name]}-office"),
            "prefecture": user(f"{SLUGS[prefecture.name]}-prefecture"), "region": user("xj-region")}


def townships() -> list:
    from sqlalchemy import select

    from dutylist.extensions import db
    from dutylist.models import Organisation, OrgKind
    return db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.township)
                              .order_by(Organisation.id)).all()


def open_revision(town, tag: str, added: int = 3):
    """A new revision of `town` with `added` new items, every change explained: ready to submit."""
    from dutylist.extensions import db
    from dutylist.services import drafts
    from workflow import operations as ops
    drafter = actors(town)["drafter"]
    rev = ops.start_revision(town, drafter)
    for n in range(added):
        ops.add_item(rev, drafter, "basic", {"category": "综合政务", "name": f"{tag}新增事项{n}"})
    db.session.commit()
    for change in drafts.missing_reasons(rev):
        ops.explain_change(rev, drafter, change.item_id, "依据工作实际调整")
    for flag in drafts.open_flags(rev):
        ops.confirm_flag(rev, drafter, flag.id, "已核对，内容无误")
    db.session.commit()
    return rev


def clean_townships() -> list[int]:
    """Townships whose demo list passes the submit checks (some sample lists carry OCR damage that blocks
    submitting): a revision is opened in each and the others' abandoned."""
    from flask import current_app

    from dutylist.extensions import db
    from workflow import operations as ops
    good = []
    for town in townships():
        rev = open_revision(town, "检查", added=1)
        if ops.facts_for(rev, tuple(current_app.config["REVIEW_LEVELS"])).blockers():
            ops.fire(rev, "abandon", actors(town)["drafter"], levels=(), reason="示例清单有待整理")
        else:
            good.append(town.id)
            ops.fire(rev, "abandon", actors(town)["drafter"], levels=(), reason="仅作检查")
        db.session.commit()
    return good


#: the whole review of one revision, move by move: (event, who, body)
CYCLE = [("submit", "drafter", {}), ("accept", "office", {"no_consultation_reason": "内部调整，无需征求部门意见"}),
         ("approve", "office", {"reason": "同意"}), ("escalate", "office", {}),
         ("approve", "prefecture", {"reason": "同意"}), ("publish", "region", {"reason": "同意发布"})]

#: which move of CYCLE a revision in each state waits for
STEP_FROM = {"drafting": 0, "submitted": 1, "county_review": 2, "county_approved": 3, "prefecture_review": 4}


def fire_in_process(rev, event: str, who: str, body: dict) -> None:
    from flask import current_app

    from dutylist.extensions import db
    from workflow import operations as ops
    ops.fire(rev, event, actors(rev.township)[who], levels=tuple(current_app.config["REVIEW_LEVELS"]), **body)
    db.session.commit()


# ------------------------------------------------------------------ gunicorn ----
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, instance: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="attack-races", DUTYLIST_INSTANCE=str(instance))
    proc = subprocess.Popen([str(GUNICORN), "-w", "4", "--threads", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                            cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn did not start")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=2):
                return proc, port
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not answer in 90 s")


def call(method: str, url: str, token: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}
    except OSError as exc:
        return 0, {"error": str(exc)}


def burst(n: int, method: str, url, token, body_of) -> list[tuple[int, dict]]:
    """n requests released at once (a barrier), each with body_of(i); url and token may be functions of i."""
    gate = threading.Barrier(n)
    results: list = [None] * n

    def one(i):
        gate.wait()
        results[i] = call(method, url(i) if callable(url) else url, token(i) if callable(token) else token,
                          body_of(i))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def race_figures(app, url: str, bursts: int, size: int, edit_bursts: int, mixed: int) -> dict:
    from sqlalchemy import func, select

    from dutylist.extensions import db
    from dutylist.models import AuditEvent, DraftItem, Revision, Version
    from dutylist.services.audit import verify_chain
    from dutylist.services.tokens import create_token

    with app.app_context():
        towns = townships()
        tokens = {}
        for town in towns:
            for who, u in actors(town).items():
                if u.username not in tokens:
                    tokens[u.username] = create_token(u, "attack-races")
        db.session.commit()
        town_ids = clean_townships()

    rows, edits = [], []
    with tempfile.TemporaryDirectory() as instance:
        proc, port = start_gunicorn(url, Path(instance))
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            rev_id, step, n_town = None, 0, 0
            for b in range(bursts):
                with app.app_context():
                    if rev_id is None or step == len(CYCLE):
                        town = db.session.get(type(towns[0]), town_ids[n_town % len(town_ids)])
                        n_town += 1
                        rev_id, step = open_revision(town, f"并发{b}").id, 0
                    rev = db.session.get(Revision, rev_id)
                    event, who, body = CYCLE[step]
                    actor = actors(rev.township)[who]
                    source, township_id = rev.status, rev.township_id
                    versions_before = db.session.scalar(select(func.count(Version.id))
                                                        .where(Version.township_id == township_id))
                    db.session.remove()
                started = time.perf_counter()
                results = burst(size, "POST", f"{base}/revisions/{rev_id}/events/{event}", tokens[actor.username],
                                lambda i, body=body: body)
                seconds = time.perf_counter() - started
                codes = [c for c, _ in results]
                with app.app_context():
                    rev = db.session.get(Revision, rev_id)
                    logged = db.session.scalar(select(func.count(AuditEvent.id)).where(
                        AuditEvent.revision_id == rev_id, AuditEvent.action == event,
                        AuditEvent.from_state == source, AuditEvent.outcome == "ok"))
                    versions = db.session.scalar(select(func.count(Version.id))
                                                 .where(Version.township_id == township_id)) - versions_before
                    rows.append({"burst": b + 1, "move": f"{event} ({source} → {rev.status})", "sent": size,
                                 "ok": codes.count(200), "409": codes.count(409),
                                 "other": sorted({c for c in codes if c not in (200, 409)}),
                                 "audit_entries": logged, "new_versions": versions,
                                 "seconds": round(seconds, 2)})
                    db.session.remove()
                step += 1

            # concurrent edits of one draft item with the same lock_version
            with app.app_context():
                town = db.session.get(type(towns[0]), town_ids[n_town % len(town_ids)])
                rev = open_revision(town, "改")
                rev_id = rev.id
                token = tokens[actors(town)["drafter"].username]
                item_id = next(i.id for i in rev.items if i.kind == "basic")
                db.session.remove()
            for e in range(edit_bursts):
                with app.app_context():
                    lock = db.session.get(DraftItem, item_id).lock_version
                    db.session.remove()
                results = burst(size, "PATCH", f"{base}/revisions/{rev_id}/items/{item_id}", token,
                                lambda i, lock=lock, e=e: {"lock_version": lock, "name": f"第{e}轮并发修改{i}",
                                                           "reason": "并发修改"})
                codes = [c for c, _ in results]
                winners = [body["fields"]["name"] for c, body in results if c == 200]
                with app.app_context():
                    item = db.session.get(DraftItem, item_id)
                    kept = item.fields()["name"]
                    edits.append({"burst": e + 1, "sent": size, "ok": codes.count(200), "409": codes.count(409),
                                  "other": sorted({c for c in codes if c not in (200, 409)}),
                                  "lock_version_step": item.lock_version - lock,
                                  "winner_kept": len(winners) == 1 and kept == winners[0]})
                    db.session.remove()
            mixed = mixed_bursts(app, base, tokens, rev_id, size, mixed)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    with app.app_context():
        chain = verify_chain()
        db.session.remove()
    return {"bursts": rows, "edits": edits, "mixed": mixed, "chain_ok": chain.ok, "chain_entries": chain.checked,
            "published_in": town_ids[0]}


def mixed_bursts(app, base: str, tokens: dict, rev_id: int, size: int, count: int) -> list[dict]:
    """A submitted revision: half the burst withdraws it (its drafter), half accepts it (the county office), all at
    once; exactly one move of all may succeed. Brought back to submitted in between."""
    from sqlalchemy import func, select

    from dutylist.extensions import db
    from dutylist.models import AuditEvent, Revision
    from dutylist.services import drafts
    from workflow import operations as ops
    out = []
    for m in range(count):
        with app.app_context():
            rev = db.session.get(Revision, rev_id)
            people = actors(rev.township)
            if rev.status == "county_review":
                fire_in_process(rev, "return_for_revision", "office", {"reason": "请再核对"})
            for change in drafts.missing_reasons(rev):
                ops.explain_change(rev, people["drafter"], change.item_id, "依据工作实际调整")
            db.session.commit()
            fire_in_process(rev, "submit", "drafter", {})
            tokens_of = (tokens[people["drafter"].username], tokens[people["office"].username])
            seen = db.session.scalar(select(func.max(AuditEvent.seq)))
            db.session.remove()
        kind = [(i + m) % 2 for i in range(size)]  # 0 withdraw, 1 accept; who starts first alternates
        results = burst(size, "POST", lambda i: f"{base}/revisions/{rev_id}/events/{('withdraw', 'accept')[kind[i]]}",
                        lambda i: tokens_of[kind[i]],
                        lambda i: {} if kind[i] == 0 else {"no_consultation_reason": "内部调整，无需征求部门意见"})
        codes = [c for c, _ in results]
        won = [k for k, (c, _) in zip(kind, results) if c == 200]
        with app.app_context():
            rev = db.session.get(Revision, rev_id)
            moved = db.session.scalar(select(func.count(AuditEvent.id)).where(
                AuditEvent.seq > seen, AuditEvent.revision_id == rev_id, AuditEvent.from_state == "submitted",
                AuditEvent.outcome == "ok"))
            out.append({"burst": m + 1, "sent": size, "withdraw_ok": won.count(0),
                        "accept_ok": won.count(1), "409": codes.count(409),
                        "other": sorted({c for c in codes if c not in (200, 409)}), "audit_moves": moved,
                        "status": rev.status})
            db.session.remove()
    return out


# ------------------------------------------------------------------ kill -9 mid-publish ----
CHILD = textwrap.dedent("""
    import random, sys, time
    sys.path.insert(0, sys.argv[3])
    from dutylist.app import create_app
    from dutylist.extensions import db
    from dutylist.models import Revision, User
    from dutylist.services import audit, snapshot
    from workflow import operations as ops

    random.seed(int(sys.argv[4]))

    def paused(real):
        def wrapper(*args, **kwargs):
            table = getattr(args[0], "name", "") if args else ""
            print("in", real.__name__ + (f"({table})" if isinstance(table, str) and table else ""), flush=True)
            time.sleep(random.uniform(0, 0.03))
            out = real(*args, **kwargs)
            time.sleep(random.uniform(0, 0.03))
            return out
        return wrapper
    # small random pauses between the writes of a publication, so that a kill lands anywhere in it
    for name in ("insert_rows", "insert_returning_ids", "_contents_for"):
        setattr(snapshot, name, paused(getattr(snapshot, name)))
    ops.record_event = paused(ops.record_event)
    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "attack-races"})
    with app.app_context():
        rev = db.session.get(Revision, int(sys.argv[2]))
        region = db.session.scalar(db.select(User).where(User.username == "xj-region"))
        print("go", flush=True)
        ops.fire(rev, "publish", region, levels=tuple(app.config["REVIEW_LEVELS"]), reason="同意发布")
        db.session.commit()
        print("committed", flush=True)
""")


def check_versions() -> dict:
    """Every version whole: entries there, contents matching their hashes, digest and counts matching."""
    from sqlalchemy import func, select

    from dutylist.extensions import db
    from dutylist.items.content import content_hash
    from dutylist.items.tables import KINDS
    from dutylist.models import Revision, Version
    from dutylist.models.dutylist import EntryChunk, VersionChunk
    from dutylist.services.audit import verify_chain
    from dutylist.services.snapshot import CONTENT_KEYS, read_entries, version_digest

    bad = []
    versions = db.session.scalars(select(Version).order_by(Version.id)).all()
    for v in versions:
        entries = read_entries(v)
        counts = {k: 0 for k in KINDS}
        for e in entries:
            counts[e["kind"]] += 1
        wrong_contents = sum(1 for e in entries if content_hash({k: e[k] for k in CONTENT_KEYS}) != e["hash"])
        if (not entries or wrong_contents or counts != v.counts
                or version_digest((e["kind"], e["number"], e["hash"]) for e in entries) != v.digest):
            bad.append(f"{v.township_id}/v{v.number}")
    orphans = db.session.scalar(select(func.count(EntryChunk.id)).where(
        ~EntryChunk.id.in_(select(VersionChunk.chunk_id))))
    half_published = db.session.scalar(select(func.count(Revision.id)).where(
        (Revision.status == "published") != Revision.published_version_id.is_not(None)))
    chain = verify_chain()
    return {"versions": len(versions), "bad": bad, "orphan_chunks": orphans, "half_published": half_published,
            "chain_ok": chain.ok}


def kill_figures(app, url: str, kills: int, seed: int, town_id: int) -> dict:
    """Kills while publishing revisions of town_id (a township without an open revision)."""
    from sqlalchemy import select

    from dutylist.extensions import db
    from dutylist.models import Organisation, Revision
    from workflow.states import OPEN

    rnd = random.Random(seed)
    outcome = {"before_commit": 0, "after_commit": 0, "problems": [], "checks": 0, "max_versions": 0,
               "where": {}}
    with app.app_context():
        first = check_versions()
        db.session.remove()
    if first["bad"] or first["orphan_chunks"] or first["half_published"] or not first["chain_ok"]:
        outcome["problems"].append(f"before any kill: {first}")
    rev_id = None
    window = None
    for k in range(-1, kills):  # -1: one publication left alone, to time it
        with app.app_context():
            rev = db.session.get(Revision, rev_id) if rev_id else None
            if rev is None or rev.status != "region_review":
                town = db.session.get(Organisation, town_id)
                rev = db.session.scalar(select(Revision).where(Revision.township_id == town_id,
                                                               Revision.status.in_(OPEN)))
                rev = rev or open_revision(town, f"断电{k}", added=20)
                while rev.status != "region_review":  # the whole review but the last move
                    fire_in_process(rev, *CYCLE[STEP_FROM[rev.status]])
                rev_id = rev.id
            db.session.remove()
        child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(rev_id), str(HERE), str(seed + k)],
                                 cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert child.stdout.readline().strip() == "go"
        started = time.perf_counter()
        if window is None:
            while (line := child.stdout.readline().strip()) != "committed":
                assert line.startswith("in "), line
            window = outcome["publish_seconds"] = round(time.perf_counter() - started, 3)
            child.wait()
            continue
        # kill anywhere in the publication, now and then just after it
        time.sleep(rnd.uniform(0, window * 1.15))
        child.send_signal(signal.SIGKILL)
        rest = child.communicate()[0]
        steps = [line.split()[1] for line in rest.splitlines() if line.startswith("in ")]
        where = "committed" if "committed" in rest else (steps[-1] if steps else "before the first write")
        outcome["where"][where] = outcome["where"].get(where, 0) + 1
        with app.app_context():
            found = check_versions()
            outcome["checks"] += 1
            outcome["max_versions"] = max(outcome["max_versions"], found["versions"])
            status = db.session.get(Revision, rev_id).status
            db.session.remove()
        # published: the kill came after the commit (perhaps before the child said so); else before it
        outcome["after_commit" if status == "published" else "before_commit"] += 1
        if found["bad"] or found["orphan_chunks"] or found["half_published"] or not found["chain_ok"] \
                or status not in ("region_review", "published") or ("committed" in rest and status != "published"):
            outcome["problems"].append(f"kill {k + 1}: {found}, revision {status}")
    return outcome


# ------------------------------------------------------------------ dump and restore ----
def round_trip(app, tmp: Path) -> list[dict]:
    from dutylist.backup.dump import dump_database
    from dutylist.backup.restore import restore_database
    from dutylist.extensions import db
    from dutylist.services.audit import verify_chain

    with app.app_context():
        original = table_snapshot()
        dump_database(tmp / "pg.dump.gz")
        db.session.remove()
    rows = []
    legs = [("PostgreSQL → SQLite", tmp / "pg.dump.gz", f"sqlite:///{tmp / 'restored.sqlite3'}", tmp / "sqlite.dump.gz"),
            ("SQLite → PostgreSQL", tmp / "sqlite.dump.gz", make_pg("restored"), None)]
    for label, source, target_url, dump_again in legs:
        target = build_app(target_url)
        try:
            with target.app_context():
                started = time.perf_counter()
                summary = restore_database(source)
                seconds = time.perf_counter() - started
                copy = table_snapshot()
                chain = verify_chain()
                differing = sorted(t for t in original if copy.get(t) != original[t])
                rows.append({"way": label, "rows": summary.rows, "tables": len(summary.tables),
                             "identical": not differing, "differing_tables": differing, "chain_ok": chain.ok,
                             "seconds": round(seconds, 1)})
                if dump_again:
                    dump_database(dump_again)
                db.session.remove()
                db.engine.dispose()
        finally:
            if target_url.startswith("postgresql"):
                drop_pg(target_url)
    return rows


# ------------------------------------------------------------------ report ----
def report(fig: dict) -> str:
    out = ["## Races (gunicorn 4 workers × 4 threads, PostgreSQL, bearer tokens)", "",
           "| burst | move | sent | succeeded | 409 | other | audit entries | new versions | s |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in fig["races"]["bursts"]:
        out.append(f"| {r['burst']} | {r['move']} | {r['sent']} | {r['ok']} | {r['409']} | {r['other'] or '—'} "
                   f"| {r['audit_entries']} | {r['new_versions']} | {r['seconds']} |")
    out += ["", "| edit burst (same lock_version) | sent | succeeded | 409 | other | lock_version +1 | winner's text kept |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in fig["races"]["edits"]:
        out.append(f"| {r['burst']} | {r['sent']} | {r['ok']} | {r['409']} | {r['other'] or '—'} "
                   f"| {r['lock_version_step'] == 1} | {r['winner_kept']} |")
    out += ["", "| mixed burst: half withdraw (drafter), half accept (office) | sent | withdraw ok | accept ok | 409 "
            "| other | moves in the audit chain | state after |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in fig["races"]["mixed"]:
        out.append(f"| {r['burst']} | {r['sent']} | {r['withdraw_ok']} | {r['accept_ok']} | {r['409']} "
                   f"| {r['other'] or '—'} | {r['audit_moves']} | {r['status']} |")
    out.append(f"\naudit chain after the races: {'verifies' if fig['races']['chain_ok'] else 'BROKEN'} "
               f"({fig['races']['chain_entries']} entries)")
    k = fig["kills"]
    out += ["", "## kill -9 mid-publish", "",
            f"{k['before_commit'] + k['after_commit']} kills: {k['before_commit']} before the commit, "
            f"{k['after_commit']} after it (a publication takes {k['publish_seconds']} s with the child's pauses); {k['checks']} checks of every version (up to {k['max_versions']}) and "
            f"the audit chain; problems: {k['problems'] or 'none'}", "",
            "where the kills landed (the child's last step begun): "
            + "; ".join(f"{n} × {w}" for w, n in sorted(k["where"].items()))]
    out += ["", "## Dump and restore", "", "| way | rows | tables | identical to the original | audit chain | s |",
            "| --- | --- | --- | --- | --- | --- |"]
    for r in fig["dump"]:
        out.append(f"| {r['way']} | {r['rows']} | {r['tables']} | "
                   f"{'yes' if r['identical'] else 'NO: ' + ', '.join(r['differing_tables'])} | "
                   f"{'verifies' if r['chain_ok'] else 'BROKEN'} | {r['seconds']} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=15)
    parser.add_argument("--burst-size", type=int, default=50)
    parser.add_argument("--edit-bursts", type=int, default=5)
    parser.add_argument("--mixed-bursts", type=int, default=3, help="at most 3 (the county's round limit)")
    parser.add_argument("--kills", type=int, default=36)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from dutylist.extensions import db
    from dutylist.services.demo import seed_demo

    started = time.perf_counter()
    url = make_pg("races")
    try:
        app = build_app(url)
        with app.app_context():
            seed_demo()
            db.session.commit()
            db.session.remove()
        fig = {"load_before": os.getloadavg()}
        fig["races"] = race_figures(app, url, args.bursts, args.burst_size, args.edit_bursts, args.mixed_bursts)
        fig["kills"] = kill_figures(app, url, args.kills, args.seed, fig["races"]["published_in"])
        with tempfile.TemporaryDirectory() as tmp:
            fig["dump"] = round_trip(app, Path(tmp))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_pg(url)
    fig["seconds"] = round(time.perf_counter() - started, 1)
    fig["load_after"] = os.getloadavg()
    print(report(fig))
    print(f"\n{fig['seconds']} s; load average {fig['load_before'][0]:.1f} before, {fig['load_after'][0]:.1f} after")
    if args.json:
        args.json.write_text(json.dumps(fig, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
