"""Random and malformed input (hypothesis) to every form, every API endpoint and the text importer.

Whatever comes in, the answer is never a 500: a refusal is a 4xx (or, for a page form, a redirect
back with a red message) whose message is Chinese, and a refused request writes nothing -- the
whole database is compared before and after each case, and the audit chain must still verify.
A request that is accepted may of course change things (later cases then meet the new state).
"""
from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from dutylist.extensions import db
from dutylist.importers import text_list
from dutylist.importers.parsed import ImportFailure, ParsedList
from dutylist.items import KINDS
from dutylist.models import DraftItem, Opinion
from dutylist.services.audit import verify_chain
from dutylist.services.import_list import import_list
from dutylist.services.tokens import create_token
from dutylist.vocabulary import CATEGORIES
from workflow import operations as ops
from workflow.errors import Invalid
from workflow.states import EVENT_LABELS

from .factories import World, fire, settle, signed_in

# hypothesis runs 40 examples against one set-up: inside one rolled-back transaction the PostgreSQL half
# ran several times slower (not yet understood), so this module keeps real commits
pytestmark = pytest.mark.commits

settings.register_profile(
    "dutylist-robustness", max_examples=30, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much])
ROBUST = settings.get_profile("dutylist-robustness")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SAMPLES = sorted((Path(__file__).resolve().parent.parent / "sample_data").glob("*.txt"))


def note(what: str) -> None:
    """What a case came to, for `pytest --hypothesis-show-statistics` (outside hypothesis: nothing)."""
    if currently_in_test_context():
        event(what)


def examples(n: int):
    """n cases per test (ROBUSTNESS_SCALE=10 in the environment for a longer hunt)."""
    return settings(ROBUST, max_examples=n * int(os.environ.get("ROBUSTNESS_SCALE", "1")))


# ------------------------------------------------------------------ strategies ----
NASTY = ["", " ", "\t\r\n", "\x00", "a\x00b", "<script>alert(1)</script>", "' OR 1=1 --", "𠮷野家", "\u202e反转",
         "%00", "{{7*7}}", "null", "-1", "0", "1e309", "9" * 40, "１２", "\ufeff", "\x1b[31m", "../../etc/passwd"]


def big_text(low=3900, high=30000):
    return st.builds(lambda ch, n: ch * n, st.sampled_from(["字", "a", "\n", "、", "<"]), st.integers(low, high))


#: text a browser can send in a form (no lone surrogates: they cannot be encoded as UTF-8)
form_text = st.one_of(st.text(max_size=40), st.sampled_from(NASTY), big_text(),
                      st.builds(lambda a, b: a + b, st.text(max_size=8), st.sampled_from(NASTY)))
#: real-looking text, so that many cases get past validation into the operations
PLAUSIBLE = ["加强基层阵地建设，优化提升服务功能", "负责本镇政府信息公开工作", "吉木萨尔县民政局", "吉木萨尔县民政局、吉木萨尔县水利局",
             "1.组织开展政策宣传；\n2.核实到龄老年人信息", "吉木萨尔县民政局：负责收养登记。", "按部门意见修改", "同意",
             "<b>x</b>事项<script>alert(1)</script>"]


def mostly(good, bad):
    """About three cases in four from `good` (valid-looking), the rest from `bad`."""
    return st.sampled_from((True, True, True, False)).flatmap(lambda ok: good if ok else bad)


field_text = mostly(st.sampled_from(PLAUSIBLE), form_text)
#: text inside JSON may also carry lone surrogates (\ud800)
json_text = st.one_of(form_text, st.sampled_from(["\ud800", "x\udfffy"]))
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63, max_value=2**80),
                         st.integers(max_value=-1), st.floats(allow_nan=True, allow_infinity=True), json_text)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
API_KEYS = ("kind", "category", "name", "departments_text", "departments", "dept_duties", "township_duties",
            "receiving", "reason", "lock_version", "title", "base_version_id", "direction", "body", "item_id",
            "answer", "deadline")
