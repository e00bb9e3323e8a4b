"""The authorisation matrix: every URL rule of the app × every role.

A route added without a policy fails here (the guard refuses it and this test names it).
"""

from __future__ import annotations

import re

import pytest

from assess.accounts.models import User
from assess.core import policy

ROLES_TO_USERS = {
    "admin": "admin",
    "inspector": "inspector",
    "viewer": "viewer",
    "reporter": "r-410105",
}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _sample_url(rule, sample_ids):
    url = rule.rule
    for name in rule.arguments:
        value = sample_ids.get(name, 1)
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), url)
    return url


def test_every_endpoint_declares_a_policy(app):
    missing = [
        rule.endpoint
        for rule in _rules(app)
        if policy.action_of(app.view_functions[rule.endpoint]) is None
    ]
    assert missing == []


@pytest.mark.parametrize("role", sorted(ROLES_TO_USERS))
def test_matrix(app, as_user, db, role):
    client = as_user(ROLES_TO_USERS[role])
    sample_ids = {"user_id": User.get(User.username == "viewer").id, "unit_id": 2, "code": "en"}
    failures = []
    for rule in _rules(app):
        action = policy.action_of(app.view_functions[rule.endpoint])
        if action == policy.PUBLIC:
            continue
        allowed = role in policy.RULES[action]
        url = _sample_url(rule, sample_ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "auth.logout":
                continue  # would end the session mid-walk; covered in test_views_auth
            response = client.open(url, method=method)
            if allowed and response.status_code in (401, 403):
                failures.append(f"{method} {url}: {response.status_code}, expected access")
            if not allowed and response.status_code != 403:
                failures.append(f"{method} {url}: {response.status_code}, expected 403")
    assert failures == []


def test_anonymous_is_sent_to_login_or_refused(app, client):
    for rule in _rules(app):
        action = policy.action_of(app.view_functions[rule.endpoint])
        if action == policy.PUBLIC:
            continue
        url = _sample_url(rule, {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if method == "GET":
                assert response.status_code == 302, url
                assert "/auth/login" in response.headers["Location"]
            else:
                assert response.status_code == 401, f"{method} {url}"


def test_reporter_sees_only_its_own_unit_in_the_tree(as_user):
    page = as_user("r-410105").get("/units/").data.decode()
    assert "金水区" in page and "经八路社区" in page
    assert "中原区" not in page and "市公安局" not in page


def test_security_headers(client):
    response = client.get("/auth/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_csrf_is_required_when_enabled(database_url, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    from assess.core.db import database
    from assess.ops import migrations

    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        database.close()
    response = app.test_client().post("/auth/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "安全令牌" in response.data.decode()


def test_huge_ids_are_not_found(as_user):
    admin = as_user("admin")
    for url in (
        "/cycles/99999999999999999999999",
        "/admin/users/4294967296",
        "/evidence/100000000000000000000000",
    ):
        assert admin.get(url).status_code == 404, url
