"""A search that runs too long is stopped (SEARCH_TIME_LIMIT) and the user is told how to narrow it.

Terms of 1-2 characters only cannot use an index: at 40,000 townships a rare one read every row for ~30 s, past
the server's own timeout, and anyone (the public search too) could keep every worker busy with them."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from dutylist import config
from dutylist.extensions import db
from dutylist.search import backend, service

DEMO_PASSWORD = "Demo-2025!"


def slow_sql() -> str:
    """A statement that runs for seconds on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return "SELECT pg_sleep(5)"
    return ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) "
            "SELECT count(*) FROM c")


def test_a_statement_past_the_limit_is_stopped_and_the_session_goes_on(app):
    started = time.monotonic()
    with pytest.raises(backend.TooSlow), backend.planned_for(["GI"], limit=0.2):
        db.session.execute(text(slow_sql())).all()
    assert time.monotonic() - started < 3  # stopped, not finished
    # the session works again, and the limit is gone with the block
    assert db.session.execute(text("SELECT 1")).scalar() == 1
    if db.session.get_bind().dialect.name == "postgresql":
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "0"
    else:  # no progress handler left behind: a statement of a few hundred milliseconds runs to its end
        db.session.execute(text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) "
                                "SELECT count(*) FROM c")).scalar()


def test_other_database_errors_are_not_taken_for_a_stop(app):
    with pytest.raises(Exception) as caught, backend.planned_for(["GI"], limit=5):
        db.session.execute(text("SELECT * FROM no_such_table")).all()
    assert not isinstance(caught.value, backend.TooSlow)
    db.session.rollback()


def test_without_a_limit_nothing_is_set(app):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("statement_timeout: PostgreSQL")
    with backend.planned_for(["GI"], limit=None):
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "0"
    with backend.planned_for(["GI"], limit=1.5):
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "1500ms"


@pytest.fixture
def slow_search(monkeypatch, demo_app):
    """Every search's statements take seconds; the limit is 0.2 s."""
    monkeypatch.setitem(demo_app.config, "SEARCH_TIME_LIMIT", 0.2)
    monkeypatch.setitem(demo_app.config, "QUERY_CACHE", False)
    real = service.prepared.fetch

    def fetch(key, build, params, **kw):
        if key[0] == "search.find":
            return db.session.execute(text(slow_sql())).all()
        return real(key, build, params, **kw)
    monkeypatch.setattr(service.prepared, "fetch", fetch)


@pytest.mark.parametrize("q, advice", [("GI", "一两个字的词用不上索引"), ("GIS 数", "请按地区、清单、类别或部门缩小范围")])
def test_the_search_page_says_it_stopped_and_keeps_the_query(demo_client, slow_search, q, advice):
    assert demo_client.login("jimsar-office", DEMO_PASSWORD).status_code == 302
    started = time.monotonic()
    response = demo_client.get("/search", query_string={"q": q})
    assert time.monotonic() - started < 3
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "检索用时过长，已停止，没有列出结果。" in body and advice in body
    assert f'value="{q}"' in body  # what the user typed is still in the box
    assert 'id="search-results"' not in body
    assert "ETag" not in response.headers  # not kept, not revalidated: asked again, it is searched again


def test_the_public_search_says_it_stopped_and_is_not_kept(demo_client, slow_search):
    response = demo_client.get("/public/search", query_string={"q": "GI"})
    assert response.status_code == 200
    assert "检索用时过长，已停止" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers


def test_a_search_within_the_limit_is_answered(demo_client, monkeypatch, demo_app):
    monkeypatch.setitem(demo_app.config, "SEARCH_TIME_LIMIT", 5)
    monkeypatch.setitem(demo_app.config, "QUERY_CACHE", False)
    assert demo_client.login("jimsar-office", DEMO_PASSWORD).status_code == 302
    body = demo_client.get("/search", query_string={"q": "农田"}).get_data(as_text=True)
    assert 'id="search-results"' in body and "已停止" not in body


@pytest.mark.parametrize("raw, value", [("10", 10.0), ("0.5", 0.5), ("0", None), (" 30 ", 30.0)])
def test_the_time_limit_setting(monkeypatch, raw, value):
    monkeypatch.setenv("SEARCH_TIME_LIMIT", raw)
    assert config.search_time_limit() == value


@pytest.mark.parametrize("raw", ["ten", "-1", "99999"])
def test_a_wrong_time_limit_is_named(monkeypatch, raw):
    monkeypatch.setenv("SEARCH_TIME_LIMIT", raw)
    with pytest.raises(ValueError, match="SEARCH_TIME_LIMIT"):
        config.search_time_limit()