plausible_json = st.fixed_dictionaries({}, optional={
    "kind": st.sampled_from(KINDS), "category": st.sampled_from(CATEGORIES), "name": st.sampled_from(PLAUSIBLE),
    "departments_text": st.sampled_from(PLAUSIBLE), "departments": st.lists(st.integers(1, 20), max_size=3),
    "dept_duties": st.lists(st.sampled_from(PLAUSIBLE), max_size=2),
    "township_duties": st.lists(st.sampled_from(PLAUSIBLE), max_size=2),
    "receiving": st.lists(st.fixed_dictionaries({"department": st.sampled_from(PLAUSIBLE),
                                                 "method": st.sampled_from(PLAUSIBLE)}), max_size=2),
    "reason": st.sampled_from(PLAUSIBLE), "lock_version": st.integers(0, 3), "title": st.sampled_from(PLAUSIBLE),
    "base_version_id": st.integers(0, 3), "direction": st.sampled_from([-1, 1]), "body": st.sampled_from(PLAUSIBLE),
    "item_id": st.integers(1, 10), "answer": st.sampled_from(["adopted", "partly", "not_adopted"]),
    "deadline": st.dates(min_value=date.today(), max_value=date(2099, 1, 1)).map(str)})
json_bodies = st.one_of(
    plausible_json, plausible_json, plausible_json,
    json_values,
    st.fixed_dictionaries({}, optional={k: json_values for k in API_KEYS}),
    st.fixed_dictionaries({}, optional={k: json_scalars for k in API_KEYS}),
)
ids = st.one_of(st.integers(0, 50), st.integers(2**31 - 2, 2**31 + 2), st.integers(2**63 - 1, 2**70))


def lock_versions(real: int):
    return mostly(st.just(str(real)), st.one_of(st.integers(-5, 10**20).map(str), form_text))


# ------------------------------------------------------------------ checking ----
def snapshot() -> dict:
    """Every row of every table (a refused request must leave all of them as they were)."""
    db.session.rollback()
    out = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        out[table.name] = [tuple(r) for r in db.session.execute(select(table).order_by(*order)).all()]
    db.session.rollback()
    return out


_MESSAGES = [r'<p class="error(?: form-error)?"[^>]*>(.*?)</p>', r'<div class="flash flash-danger"[^>]*>(.*?)</div>',
             r'<section class="error-page">\s*<h1>\d+</h1>\s*<p>(.*?)</p>', r'id="upload-error">(.*?)</div>']


def clear(message: str) -> bool:
    """A message a Chinese-speaking user can read (every form uses WTForms' Chinese catalogue)."""
    return bool(CHINESE.search(message))


def messages(html: str) -> list[str]:
    return [m for pattern in _MESSAGES for m in re.findall(pattern, html, re.S)]


def verdict(client, response) -> tuple[str, list[str]]:
    """('refused', messages) or ('done', []); never a 5xx."""
    status = response.status_code
    assert status < 500, (status, response.get_data(as_text=True)[:2000])
    if response.mimetype == "application/json" and status >= 400:
        body = response.get_json()
        return "refused", [body.get("error", "")]
    if status >= 400:
        return "refused", messages(response.get_data(as_text=True))
    if status in (307, 308):  # a routing redirect (e.g. a trailing slash): nothing ran
        return "redirected", []
    if status in (301, 302, 303):
        # a page form refused by the workflow goes back with a red message: it shows on the next page
        page = client.get(response.headers["Location"])
        assert page.status_code < 500
        shown = re.findall(r'<div class="flash flash-danger"[^>]*>(.*?)</div>', page.get_data(as_text=True), re.S)
        return ("refused", shown) if shown else ("done", [])
    return "done", []


def check(client, response, before: dict, *, may_write: tuple[str, ...] = ()) -> str:
    kind, shown = verdict(client, response)
    note(f"{kind} {response.status_code} {shown[:1]}"[:90])
    if kind == "redirected":
        assert snapshot() == before
    if kind == "refused":
        assert shown, (response.status_code, response.get_data(as_text=True)[:1500])
        assert all(clear(m) for m in shown), shown
        after = snapshot()
        changed = {t for t in after if after[t] != before[t]} - set(may_write)
        assert not changed, f"refused ({response.status_code}, {shown}) but wrote to {sorted(changed)}"
    result = verify_chain()
    assert result.ok, result
    return kind


# ------------------------------------------------------------------ scenes ----
def submitted_scene():
    world = World()
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    fire(rev, "submit", world.drafter)
    return world, rev


def review_scene():
    world, rev = submitted_scene()
    fire(rev, "accept", world.officer, departments=[world.civil.id, world.agri.id],
         deadline=date.today() + timedelta(days=7))
    return world, rev


