"""Property-based fuzzing of the admin pages and the admin JSON API (hypothesis): no parameter gets a 500.

Every page and admin API route of the role matrix is called with drawn query parameters, form fields
(with the session's CSRF token, so the request reaches the view) and JSON bodies: unicode text, NUL
characters, digits beyond any integer column, other scripts' digits, SQL and path fragments. A signed-in
admin makes most requests, an anonymous browser the sign-in ones. 400 requests in the default run (SQLite;
150 more on PostgreSQL); 8 000 in the slow run, where tests/integration/test_api_fuzz.py adds the kiosk API.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.services.users import add_user
from server.storage.tables import devices, records
from tests.demo_template import DemoTemplates
from tests.factories import FAST_HASHER
from tests.integration.test_api_fuzz import any_json
from tests.live_server import ThreadServer, serving

PASSWORD = "admin-fuzz-password-1"
ADMIN = "fuzz.admin"


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


@dataclass
class Target:
    """The fuzzed server, two browsers and the real ids worth aiming at."""

    server: ThreadServer
    admin: httpx.Client
    anonymous: httpx.Client
    ids: dict[str, list[str]]
    sent: list[int] = field(default_factory=list)


def _token(client: httpx.Client, path: str = "/signin") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)  # type: ignore


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           demo_templates: DemoTemplates) -> Iterator[Target]:
    cluster = None if request.param == "sqlite" else request.getfixturevalue("pg_cluster")
    ctx = demo_templates.context(tmp_path_factory.mktemp("admin-fuzz") / "srv", admin_password=PASSWORD,
                                 cluster=cluster)
    with ctx.engine.begin() as conn:
        add_user(conn, username=ADMIN, password=PASSWORD, roles=["admin"], sites=["PKU"], actor="test",
                 password_hasher=FAST_HASHER)
        add_user(conn, username="pku.nurse", password=PASSWORD, roles=["nurse"], sites=["PKU"], actor="test",
                 password_hasher=FAST_HASHER)
        ids = {"record": [r for r in conn.execute(select(records.c.record_id).distinct().limit(3)).scalars()],
               "device": list(conn.execute(select(devices.c.device_id)).scalars())}
    with serving(ctx) as srv:
        admin = httpx.Client(base_url=srv.url, timeout=60)
        r = admin.post("/signin", data={"csrf_token": _token(admin), "username": ADMIN, "password": PASSWORD})
        assert r.status_code == 302
        anonymous = httpx.Client(base_url=srv.url, timeout=60)
        _token(anonymous)
        yield Target(srv, admin, anonymous, ids)
        admin.close()
        anonymous.close()


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
values = st.one_of(
    text, text.map(lambda s: s + "\x00"),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["", "0", "1", "-1", "²", "٣", "9" * 30, "1e309", "nan", "true", "null", "PKU", "XYZ", "csv",
                     "odm", "sdtm", "2026-01-01", "2026-02-30", "0000-00-00", "' OR 1=1 --", "%", "_", "../..",
                     "//evil.invalid", "/dashboard", "zh", "en", "admin", "nurse", "monitor", "IL2", "pku.nurse",
                     "A" * 500]))
PARAM_NAMES = st.one_of(st.sampled_from(
    ["q", "before", "verify", "serious", "grade3", "arm", "next", "site", "format", "from", "to", "reason",
     "username", "role", "display_name", "password", "label", "f_activity", "f_term", "f_grade", "f_serious",
     "f_serious_criteria", "f_dryness", "csrf_token"]), text)
params = st.dictionaries(PARAM_NAMES, values, max_size=5)


def _routes(ids: dict[str, list[str]]) -> st.SearchStrategy[tuple[str, str, str]]:
    """(who, method, path) over every admin route, ids real or drawn (never the fuzzing admin's own account)."""
    record = st.sampled_from(ids["record"]) | text
    participant = st.sampled_from(["PKU-001", "PKU-002", "SHA-001"]) | text
    device = st.sampled_from(ids["device"] or ["dev-none"]) | text
    # a reset hashes a new password (Argon2, slow on purpose): the real account is one draw in six
    user = st.sampled_from(["pku.nurse", "nobody.here", "nobody.here"]) | text.filter(lambda s: s != ADMIN)
    part = lambda s: s.map(lambda v: quote(v, safe="") or "x")  # noqa: E731  (one path segment, percent-encoded)
    fixed = st.sampled_from([
        ("admin", "GET", "/dashboard"), ("admin", "GET", "/participants"), ("admin", "GET", "/adverse-events"),
        ("admin", "GET", "/devices"), ("admin", "POST", "/devices/codes"), ("admin", "GET", "/audit"),
        ("admin", "GET", "/exports"), ("admin", "POST", "/exports"), ("admin", "GET", "/users"),
        ("admin", "POST", "/users"), ("admin", "GET", "/api/v1/admin/session"),
        ("admin", "GET", "/api/v1/admin/devices"), ("admin", "POST", "/api/v1/admin/devices/codes"),
        ("admin", "GET", "/api/v1/admin/audit/verify"), ("anonymous", "POST", "/signin"),
        ("anonymous", "GET", "/signin"), ("anonymous", "POST", "/signout"), ("admin", "GET", "/"),
        ("admin", "GET", "/signin")])
    return st.one_of(
        fixed, fixed,
        part(participant).map(lambda p: ("admin", "GET", f"/participants/{p}")),
        part(record).flatmap(lambda r: st.sampled_from([("admin", "GET", f"/records/{r}/correct"),
                                                        ("admin", "POST", f"/records/{r}/correct")])),
        part(device).flatmap(lambda d: st.sampled_from([("admin", "POST", f"/devices/{d}/revoke"),
                                                        ("admin", "POST", f"/api/v1/admin/devices/{d}/revoke")])),
        part(user).flatmap(lambda u: st.sampled_from([("admin", "POST", f"/users/{u}/disable"),
                                                      ("admin", "POST", f"/users/{u}/reset")])),
        part(text).map(lambda c: ("admin", "GET", f"/lang/{c}")))


def check(resp: httpx.Response, what: str) -> None:
    """The property: never a 5xx; an admin API error is problem details."""
    assert resp.status_code < 500, f"{what} -> {resp.status_code}: {resp.text[:500]}"
    if resp.status_code >= 400 and resp.request.url.path.startswith("/api/"):
        assert resp.headers["content-type"].startswith("application/problem+json"), (what, resp.headers)


def fuzz(target: Target, examples: int) -> None:
    admin_token = target.admin.get("/api/v1/admin/session").json()["csrf_token"]
    anon_token = _token(target.anonymous)

    @fuzz_settings(examples)
    @given(route=_routes(target.ids), query=params, form=params, body=any_json, forged=st.integers(0, 19))
    def run(route: tuple[str, str, str], query: dict[str, str], form: dict[str, str], body: Any,
            forged: int) -> None:
        who, method, path = route
        client = target.admin if who == "admin" else target.anonymous
        token = (admin_token if who == "admin" else anon_token) if forged else "forged"
        if method == "GET":
            resp = client.get(path, params=query)
        elif path.startswith("/api/"):
            resp = client.post(path, params=query, content=json.dumps(body),   # Infinity too, as a client may
                               headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
        else:
            resp = client.post(path, params=query, data={**form, "csrf_token": form.get("csrf_token", token)})
        target.sent.append(resp.status_code)
        check(resp, f"{method} {path} query={query!r} form={form!r} body={body!r}")
        if who == "admin":
            assert target.admin.get("/api/v1/admin/session").status_code == 200, "the fuzzing admin lost its session"

    run()


def test_admin_pages_and_api_never_answer_500(target: Target, request: pytest.FixtureRequest) -> None:
    """The default run's sample of the fuzz below (derandomised, so the same requests every run); the long run
    (`-m slow`) sends 8 000 on SQLite and 2 000 on PostgreSQL."""
    planned, before = (400 if "sqlite" in request.node.callspec.id else 150), len(target.sent)
    fuzz(target, planned)
    assert len(target.sent) - before >= planned and 500 not in target.sent


@pytest.mark.slow
def test_eight_thousand_admin_requests_never_answer_500(target: Target, request: pytest.FixtureRequest) -> None:
    planned, before = (8000 if "sqlite" in request.node.callspec.id else 2000), len(target.sent)
    fuzz(target, planned)
    assert len(target.sent) - before >= planned and 500 not in target.sent


def test_a_huge_or_foreign_entry_number_is_a_400_not_a_500(target: Target) -> None:
    for before in ("9" * 30, "²", "-1", "1e3"):
        r = target.admin.get("/audit", params={"before": before})
        assert r.status_code == 400 and "before" in r.text, (before, r.status_code)
    assert target.admin.get("/audit", params={"before": "5"}).status_code == 200
    r = target.admin.get("/audit", params={"q": "a\x00b"})
    assert r.status_code == 400 and "NUL" in r.text
    token = target.admin.get("/api/v1/admin/session").json()["csrf_token"]
    r = target.admin.post(f"/api/v1/admin/devices/{target.ids['device'][0]}/revoke", json={"reason": "a\x00b"},
                          headers={"X-CSRF-Token": token})
    assert r.status_code == 400 and r.json()["code"] == "input.invalid"
