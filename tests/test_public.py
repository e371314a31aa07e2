"""The public portal (/public/): without signing in, version 2 and what changed after a publication; 304 on
conditional requests; and nothing private — text written in a draft, an opinion, a reason, a request (调整申请),
a user's name —
on any /public/ page, download or search result (marker strings, every /public/ link crawled)."""
from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
import zipfile
from collections import deque
from urllib.parse import quote, urljoin, urlsplit

import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import User
from workflow import operations as ops
from workflow import requests

from .factories import World, fire, publish_change

NEW_ITEM = "负责本镇农民专业合作社发展指导工作"


def test_the_portal_shows_version_2_and_what_changed_without_signing_in(world, client):
    publish_change(world, NEW_ITEM)
    r = client.get(f"/public/townships/{world.town.id}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "第 2 版（现行）" in page and NEW_ITEM in page
    assert "共有履职事项 <strong class=\"total\">7</strong> 项" in page  # the 说明 totals, the official tables
    assert 'id="table-cooperative"' in page and "登录" in page and "退出" not in page
    changes = client.get(f"/public/townships/{world.town.id}/changes").get_data(as_text=True)
    assert 'id="version-2"' in changes and "第 2 版" in changes and "相对第 1 版" in changes
    section = changes[changes.index('id="version-2"'):changes.index('id="version-1"')]
    assert "新增 1 项" in section and NEW_ITEM in section and "修改理由" not in section
    versions = client.get(f"/public/townships/{world.town.id}/versions").get_data(as_text=True)
    assert 'data-version="2"' in versions and 'data-version="1"' in versions
    # the place tree links to it; search finds it; the sign-in page links to the portal
    assert f'/public/townships/{world.town.id}"' in client.get("/public/").get_data(as_text=True)
    hits = client.get("/public/search?q=" + quote("合作社发展")).get_data(as_text=True)
    assert NEW_ITEM[:4] in hits and "共找到 <strong>1</strong> 项" in hits
    assert 'href="/public/"' in client.get("/auth/login").get_data(as_text=True)


def test_the_township_page_answers_conditional_requests_with_304(world, client):
    url = f"/public/townships/{world.town.id}"
    first = client.get(url)
    tag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status_code == 200 and tag.startswith('W/"')
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": 'W/"something-else"'}).status_code == 200
    # a new version: the old validators no longer match
    publish_change(world, NEW_ITEM)
    after = client.get(url, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag and NEW_ITEM in after.get_data(as_text=True)
    # a download too
    dl = client.get(f"/public/versions/{world.version.id}/download.json")
    assert client.get(f"/public/versions/{world.version.id}/download.json",
                      headers={"If-None-Match": dl.headers["ETag"]}).status_code == 304


# ------------------------------------------------------------------------------------------ leaks ----
#: markers written where the public must never read them
SECRETS = {
    "name": "隐秘姓名甲乙丙",  # every user's display name
    "draft": "隐秘草稿事项丁戊己",  # an item of a draft that is never published
    "draft_reason": "隐秘草稿理由庚辛",  # its reason
    "opinion": "隐秘意见内容壬癸",  # an opinion on the published revision
    "reason": "隐秘修改理由子丑寅",  # a 修改理由 of the published revision
    "decision": "隐秘审核理由卯辰巳",  # what a reviewer wrote when approving
    "revision_title": "隐秘修订标题午未",
    "request_reason": "隐秘申请理由亥甲子",  # what a request says, accepted or rejected
    "request_item": "隐秘申请事项乙丑丙",  # an item a rejected request asked for
    "request_decision": "隐秘处理意见丁卯戊",  # why the office rejected it
    "accepted_item": "隐秘准入事项己巳庚",  # an item an accepted request put into the open draft
}
#: what IS published: the crawl must find it in every format it reads, or the check cannot fail
PUBLISHED = "公开标记合作社事项申酉戌"


def seed_secrets(w: World):
    for user in db.session.scalars(select(User)):
        user.display_name = f"{SECRETS['name']}{user.id}"
    db.session.commit()
    rev = ops.start_revision(w.town, w.drafter, title=SECRETS["revision_title"])
    db.session.commit()
    ops.add_item(rev, w.drafter, "cooperative", {
        "category": "乡村振兴", "name": PUBLISHED, "departments_text": "吉木萨尔县农业农村局",
        "departments": ["吉木萨尔县农业农村局"], "dept_duties": ["1.指导；"], "township_duties": ["1.配合；"]},
        SECRETS["reason"])
    db.session.commit()
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer, departments=[w.agri.id])
    ops.add_opinion(rev, w.agri_user, SECRETS["opinion"])
    db.session.commit()
    ops.sign_off(rev, w.agri_user, "with_opinions")
    db.session.commit()
    fire(rev, "approve", w.officer, reason=SECRETS["decision"])
    fire(rev, "escalate", w.officer)
    fire(rev, "approve", w.pref_user, reason=SECRETS["decision"])
    fire(rev, "publish", w.region_user, reason=SECRETS["decision"])
    # a new draft, never published, with an item and a reason of its own
    draft = ops.start_revision(w.town, w.drafter, title=SECRETS["revision_title"])
    ops.add_item(draft, w.drafter, "basic", {"category": "党的建设", "name": SECRETS["draft"]}, SECRETS["draft_reason"])
    db.session.commit()
    # adjustment requests: one rejected with a reason, one accepted into the open draft
    rejected = requests.submit_request(w.agri_user, [w.town], "admission", "上级部署新增任务", SECRETS["request_reason"], [
        {"action": "add", "kind": "basic", "fields": {"category": "乡村振兴", "name": SECRETS["request_item"]}}])
    accepted = requests.submit_request(w.agri_user, [w.town], "dynamic", "机构职能调整", SECRETS["request_reason"], [
        {"action": "add", "kind": "basic", "fields": {"category": "乡村振兴", "name": SECRETS["accepted_item"]}}])
    requests.decide_request(rejected, w.officer, "reject", SECRETS["request_decision"])
    requests.decide_request(accepted, w.officer, "accept", SECRETS["request_decision"])
    db.session.commit()


def _texts(url: str, response) -> list[str]:
    """Every text a response carries: pages as they are, documents opened (Word, Excel, ZIP members, PDF)."""
    data, kind = response.data, response.mimetype
    if kind in ("text/html", "text/csv", "application/json", "text/plain"):
        text = data.decode("utf-8-sig")
        return [text, html.unescape(re.sub(r"<[^>]+>", "", text))]  # search marks matches: <mark>…</mark>
    if kind == "application/pdf":
        if not shutil.which("pdftotext"):
            pytest.skip("pdftotext (poppler-utils) is needed to read the PDF")
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
        return [re.sub(r"\s+", "", out.stdout.decode("utf-8"))]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # docx, xlsx, the bulk ZIP: every member's text
        texts = []
        for name in zf.namelist():
            raw = html.unescape(zf.read(name).decode("utf-8-sig", errors="replace"))  # Excel writes &#22823;
            texts.append(raw)
            texts.append(re.sub(r"<[^>]+>", "", raw))  # Word splits runs: the text without its tags
        return texts


def crawl(client) -> dict[str, list[str]]:
    """Every /public/ page and download reachable from /public/, by its links (href, action of GET forms)."""
    seen, queue, found = set(), deque(["/public/"]), {}
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert "Set-Cookie" not in r.headers, url
        found[url] = _texts(url, r)
        if r.mimetype != "text/html":
            continue
        html = r.get_data(as_text=True)
        for href in re.findall(r'(?:href|action)="([^"#]+)', html):
            target = urljoin(url, href.replace("&amp;", "&"))
            if urlsplit(target).path.startswith("/public/") and target not in seen:
                queue.append(target)
    return found


def test_nothing_written_in_drafts_opinions_or_names_reaches_the_portal(world, client):
    seed_secrets(world)
    pages = crawl(client)
    # searches for every marker, on current and on every version
    for marker in [*SECRETS.values(), PUBLISHED]:
        for extra in ("", "&all_versions=1"):
            url = f"/public/search?q={quote(marker[:6])}{extra}"
            pages[url] = _texts(url, client.get(url))
    kinds = {urlsplit(u).path.rsplit(".", 1)[-1] for u in pages if "/download" in u}
    assert {"docx", "xlsx", "pdf", "csv", "json", "zip"} <= kinds, kinds
    assert any("/changes" in u for u in pages) and any("/search" in u for u in pages)
    for url, texts in pages.items():
        blob = "\n".join(texts)
        for what, marker in SECRETS.items():
            assert marker not in blob, (what, url)
    # the published item is found by the same reading in every kind of file: the check can fail
    for kind in kinds:
        assert any(PUBLISHED in "\n".join(t) for u, t in pages.items() if u.endswith("." + kind)), kind
    assert PUBLISHED in "\n".join(pages[f"/public/search?q={quote(PUBLISHED[:6])}"])
    assert len(pages) > 20


def test_the_bulk_download_holds_every_current_list(world, client):
    publish_change(world, NEW_ITEM)
    r = client.get("/public/download/all.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.data)) as zf:
        names = zf.namelist()
        index = zf.read("目录.csv").decode("utf-8-sig")
        [json_name] = [n for n in names if n.endswith(".json")]
        data = json.loads(zf.read(json_name))
    assert "大有镇" in index and "第2版" in index and world.town.name in json_name
    assert data["version"] == 2 and any(i["name"] == NEW_ITEM for i in data["items"])
    assert client.get("/public/download/all.zip", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_a_signed_in_visitor_gets_the_same_public_page(world, client):
    """Nothing of the visitor on the portal: a signed-in user sees the very page an anonymous one does."""
    url = f"/public/townships/{world.town.id}"
    anonymous = client.get(url)
    client.login("dayou-drafter")
    signed = client.get(url)
    assert signed.data == anonymous.data and signed.headers["ETag"] == anonymous.headers["ETag"]
    assert "dayou-drafter" not in signed.get_data(as_text=True)


def test_bad_public_addresses_answer_in_chinese(world, client):
    assert client.get("/public/townships/999999").status_code == 404
    assert client.get(f"/public/townships/{world.county.id}").status_code == 404
    assert client.get("/public/versions/999999/download.pdf").status_code == 404
    assert client.get(f"/public/versions/{world.version.id}/download.exe").status_code == 404
    r = client.get("/public/?place=abc")
    assert r.status_code == 400 and "参数 place 应为数字" in r.get_data(as_text=True)
    assert client.get("/public/search?kind=nope").status_code == 400