def returned_scene():
    world, rev = review_scene()
    first = next(i for i in rev.items if i.kind == "basic")
    ops.add_opinion(rev, world.civil_user, "请补充该事项的具体职责", first.item_id)
    db.session.commit()
    settle(rev)
    fire(rev, "return_for_revision", world.officer, reason="请按部门意见修改")
    return world, rev


def live_items(rev_id):
    db.session.rollback()
    return db.session.scalars(select(DraftItem).where(DraftItem.revision_id == rev_id, DraftItem.deleted.is_(False))
                              .order_by(DraftItem.id)).all()


# ================================================================ page forms ====
@examples(40)
@given(username=st.one_of(st.sampled_from(["dayou-drafter", "admin", "nobody"]), form_text),
       password=st.one_of(st.just("test-password-123"), form_text), remember=form_text,
       extra=st.dictionaries(st.text(min_size=1, max_size=8), form_text, max_size=3),
       ip=st.one_of(st.just("127.0.0.1"), st.ip_addresses().map(str)))
def test_login_form(app, world, username, password, remember, extra, ip):
    client = app.test_client()
    before = snapshot()
    response = client.post_form("/auth/login", {**extra, "username": username, "password": password,
                                                "remember": remember}, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code in (302, 400, 429), response.status_code
    check(client, response, before, may_write=("audit_event", "audit_head"))
    after = snapshot()
    assert len(after["audit_event"]) - len(before["audit_event"]) <= 1  # one entry per attempt at most


@examples(40)
@given(email=st.one_of(form_text, st.emails(), st.emails().map(lambda e: f"  {e.upper()}\t")),
       extra=st.dictionaries(st.text(min_size=1, max_size=8), form_text, max_size=2))
def test_email_form(app, world, email, extra):
    """Any address typed: stored as typed (trimmed) when it reads as one, else a Chinese message and nothing
    written; never a 500."""
    from dutylist.models import User
    from forms.auth import EMAIL_PATTERN

    client = signed_in(app, "dayou-drafter")
    previous = db.session.get(User, world.drafter.id).email
    before = snapshot()
    response = client.post_form("/auth/email", {**extra, "email": email})
    assert response.status_code in (302, 400), response.status_code
    kind = check(client, response, before)
    stored = db.session.get(User, world.drafter.id).email
    typed = email.strip()
    if kind == "done":
        assert stored == (typed or None)
        assert stored is None or (len(stored) <= 254 and re.fullmatch(EMAIL_PATTERN, stored))
    else:
        assert stored == previous


@pytest.fixture
def returned(app):
    world, rev = returned_scene()
    return world, rev.id, signed_in(app, "dayou-drafter")


@examples(40)
@given(data=st.data())
def test_item_add_and_edit_forms(returned, data):
    world, rev_id, client = returned
    items = live_items(rev_id)
    edit, pick = data.draw(st.booleans()), data.draw(st.integers(0, 10**6))
    form = {
        "kind": data.draw(mostly(st.sampled_from(KINDS), form_text)),
        "category": data.draw(mostly(st.sampled_from(CATEGORIES), form_text)),
        "name": data.draw(field_text), "departments_text": data.draw(field_text),
        "dept_duties": data.draw(field_text), "township_duties": data.draw(field_text),
        "receiving": data.draw(field_text), "reason": data.draw(field_text),
    }
    lock_version, other_id, use_real = data.draw(lock_versions(0)), data.draw(ids), data.draw(mostly(st.just(True),
                                                                                                   st.just(False)))
    if edit and items:
        item = items[pick % len(items)]
        form["lock_version"] = str(item.lock_version) if lock_version == "0" else lock_version
        item_id = item.id if use_real else other_id
        url = f"/revisions/{rev_id}/items/{item_id}/edit"
    else:
        url = f"/revisions/{rev_id}/items/new"
    before = snapshot()
    check(client, client.post_form(url, form), before)


@examples(40)
@given(data=st.data())
def test_item_delete_and_move_forms(returned, data):
    world, rev_id, client = returned
    items = live_items(rev_id)
    pick, use_real, other_id, lock_version = (data.draw(st.integers(0, 10**6)), data.draw(mostly(st.just(True),
                                                                                                   st.just(False))),
                                              data.draw(ids), data.draw(lock_versions(0)))
    item = items[pick % len(items)] if items else None
    item_id = item.id if item and use_real else other_id
    form = {"lock_version": str(item.lock_version) if item and lock_version == "0" else lock_version,
            "reason": data.draw(field_text),
            "direction": data.draw(mostly(st.sampled_from(["-1", "1"]), st.one_of(st.integers().map(str), form_text)))}
    action = data.draw(st.sampled_from(["delete", "move"]))
    before = snapshot()
    check(client, client.post_form(f"/revisions/{rev_id}/items/{item_id}/{action}", form), before)


dates = mostly(st.dates(min_value=date.today() + timedelta(days=1), max_value=date(2099, 12, 31)).map(str),
               st.one_of(st.dates().map(str), st.sampled_from(["2025-02-30", "9999-12-31", "0001-01-01", "2025/01/01",
                                                               "yesterday", ""]), form_text))


@pytest.fixture
def submitted(app):
    world, rev = submitted_scene()
    return world, rev.id, {"officer": signed_in(app, "jimsar-office"), "drafter": signed_in(app, "dayou-drafter")}


@examples(40)
@given(data=st.data())
def test_decision_forms(submitted, data):
    world, rev_id, clients = submitted
    who = data.draw(st.sampled_from(sorted(clients)))
    event = data.draw(st.one_of(st.sampled_from(sorted(EVENT_LABELS)), st.text(min_size=1, max_size=12)))
    departments = data.draw(st.lists(mostly(st.sampled_from([str(world.civil.id), str(world.agri.id),
                                                             str(world.office.id), str(world.other_civil.id)]),
                                            st.one_of(st.integers().map(str), form_text)), max_size=4))
    form = {"reason": data.draw(field_text), "departments": departments, "deadline": data.draw(dates)}
    client = clients[who]
    before = snapshot()
    check(client, client.post_form(f"/revisions/{rev_id}/events/{quote(event, safe='')}", form), before)


@pytest.fixture
def in_review(app):
    world, rev = review_scene()
    return world, rev.id, {"civil": signed_in(app, "jimsar-civil"), "officer": signed_in(app, "jimsar-office"),
                           "drafter": signed_in(app, "dayou-drafter")}


@examples(40)
@given(data=st.data())
def test_opinion_signoff_and_extend_forms(in_review, data):
    world, rev_id, clients = in_review
    who = data.draw(st.sampled_from(sorted(clients)))
    action = data.draw(st.sampled_from(["opinions", "extend", "signoff"]))
    items = live_items(rev_id)
    pick, use_real, other = data.draw(st.integers(0, 10**6)), data.draw(st.booleans()), data.draw(
        st.one_of(st.integers().map(str), form_text))
    form = {"body": data.draw(field_text), "reason": data.draw(field_text),
            "item_id": str(items[pick % len(items)].item_id) if items and use_real else other}
    client = clients[who]
    before = snapshot()
    check(client, client.post_form(f"/revisions/{rev_id}/{action}", form), before)


def test_a_refusal_whose_words_appear_elsewhere_on_the_page_is_still_shown(in_review):
    """Found by the test above: extending the rounds with no reason, while the extend form is not on the
    page (rounds left), said 须填写理由 nowhere but in another box's placeholder: the message must show."""
    world, rev_id, clients = in_review
    response = clients["officer"].post_form(f"/revisions/{rev_id}/extend", {"reason": ""})
    assert response.status_code == 400
    assert messages(response.get_data(as_text=True)) == ["须填写理由"]


@pytest.fixture
def returned_with_opinion(app):
    world, rev = returned_scene()
    opinion = db.session.scalar(select(Opinion).where(Opinion.revision_id == rev.id))
    return world, rev.id, opinion.id, {"drafter": signed_in(app, "dayou-drafter"),
                                       "civil": signed_in(app, "jimsar-civil"),
                                       "prefecture": signed_in(app, "changji-prefecture")}


@examples(40)
@given(data=st.data())
def test_answer_and_reply_forms(returned_with_opinion, data):
    world, rev_id, opinion_id, clients = returned_with_opinion
    who = data.draw(st.sampled_from(sorted(clients)))
    action = data.draw(st.sampled_from(["answer", "reply"]))
    target = data.draw(mostly(st.just(opinion_id), ids))
    form = {"answer": data.draw(mostly(st.sampled_from(["adopted", "partly", "not_adopted"]), form_text)),
            "body": data.draw(field_text)}
    client = clients[who]
    before = snapshot()
    check(client, client.post_form(f"/revisions/{rev_id}/opinions/{target}/{action}", form), before)


def test_page_forms_refuse_json_and_unstorable_text(returned):
    world, rev_id, client = returned
    before = snapshot()
    token = client.csrf_token()
    for body in ([1, 2], "text", 5, {"name": 5, "kind": ["basic"]}):
        response = client.post(f"/revisions/{rev_id}/items/new", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 415 and "JSON" in response.get_data(as_text=True)
    response = client.post_form(f"/revisions/{rev_id}/items/new", {"kind": "basic", "category": "党的建设",
                                                                    "name": "含\x00的名称"})
    assert response.status_code == 400 and "无法保存的字符" in response.get_data(as_text=True)
    assert snapshot() == before


# ====================================================================== API ====
@pytest.fixture
def api_scene(app):
    world, rev = returned_scene()
    tokens = {who: create_token(getattr(world, who)) for who in ("drafter", "officer", "civil_user", "admin")}
    db.session.commit()
    opinion = db.session.scalar(select(Opinion.id).where(Opinion.revision_id == rev.id))
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    return world, rev.id, opinion, tokens, rules


def _api_url(rule, data, world, rev_id, opinion_id) -> str:
    real = {"revision_id": rev_id, "township_id": world.town.id, "version_id": world.version.id,
            "opinion_id": opinion_id, "a": world.version.id, "b": world.version.id,
            "draft_item_id": min((i.id for i in live_items(rev_id)), default=1)}
    values = {}
    for arg in rule.arguments:
        if isinstance(rule._converters[arg], IntegerConverter):
            values[arg] = data.draw(mostly(st.just(real.get(arg, 1)), ids), label=arg)
        else:  # the event name
            values[arg] = data.draw(mostly(st.sampled_from(sorted(EVENT_LABELS)), st.text(min_size=1, max_size=10)),
                                    label=arg)
    url = rule.rule
    for arg, value in values.items():
        url = re.sub(rf"<(?:\w+:)?{arg}>", quote(str(value), safe=""), url)
    return url


@examples(60)
@given(data=st.data())
def test_api_endpoints_with_random_json(app, client, api_scene, data):
    world, rev_id, opinion_id, tokens, rules = api_scene
    rule = data.draw(st.sampled_from(rules), label="rule")
    method = data.draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})), label="method")
    url = _api_url(rule, data, world, rev_id, opinion_id)
    token = data.draw(st.one_of(st.sampled_from(sorted(tokens.values())),
                                st.sampled_from(["", "dl_", "dl_" + "x" * 43, "Basic abc"])), label="token")
    query = data.draw(st.dictionaries(st.sampled_from(["lock_version", "reason", "township", "kind", "category", "x"]),
                                      form_text, max_size=2), label="query")
    body = data.draw(json_bodies, label="body")
    before = snapshot()
    response = client.open(url, method=method, json=body, query_string=query,
                           headers={"Authorization": f"Bearer {token}"})
    if response.status_code >= 400:
        assert response.mimetype == "application/json", (url, response.status_code)
    check(client, response, before)


