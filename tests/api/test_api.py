"""The /api/v1 slice: tokens, bearer auth through the policy, the OpenAPI document."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from openapi_spec_validator import validate

from assess.accounts import tokens
from assess.accounts.models import ApiToken, User
from assess.core.db import database
from assess.core.models import AuditEntry, utcnow
from assess.core.policy import RULES, TOKEN_READ_ACTIONS, can
from assess.cycles.models import ResultSnapshot, UnitResultRecord
from assess.units.models import Unit
from tests.security.conftest import ROLE_USERS, UNIT_A, UNIT_B, world  # noqa: F401


def _issue(app, username: str, scope: str = "read", days: int = 90):
    with app.app_context():
        database.connect(reuse_if_open=True)
        issued = tokens.create_token(
            User.get(User.username == username), "t", scope, days, actor=None
        )
        database.close()
    return issued


def _get(client, path: str, secret: str | None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return client.get(path, headers=headers)


def test_served_document_is_valid_openapi_31(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    assert {"/api/v1/units", "/api/v1/cycles", "/api/v1/cycles/{cycle_id}/results"} <= set(
        spec["paths"]
    )


def test_docs_page_lists_the_paths(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/units" in page and "接口文档" in page


def test_no_token_is_a_401_problem(client, demo):
    response = client.get("/api/v1/units")
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 401 and body["title"] == "需要登录"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_and_revoked_tokens_are_refused(app, client, demo):
    expired = _issue(app, "admin")
    revoked = _issue(app, "admin")
    live = _issue(app, "admin")
    with app.app_context():
        database.connect(reuse_if_open=True)
        ApiToken.update(expires_at=utcnow() - timedelta(seconds=1)).where(
            ApiToken.id == expired.token.id
        ).execute()
        tokens.revoke_token(revoked.token, actor=None)
        database.close()
    assert _get(client, "/api/v1/units", expired.secret).status_code == 401
    assert _get(client, "/api/v1/units", revoked.secret).status_code == 401
    assert _get(client, "/api/v1/units", "assess_not-a-token").status_code == 401
    assert _get(client, "/api/v1/units", live.secret).status_code == 200
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert ApiToken.get_by_id(live.token.id).last_used_at is not None
        actions = [e.action for e in AuditEntry.select()]
        assert actions.count("api_token.create") == 3 and "api_token.revoke" in actions
        database.close()


@pytest.mark.parametrize("role", ["reporter", "other"])
def test_reporter_token_reaches_nothing_of_another_unit(app, client, world, role):  # noqa: F811
    secret = _issue(app, ROLE_USERS[role]).secret
    own_code = UNIT_A if role == "reporter" else UNIT_B
    with app.app_context():
        database.connect(reuse_if_open=True)
        own = Unit.get(Unit.code == own_code)
        keep = Unit.subtree_of(own.id)
        database.close()
    body = _get(client, "/api/v1/units?per_page=100", secret).get_json()
    assert body["items"] and {u["id"] for u in body["items"]} <= set(keep)
    listed = {
        c["id"]: c["state"] for c in _get(client, "/api/v1/cycles", secret).get_json()["items"]
    }
    # The draft is staff's; the open and the published cycle are the reporter's too.
    assert world.draft_cycle not in listed
    assert listed[world.published_cycle] == "published"
    results = _get(client, f"/api/v1/cycles/{world.published_cycle}/results", secret)
    assert results.status_code == 200
    items = results.get_json()["items"]
    assert [r["unit_id"] for r in items] == [own.id] and results.get_json()["total"] == 1
    assert items[0]["scores"]  # its own per-indicator scores, and nobody else's
    hidden = _get(client, f"/api/v1/cycles/{world.draft_cycle}/results", secret)
    assert hidden.status_code == 404 and hidden.content_type == "application/problem+json"


def test_office_token_reads_every_unit_result(app, client, world):  # noqa: F811
    secret = _issue(app, "admin").secret
    body = _get(client, f"/api/v1/cycles/{world.published_cycle}/results", secret).get_json()
    unit_ids = {r["unit_id"] for r in body["items"]}
    assert {world.unit_a, world.unit_b} <= unit_ids and body["total"] == len(unit_ids)
    assert body["snapshot_version"] >= 1 and body["cycle"]["state"] == "published"
    # Each score with its 得分依据 as the report prints it, from the published snapshot.
    with app.app_context():
        database.connect(reuse_if_open=True)
        stored = UnitResultRecord.get(
            UnitResultRecord.snapshot
            == ResultSnapshot.get(ResultSnapshot.cycle == world.published_cycle),
            UnitResultRecord.unit == world.unit_a,
        )
        database.close()
    basis = {code: item["basis"] for code, item in json.loads(stored.scores).items()}
    unit_a = next(r for r in body["items"] if r["unit_id"] == world.unit_a)
    assert {s["code"]: s["explanation"] for s in unit_a["scores"]} == basis
    assert all(basis.values())
    open_cycle = _get(client, f"/api/v1/cycles/{world.open_cycle}/results", secret)
    assert open_cycle.status_code == 404 and open_cycle.get_json()["detail"] == "结果尚未公布"


def test_units_are_paginated(app, client, demo):
    secret = _issue(app, "admin").secret
    first = _get(client, "/api/v1/units?per_page=2", secret).get_json()
    second = _get(client, "/api/v1/units?per_page=2&page=2", secret).get_json()
    assert len(first["items"]) == 2 and first["total"] > 4
    assert {u["id"] for u in first["items"]}.isdisjoint({u["id"] for u in second["items"]})
    bad = _get(client, "/api/v1/units?per_page=1000", secret)
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    assert bad.get_json()["errors"] == {"query": {"per_page": ["须在 1 到 100 之间。"]}}
    # A misspelt parameter is refused by name, not ignored.
    typo = _get(client, "/api/v1/units?perpage=10", secret)
    assert typo.status_code == 422
    assert typo.get_json()["errors"] == {"query": {"perpage": ["没有这个参数。"]}}
    word = _get(client, "/api/v1/units?page=abc", secret).get_json()
    assert word["errors"] == {"query": {"page": ["须为整数。"]}}


def test_read_token_is_refused_every_write_by_the_policy(app, demo):
    with app.app_context():
        database.connect(reuse_if_open=True)
        admin = User.get(User.username == "admin")
        assert can(admin, "cycles.manage")
        admin.token_scope = "read"
        assert not can(admin, "cycles.manage") and can(admin, "cycles.view")
        admin.token_scope = "write"
        assert can(admin, "cycles.manage")
        database.close()
    assert set(RULES) >= TOKEN_READ_ACTIONS


def test_tokens_made_and_revoked_on_the_account_page(app, as_user):
    c = as_user("viewer")
    page = c.post("/auth/tokens", data={"name": "脚本", "scope": "read", "days": "30"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "此令牌只显示这一次" in text
    with app.app_context():
        database.connect(reuse_if_open=True)
        token = ApiToken.get(ApiToken.name == "脚本")
        database.close()
    assert c.post(f"/auth/tokens/{token.id}/revoke").status_code == 302
    other = as_user("admin")
    assert other.post(f"/auth/tokens/{token.id}/revoke").status_code == 404


@pytest.mark.parametrize("days", [0, 400])
def test_lifetime_is_bounded(app, demo, days):
    with pytest.raises(tokens.TokenError):
        _issue(app, "admin", days=days)
