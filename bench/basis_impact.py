"""A change of law at scale (issue 14): a basis cited by 20,000 items across 1,000 townships is marked repealed,
and its impact listed, through the JSON API; each must answer in under a second.

    python bench/generate.py --townships 1000 --database-url URL      # once (bench/generate.py)
    python bench/basis_impact.py --database-url URL [--per-township 20] [--runs 3]

On a database made by bench/generate.py: for each run, a new basis of the library is cited by `per-township`
items of every township's current version (the items' 依据 column and their content_basis links written in bulk,
as publishing would have stored them; the content hashes are left as they were, which nothing measured reads),
then `xj-region` (the whole region: every township in its area)
  1. POST /api/v1/bases/<id>/status {"status": "repealed", …}: the status change, the bulk flagging of every
     citing item of every township's latest version (one INSERT … SELECT), the audit entry, the commit;
  2. GET /api/v1/bases/<id>/impact: every flagged township and item of the area, as JSON.
The times are wall-clock per request (Flask's test client: no network, the whole request in one process).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from dutylist.app import create_app  # noqa: E402
from dutylist.config import database_url  # noqa: E402
from dutylist.extensions import db  # noqa: E402
from dutylist.models import Basis, BasisFlag, ContentBasis, Organisation, OrgKind, User, Version  # noqa: E402
from dutylist.services.law_change import latest_version_clause  # noqa: E402
from dutylist.services.tokens import create_token  # noqa: E402

GOAL_SECONDS = 1.0


def cite_everywhere(basis: Basis, per_township: int) -> int:
    """The first `per_township` items of every township's current version cite the basis (第十条): their
    content's 依据 column and its content_basis link, in bulk. How many items."""
    rows = db.session.execute(text("""
        SELECT v.township_id, ce.content_id
        FROM version v JOIN version_chunk vc ON vc.version_id = v.id
        JOIN chunk_entry ce ON ce.chunk_id = vc.chunk_id
        WHERE NOT EXISTS (SELECT 1 FROM version v2 WHERE v2.township_id = v.township_id AND v2.number > v.number)
        ORDER BY v.township_id, vc.pos, ce.pos""")).all()
    picked: dict[int, list[int]] = {}
    for township_id, content_id in rows:
        mine = picked.setdefault(township_id, [])
        if len(mine) < per_township and content_id not in mine:
            mine.append(content_id)
    content_ids = [c for ids in picked.values() for c in ids]
    citation = json.dumps([{"basis_id": basis.id, "article": "第十条", "text": ""}], ensure_ascii=False)
    positions = dict(db.session.execute(select(ContentBasis.content_id, func.count()).where(
        ContentBasis.content_id.in_(content_ids)).group_by(ContentBasis.content_id)).all()) if content_ids else {}
    db.session.execute(ContentBasis.__table__.insert(), [
        {"content_id": c, "position": positions.get(c, 0), "basis_id": basis.id} for c in content_ids])
    value = "CAST(:b AS JSON)" if db.engine.dialect.name == "postgresql" else ":b"
    for start in range(0, len(content_ids), 5000):
        chunk = content_ids[start:start + 5000]
        db.session.execute(text(f"UPDATE item_content SET bases = {value} WHERE id IN ({{}})".format(
            ",".join(str(int(c)) for c in chunk))), {"b": citation})
    db.session.commit()
    return len(content_ids)


def run(url: str, per_township: int = 20, runs: int = 3, log=print) -> dict:
    url = database_url(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "QUERY_CACHE": False})
    out = {"url": make_url(url).render_as_string(hide_password=True), "runs": []}
    with app.app_context():
        db.create_all()  # the tables this code adds to a database generated before it (create_all skips the rest)
        townships = db.session.scalar(select(func.count(Organisation.id)).where(Organisation.kind == OrgKind.township))
        region_user = db.session.scalar(select(User).where(User.username == "xj-region"))
        token = create_token(region_user, name="basis-impact bench")
        owner_id = region_user.organisation_id
        db.session.commit()
        out["townships"] = townships
        out["versions_current"] = db.session.scalar(select(func.count(Version.id)).where(latest_version_clause()))
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for n in range(runs):
            stamp = f"{time.time_ns()}-{n}"
            basis = Basis(title=f"基准测试用法规 {stamp}", doc_number=f"基准〔2026〕{stamp}号", issuer="自治区人民政府",
                          level="地方政府规章", owner_id=owner_id)
            db.session.add(basis)
            db.session.commit()
            cited = cite_everywhere(basis, per_township)
            basis_id = basis.id
            db.session.remove()
            t = time.perf_counter()
            marked = client.post(f"/api/v1/bases/{basis_id}/status", headers=headers, json={
                "status": "repealed", "date": date(2026, 12, 1).isoformat(), "note": "基准测试"})
            mark_s = time.perf_counter() - t
            assert marked.status_code == 200, marked.get_json()
            t = time.perf_counter()
            listed = client.get(f"/api/v1/bases/{basis_id}/impact", headers=headers)
            impact_s = time.perf_counter() - t
            assert listed.status_code == 200, listed.get_json()
            body = listed.get_json()
            flags = db.session.scalar(select(func.count(BasisFlag.id)).where(BasisFlag.basis_id == basis_id))
            row = {"cited": cited, "flagged": marked.get_json()["flagged"], "flags": flags,
                   "impact_townships": len(body["townships"]), "impact_items": body["total"],
                   "impact_bytes": len(listed.data), "mark_s": mark_s, "impact_s": impact_s}
            out["runs"].append(row)
            log(f"  run {n + 1}: {cited:,} item contents cited in {len(body['townships']):,} townships; "
                f"mark repealed {mark_s * 1000:.0f} ms (flagged {row['flagged']:,}); "
                f"impact {impact_s * 1000:.0f} ms ({body['total']:,} items, {len(listed.data) / 1e6:.1f} MB)")
        db.session.remove()
        db.engine.dispose()
    for key in ("mark_s", "impact_s"):
        values = [r[key] for r in out["runs"]]
        out[key] = {"median": statistics.median(values), "max": max(values)}
    out["ok"] = all(out[k]["max"] < GOAL_SECONDS for k in ("mark_s", "impact_s"))
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", help="a database made by bench/generate.py (default: $DATABASE_URL, else "
                                           "sqlite:///bench/data/bench-1000.sqlite3)")
    ap.add_argument("--per-township", type=int, default=20, help="items of each township citing the basis (20)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'bench' / 'data' / 'bench-1000.sqlite3'}"
    print(f"basis impact on {make_url(database_url(url)).render_as_string(hide_password=True)}")
    result = run(url, args.per_township, args.runs)
    print(f"{result['townships']:,} townships; mark repealed: median {result['mark_s']['median'] * 1000:.0f} ms, "
          f"max {result['mark_s']['max'] * 1000:.0f} ms; impact: median {result['impact_s']['median'] * 1000:.0f} ms, "
          f"max {result['impact_s']['max'] * 1000:.0f} ms; goal < {GOAL_SECONDS:.0f} s each: "
          f"{'met' if result['ok'] else 'NOT MET'}")
    return result


if __name__ == "__main__":
    main()