@examples(30)
@given(raw=st.one_of(st.binary(max_size=200), st.just(b"[" * 100000 + b"]" * 100000),
                     st.just(b'{"name": "' + b"\xff\xfe" * 10 + b'"}'),
                     st.just(b'{"kind": "basic", "name": "\\ud800"}'),
                     st.just(b'{"kind": "basic", "name": "a\\u0000b"}'), st.just(b"\xef\xbb\xbf{}"),
                     st.text(max_size=100).map(lambda t: t.encode("utf-8"))),
       content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", ""]),
       endpoint=st.sampled_from(["items", "events/submit", "opinions", "extend", "renumber"]))
def test_api_endpoints_with_raw_bodies(client, api_scene, raw, content_type, endpoint):
    world, rev_id, opinion_id, tokens, rules = api_scene
    before = snapshot()
    response = client.post(f"/api/v1/revisions/{rev_id}/{endpoint}", data=raw, content_type=content_type or None,
                           headers={"Authorization": f"Bearer {tokens['drafter']}"})
    assert response.mimetype == "application/json"
    check(client, response, before)


# ================================================================== importer ====
def _outcome_of_parse(parse):
    try:
        parsed = parse()
    except ImportFailure as exc:
        assert CHINESE.search(str(exc)), str(exc)
        note(f"refused: {str(exc)[:30]}")
        return None
    assert isinstance(parsed, ParsedList)
    note(f"parsed: {'some' if parsed.items else 'no'} items")
    return parsed


