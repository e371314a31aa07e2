"""The floor under the list page: what gunicorn and Flask cost to send a page of the list page's size,
and to do so for a signed-in user (signed session cookie, the user row read by primary key).

No templates, no ORM, no authorization: anything the real page does costs more than this. Served by
run.py like hello.py, with the benchmark's DATABASE_URL and SECRET_KEY; FLOOR_BYTES is the body size.
"""
import os

from flask import Flask, abort, session
from sqlalchemy import create_engine, text

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
BODY = ("<!doctype html><title>floor</title>" + "x" * int(os.environ.get("FLOOR_BYTES", "200000"))).encode()
url = os.environ["DATABASE_URL"]
if url.startswith("postgresql://"):
    url = "postgresql+psycopg://" + url[len("postgresql://"):]
engine = create_engine(url)


@app.get("/body")
def body():
    return BODY


@app.get("/login")
def login():
    with engine.connect() as conn:
        session["uid"] = conn.execute(text('SELECT min(id) FROM "user"')).scalar()
    return "ok"


@app.get("/signed-body")
def signed_body():
    uid = session.get("uid")
    if uid is None:
        abort(401)
    with engine.connect() as conn:
        if conn.execute(text('SELECT active FROM "user" WHERE id = :id'), {"id": uid}).scalar() is None:
            abort(401)
    return BODY
