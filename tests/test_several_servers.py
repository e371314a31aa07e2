"""Several app servers over one PostgreSQL database: an upload previewed on one is confirmed and followed on
the other (nothing kept on one machine's disk or in one process), and a job whose worker died is reported
failed and can be retried."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from dutylist.documents import export_docx
from dutylist.extensions import db
from dutylist.models import ImportUpload, Revision
from dutylist.models.base import utcnow

from .conftest import PASSWORD
from .factories import signed_in
from .test_documents_web import revised_list, token_of, upload, wait

pytestmark = pytest.mark.commits  # gunicorn servers in other processes read the test's rows

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A real HTTP client with one cookie jar, talking to whichever server it is told."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.csrf = None

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:  # 3xx (not followed) and errors
            return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")

    def get(self, url: str):
        status, headers, body = self.request(url)
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body)
        if found:
            self.csrf = found.group(1)
        return status, headers, body

    def post(self, url: str, fields: dict, files: dict | None = None):
        fields = {"csrf_token": self.csrf, **fields}
        if not files:
            data = urllib.parse.urlencode(fields).encode()
            return self.request(url, data, {"Content-Type": "application/x-www-form-urlencoded"})
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(url, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def gunicorn(url: str, port: int, instance: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="one-secret-for-every-server", DUTYLIST_INSTANCE=str(instance))
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}",
                             "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn on {port} did not start")


def test_an_upload_previewed_on_one_server_is_confirmed_and_followed_on_another(app, world, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("several servers share a PostgreSQL database")
    ports = [free_port(), free_port()]
    servers = [gunicorn(url, port, tmp_path / f"machine{n}") for n, port in enumerate(ports)]
    try:
        for port, proc in zip(ports, servers):
            ready(port, proc)
        one, two = (f"http://127.0.0.1:{p}" for p in ports)
        browser = Browser()
        browser.get(f"{one}/auth/login")
        status, headers, _ = browser.post(f"{one}/auth/login", {"username": "dayou-drafter", "password": PASSWORD})
        assert status == 302, status
        browser.get(f"{one}/imports/new?township_id={world.town.id}")
        data = export_docx.to_docx(revised_list(world))
        status, headers, body = browser.post(f"{one}/imports/new?township_id={world.town.id}", {},
                                             files={"file": ("大有镇修订.docx", data)})
        assert status == 302, body[:2000]
        token = re.search(r"/imports/([A-Za-z0-9_-]+)$", headers["Location"]).group(1)
        status, _, page = browser.get(f"{one}/imports/{token}")
        assert status == 200 and 'data-plan="added">1<' in page
        # the other server shows the same preview and takes the confirm
        status, _, page = browser.get(f"{two}/imports/{token}")
        assert status == 200 and 'data-plan="added">1<' in page and 'id="confirm-import" disabled' not in page
        status, headers, _ = browser.post(f"{two}/imports/{token}/confirm", {})
        assert status == 302 and headers["Location"].endswith(f"/imports/{token}/progress")
        # followed to the end on the first
        deadline = time.time() + 60
        while True:
            status, _, body = browser.request(f"{one}/imports/{token}/status")
            assert status == 200, body
            job = json.loads(body)
            if job["state"] in ("done", "error") or time.time() > deadline:
                break
            time.sleep(0.2)
        assert job["state"] == "done", job
        status, _, page = browser.get(f"{one}/imports/{token}/progress")
        assert status == 200 and job["result_url"] in page
        status, _, page = browser.get(f"{one}{job['result_url']}")
        assert status == 200 and "做好基层统计工作" in page
    finally:
        for proc in servers:
            proc.terminate()
        for proc in servers:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    # nothing was kept on either machine's disk
    assert not list(tmp_path.glob("machine*/uploads/*"))
    db.session.expire_all()
    assert len(db.session.scalars(select(Revision)).all()) == 1


def test_a_job_whose_worker_died_is_reported_failed_within_a_minute_and_can_be_retried(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTS_IMPORT_THREAD", False)
    client = signed_in(app, "dayou-drafter")
    token = token_of(upload(client, export_docx.to_docx(revised_list(world)), "x.docx", world.town.id))
    # the confirm was taken by a worker that died right after it started the job
    monkeypatch.setattr("dutylist.documents.jobs.start", lambda app, token: None)
    assert client.post_form(f"/imports/{token}/confirm").status_code == 302
    db.session.execute(update(ImportUpload).where(ImportUpload.token == token)
                       .values(state="running", done=3, total=10, heartbeat_at=utcnow() - timedelta(seconds=30)))
    db.session.commit()
    status = client.get(f"/imports/{token}/status").get_json()
    assert status["state"] == "running" and not status["retryable"]  # 30 s without a heartbeat: still alive
    assert client.post_form(f"/imports/{token}/retry").status_code == 302  # refused: not failed
    db.session.execute(update(ImportUpload).where(ImportUpload.token == token)
                       .values(heartbeat_at=utcnow() - timedelta(seconds=61)))
    db.session.commit()
    status = client.get(f"/imports/{token}/status").get_json()
    assert status["state"] == "error" and status["retryable"] and "处理进程已停止" in status["message"]
    page = client.get(f"/imports/{token}/progress").get_data(as_text=True)
    assert "重试导入" in page and f"/imports/{token}/retry" in page
    assert db.session.scalar(select(Revision.id)) is None  # nothing written
    # retried: this time the job runs to the end
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "DOCUMENTS_IMPORT_THREAD", False)
    assert client.post_form(f"/imports/{token}/retry").status_code == 302
    status = wait(client, token)
    assert status["state"] == "done", status
    db.session.expire_all()
    assert db.session.get(ImportUpload, token).attempts == 2
    assert db.session.scalar(select(Revision.id)) is not None
    # another user can neither see nor retry it
    other = signed_in(app, "quanzijie-drafter")
    assert other.get(f"/imports/{token}/status").status_code == 404
    assert other.post_form(f"/imports/{token}/retry").status_code == 404