@examples(40)
@given(text=st.one_of(st.text(max_size=400), st.sampled_from(NASTY), big_text(100, 5000),
                      st.lists(st.sampled_from(["基本履职事项", "配合履职事项", "上级部门收回事项", "序号\t事项类别\t事项名称",
                                                "1\t党的建设\t加强", "昌吉回族自治州吉木萨尔县大有镇", "\t\t\t", "一、", "（一）"]),
                               max_size=20).map("\n".join)),
       township=st.one_of(st.none(), form_text))
def test_text_importer_parses_or_refuses(text, township):
    _outcome_of_parse(lambda: text_list.parse_text(text, township=township))


@examples(30)
@given(data=st.one_of(st.binary(max_size=500), st.just(b""), st.just(b"\xff\xfe\x00\x00"),
                      st.just("清单".encode("gb18030") * 50), st.just(b"PK\x03\x04" + b"\0" * 50)))
def test_text_importer_reads_files_or_refuses(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("imp") / "list.txt"
    path.write_bytes(data)
    _outcome_of_parse(lambda: text_list.parse_file(path))


@st.composite
def mutated_seed(draw):
    path = draw(st.sampled_from(SAMPLES))
    lines = path.read_text(encoding="utf-8").splitlines()
    start = draw(st.integers(0, max(0, len(lines) - 1)))
    lines = lines[:draw(st.integers(20, 400))] if draw(st.booleans()) else lines[:start] + lines[start:][:200]
    for _ in range(draw(st.integers(0, 6))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "replace", "insert", "cut", "swap", "tabs"]))
        if op == "delete":
            del lines[i:i + draw(st.integers(1, 10))]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "replace":
            lines[i] = draw(form_text)
        elif op == "insert":
            lines.insert(i, draw(st.sampled_from(NASTY + ["基本履职事项清单", "序号\t事项类别\t事项名称", "99\t\t"])))
        elif op == "cut":
            lines[i] = lines[i][:draw(st.integers(0, max(0, len(lines[i]))))]
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = lines[i].replace("\t", draw(st.sampled_from(["", "  ", "\t\t"])))
    place = "昌吉回族自治州木垒哈萨克自治县大南沟乌孜别克族乡" if path.name.startswith("003") else None
    township = draw(mostly(st.just(place), st.one_of(st.none(), form_text)))
    return "\n".join(lines), township


