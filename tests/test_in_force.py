"""What was in force on a date (issue 14.5): the API's ?at= and the history page's date picker."""
from datetime import datetime

import pytest

from dutylist.extensions import db
from dutylist.models import Version
from dutylist.services import history
from dutylist.services.tokens import create_token

from .factories import World
from .test_history import published  # noqa: F401  (the fixture: version 2 of 大有镇 through the workflow)


@pytest.fixture
def world(app):
    return World()


def set_published(version: Version, utc: datetime) -> None:
    version.published_at = utc
    db.session.commit()


def test_api_gives_the_version_in_force_on_a_day_in_the_configured_zone(app, world, published):  # noqa: F811
    v1, v2 = world.version, db.session.get(Version, published.published_version_id)
    set_published(v1, datetime(2026, 1, 10, 4, 0))
    # 2026-03-01 17:30 UTC is 2026-03-02 01:30 in Beijing: in force from the 2nd, not the 1st
    set_published(v2, datetime(2026, 3, 1, 17, 30))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_token(world.civil_user)}"}
    db.session.commit()
    url = f"/api/v1/townships/{world.town.id}/versions"

    def at(day):
        response = client.get(f"{url}?at={day}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    assert at("2026-01-09")["version"] is None and "尚无发布的版本" in at("2026-01-09")["message"]
    assert at("2026-01-10")["version"]["number"] == 1
    assert at("2026-03-01")["version"]["number"] == 1
    assert at("2026-03-02")["version"]["number"] == 2
    assert at("2030-12-31")["versions"][0]["id"] == v2.id
    assert history.version_at(world.town.id, datetime(2026, 3, 2).date()).id == v2.id
    # without ?at= every version is listed, as before
    assert [v["number"] for v in client.get(url, headers=headers).get_json()["versions"]] == [2, 1]


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "2026-3-1", "", "2026-02-30"])
def test_api_refuses_a_bad_date_in_chinese(app, world, bad):
    token = create_token(world.civil_user)
    db.session.commit()
    response = app.test_client().get(f"/api/v1/townships/{world.town.id}/versions?at={bad}",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_json()["error"]


def test_history_page_date_picker_shows_the_version_in_force(app, world, published):  # noqa: F811
    v1, v2 = world.version, db.session.get(Version, published.published_version_id)
    set_published(v1, datetime(2026, 1, 10, 4, 0))
    set_published(v2, datetime(2026, 3, 1, 17, 30))
    client = app.test_client()
    client.login("dayou-drafter")
    url = f"/townships/{world.town.id}/history"
    html = client.get(url).get_data(as_text=True)
    assert 'name="at"' in html and "当日施行" not in html
    html = client.get(url + "?at=2026-02-15").get_data(as_text=True)
    assert "2026-02-15 施行的是" in html and "第 1 版</a>（" in html
    assert 'id="version-1" class="in-force-row"' in html and 'id="version-2" class="in-force-row"' not in html
    html = client.get(url + "?at=2026-03-02").get_data(as_text=True)
    assert 'id="version-2" class="in-force-row"' in html
    assert "尚无发布的版本" in client.get(url + "?at=2025-12-31").get_data(as_text=True)
    bad = client.get(url + "?at=2026-02-31")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "应为 YYYY-MM-DD 格式" in html and 'value="2026-02-31"' in html  # what was typed is kept
