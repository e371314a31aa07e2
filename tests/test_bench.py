"""bench/generate.py at a small size: what the benchmark measures must be real, readable data."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dutylist.app import create_app
from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind, Version
from dutylist.services import snapshot
from dutylist.services.audit import verify_chain

from .conftest import _make_database
from .factories import World

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generate():
    return load("generate")


@pytest.fixture
def bench_url(backend, tmp_path_factory, pg_available):
    """An empty database of each backend (PostgreSQL: the generator's COPY path)."""
    url, drop = _make_database(backend, tmp_path_factory, pg_available, "bench")
    yield url
    drop()


def test_a_small_benchmark_database_reads_like_a_published_one(generate, bench_url):
    url = bench_url
    result = generate.generate(url, 12, log=lambda *a: None)
    assert result["chain_ok"] and result["townships"] == 12
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Organisation)
                                 .where(Organisation.kind == OrgKind.township)) == 12
        town = db.session.scalar(select(Organisation).where(Organisation.name == "阿合奇镇"))
        versions = db.session.scalars(select(Version).where(Version.township_id == town.id)
                                      .order_by(Version.number)).all()
        assert [v.number for v in versions] == [1, 2]  # the real revision, published
        for v in versions:  # the bulk rows read back as publish_version would have written them
            entries = snapshot.read_entries(v)
            assert len(entries) == sum(v.counts.values())
            assert snapshot.version_digest((e["kind"], e["number"], e["hash"]) for e in entries) == v.digest
        assert verify_chain().ok
        from dutylist.search import service
        assert service.search(service.Query(q="高标准农田")).townships > 1  # the bulk rows are indexed for search
        # and their current entries written as publish_version writes them (what the search reads)
        from dutylist.models import CurrentEntry
        written = sorted(tuple(r) for r in db.session.execute(select(
            CurrentEntry.township_id, CurrentEntry.version_id, CurrentEntry.chunk_pos, CurrentEntry.entry_pos)))
        snapshot.rebuild_current_entries()
        assert written and written == sorted(tuple(r) for r in db.session.execute(select(
            CurrentEntry.township_id, CurrentEntry.version_id, CurrentEntry.chunk_pos, CurrentEntry.entry_pos)))
        assert len({r[0] for r in written}) == 12
        db.session.rollback()
    again = generate.generate(url, 12, log=lambda *a: None)  # a benchmark database may be emptied again
    assert again["chain_ok"]


def test_the_generator_refuses_to_empty_a_database_it_did_not_write(generate, tmp_path):
    url = f"sqlite:///{tmp_path / 'real.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        db.create_all()
        World()
        db.session.commit()
    with pytest.raises(generate.NotABenchDatabase, match="refusing to empty"):
        generate.generate(url, 3, log=lambda *a: None)
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.name == "大有镇")) is not None


def test_basis_impact_bench_runs_small(generate, bench_url):
    """bench/basis_impact.py on 12 townships: every citing item of every current version is flagged and listed."""
    generate.generate(bench_url, 12, log=lambda *a: None)
    bench = load("basis_impact")
    result = bench.run(bench_url, per_township=5, runs=2, log=lambda *a: None)
    assert result["townships"] == 12 and len(result["runs"]) == 2
    for row in result["runs"]:
        assert row["cited"] == 60 and row["flagged"] == 60 and row["flags"] == 60
        assert row["impact_townships"] == 12 and row["impact_items"] == 60
        assert row["mark_s"] > 0 and row["impact_s"] > 0


def test_the_wsgi_entry_point_keeps_the_app_out_of_the_garbage_collectors_way(tmp_path):
    """gunicorn's workers import wsgi.py: what the app is made of is frozen (gc.freeze), so a full
    collection does not walk it in the middle of a request."""
    import os
    import subprocess

    code = "import gc, wsgi; print(gc.get_freeze_count())"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x"}
    out = subprocess.run([sys.executable, "-c", code], cwd=BENCH.parent, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip().splitlines()[-1]) > 50_000