@examples(25)
@given(case=mutated_seed())
def test_import_of_mutated_seeds_is_all_or_nothing(app, case):
    text, township = case
    parsed = _outcome_of_parse(lambda: text_list.parse_text(text, township=township))
    if parsed is None:
        return
    before = snapshot()
    try:
        import_list(parsed)
        db.session.commit()
        note("imported")
    except ImportFailure as exc:
        note(f"import refused: {str(exc)[:30]}")
        db.session.rollback()
        assert CHINESE.search(str(exc))
        assert snapshot() == before
    assert verify_chain().ok


@examples(15)
@given(case=mutated_seed(), raw=st.one_of(st.none(), st.binary(max_size=300)))
def test_import_list_command_exits_cleanly(app, tmp_path_factory, case, raw):
    text, township = case
    path = tmp_path_factory.mktemp("cli") / "list.txt"
    path.write_bytes(raw if raw is not None else text.encode("utf-8"))
    before = snapshot()
    args = ["import-list", str(path)] + (["--township", township] if township else [])
    result = app.test_cli_runner().invoke(args=args)
    note(f"exit {result.exit_code}")
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 2:
        assert CHINESE.search(result.output)
        assert snapshot() == before
    assert verify_chain().ok


def test_form_messages_are_chinese(app, returned):
    world, rev_id, client = returned
    shown = []
    response = client.post_form(f"/revisions/{rev_id}/items/new", {"kind": "nope", "category": "nope", "name": "x"})
    shown += messages(response.get_data(as_text=True))
    officer = signed_in(app, "jimsar-office")
    response = officer.post_form(f"/revisions/{rev_id}/events/accept", {"deadline": "2025-02-30"})
    shown += messages(response.get_data(as_text=True))
    assert shown and all(CHINESE.search(m) for m in shown), shown


# ======================================= found here; the fixes are in other owners' files ====

@pytest.mark.parametrize("raw", [
    "abc",
    "-1", "²", "99999999999999999999"])
def test_start_revision_form_with_a_bad_base_version(app, world, raw):
    client = signed_in(app, "dayou-drafter")
    before = snapshot()
    response = client.post_form(f"/townships/{world.town.id}/revisions", {"base_version_id": raw})
    assert check(client, response, before) == "refused"


@pytest.mark.parametrize("who, method, url, form", [
    # views/history.py, views/admin.py, documents/views.py, views/revisions.py test str.isdigit() (true for "²",
    # which int() refuses) and pass ids beyond 32 bits to the database: the gate in dutylist/security.py and
    # the DataError/OverflowError handler in dutylist/errors.py make these 400s (clean fixes: diffs in report)
    ("dayou-drafter", "GET", "/townships/{town}/diff?a=²", None),
    ("dayou-drafter", "GET", "/townships/{town}/diff?b=99999999999999999999", None),
    ("dayou-drafter", "GET", "/townships/{town}/diff.xlsx?b=99999999999999999999", None),
    ("auditor", "GET", "/admin/audit?township=²", None),
    ("auditor", "GET", "/admin/audit?township=99999999999999999999", None),
    ("auditor", "GET", "/admin/audit?page=99999999999999999999", None),
    ("dayou-drafter", "GET", "/imports/new?township_id=²", None),
    ("dayou-drafter", "GET", "/?place=²", None),
    ("dayou-drafter", "GET", "/?place=99999999999999999999", None),
    ("dayou-drafter", "GET", "/compare?place=²", None),
    ("dayou-drafter", "GET", "/compare?township=99999999999999999999&township=1", None),
    ("dayou-drafter", "GET", "/search?q=x&organisation=99999999999999999999", None),
    ("jimsar-office", "POST", "/revisions/{rev}/events/accept", {"departments": ["²"]}),
])
def test_numeric_parameters_that_int_or_the_database_refuse(app, who, method, url, form):
    world, rev = submitted_scene()
    client = signed_in(app, who)
    url = url.format(town=world.town.id, rev=rev.id)
    before = snapshot()
    response = client.post_form(url, form) if method == "POST" else client.get(url)
    assert response.status_code in (400, 404), response.status_code
    assert check(client, response, before) == "refused"


def test_an_overlong_department_is_refused_by_the_service(app, world):
    # content_department.name holds 100 characters: the service refuses longer names when they are typed,
    # so nothing too long can wait in a draft until the final approval
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    before = snapshot()
    with pytest.raises(Invalid, match="部门名称过长"):
        ops.add_item(rev, world.drafter, "cooperative", {
            "category": "民生服务", "name": "部门名称过长的事项", "departments_text": "县" * 150 + "局",
            "dept_duties": ["1.部门职责"], "township_duties": ["1.乡镇职责"]})
    db.session.rollback()
    assert snapshot() == before


def test_an_overlong_department_is_refused_when_typed(app, returned):
    world, rev_id, client = returned
    before = snapshot()
    response = client.post_form(f"/revisions/{rev_id}/items/new", {
        "kind": "cooperative", "category": "民生服务", "name": "部门名称过长的事项", "departments_text": "县" * 150 + "局",
        "dept_duties": "1.部门职责", "township_duties": "1.乡镇职责"})
    assert check(client, response, before) == "refused"


def test_import_refuses_cells_longer_than_their_columns(app):
    text = (SAMPLES[0]).read_text(encoding="utf-8").replace(
        "\t党的建设\t党内统计工作\t吉木萨尔县委组织部\t",
        "\t" + "党的建设很长" * 12 + "\t党内统计工作\t" + "吉木萨尔县委组织部很长的名字" * 10 + "\t", 1)
    parsed = text_list.parse_text(text)
    before = snapshot()
    with pytest.raises(ImportFailure, match="过长"):
        import_list(parsed)
    db.session.rollback()
    assert snapshot() == before
