"""Rate limits per API token: a budget per token across /api/v1, 429 problem details beyond
it, and nothing else limited (the OpenAPI document, its page, the web pages)."""

from __future__ import annotations

import pytest

from assess.accounts import tokens
from assess.accounts.models import User
from assess.core.db import database
from tests.conftest import migrated_app

LIMIT = 3


@pytest.fixture
def app(database_url, tmp_path):
    app = migrated_app(database_url, tmp_path, API_RATE_LIMIT=f"{LIMIT} per minute")
    yield app
    if not database.is_closed():
        database.close()


def _secret(app, username: str = "admin") -> tokens.IssuedToken:
    with app.app_context():
        database.connect(reuse_if_open=True)
        issued = tokens.create_token(
            User.get(User.username == username), "t", "read", 30, actor=None
        )
        database.close()
    return issued


def _bearer(issued) -> dict[str, str]:
    return {"Authorization": f"Bearer {issued.secret}"}


def _limiter(app):
    (limiter,) = app.extensions["limiter"]
    return limiter


def test_a_token_over_its_limit_gets_a_429_problem(app, client, demo):
    bearer = _bearer(_secret(app))
    # The budget is the token's across the API, not one per endpoint.
    paths = ["/api/v1/units", "/api/v1/cycles", "/api/v1/units", "/api/v1/cycles"]
    statuses = [client.get(path, headers=bearer).status_code for path in paths]
    assert statuses == [200] * LIMIT + [429]

    refused = client.get("/api/v1/units", headers=bearer)
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    body = refused.get_json()
    assert body["status"] == 429 and body["title"] == "请求过于频繁"
    seconds = int(refused.headers["Retry-After"])
    assert 1 <= seconds <= 60
    assert body["detail"] == f"请求过于频繁，请 {seconds} 秒后再试。"
    assert refused.headers["X-RateLimit-Limit"] == str(LIMIT)
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_answers_within_the_limit_count_down_without_retry_after(app, client, demo):
    bearer = _bearer(_secret(app))
    remaining = []
    for _ in range(LIMIT):
        response = client.get("/api/v1/units", headers=bearer)
        assert response.status_code == 200
        assert "Retry-After" not in response.headers
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == list(range(LIMIT - 1, -1, -1))


def test_another_token_keeps_its_own_budget(app, client, demo):
    spent, other, reporter = _secret(app), _secret(app), _secret(app, "r-410105")
    for _ in range(LIMIT + 1):
        client.get("/api/v1/units", headers=_bearer(spent))
    assert client.get("/api/v1/units", headers=_bearer(spent)).status_code == 429
    # Another token of the same person, and another person's, from the same address.
    assert client.get("/api/v1/units", headers=_bearer(other)).status_code == 200
    assert client.get("/api/v1/cycles", headers=_bearer(reporter)).status_code == 200


def test_the_key_is_the_tokens_id_never_its_secret(app, client, demo):
    issued = _secret(app)
    client.get("/api/v1/units", headers=_bearer(issued))
    keys = list(_limiter(app).storage.storage)
    assert any(f"token:{issued.token.id}/" in key for key in keys), keys
    assert not any(issued.secret in key or tokens.hash_secret(issued.secret) in key for key in keys)


def test_requests_without_a_valid_token_are_limited_by_address(app, client, demo):
    statuses = [
        client.get(
            "/api/v1/units", headers={"Authorization": f"Bearer assess_guess{i}"}
        ).status_code
        for i in range(LIMIT + 2)
    ]
    assert statuses == [401] * LIMIT + [429, 429]
    # A valid token from that address has a budget of its own.
    assert client.get("/api/v1/units", headers=_bearer(_secret(app))).status_code == 200


def test_the_document_and_its_page_are_not_limited(app, client, demo):
    for _ in range(LIMIT + 1):  # the address's API budget spent
        client.get("/api/v1/units")
    assert client.get("/api/v1/units").status_code == 429
    statuses = {client.get(path).status_code for path in ["/api/v1/openapi.json"] * 10}
    statuses |= {client.get(path).status_code for path in ["/api/v1/docs"] * 10}
    assert statuses == {200}
    assert "X-RateLimit-Limit" not in client.get("/api/v1/openapi.json").headers


def test_the_429_is_documented_for_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "put", "post", "patch", "delete"}
    ]
    assert {method for _path, method, _op in operations} >= {"get", "put", "post"}
    for path, method, operation in operations:
        refused = operation["responses"]["429"]
        assert list(refused["content"]) == ["application/problem+json"], (method, path)
        assert refused["headers"]["Retry-After"]["required"] is True


def test_web_pages_are_not_limited(app, as_user):
    client = as_user("admin")
    for _ in range(LIMIT + 2):
        client.get("/api/v1/units")  # the address's API budget spent
    statuses = [client.get("/").status_code for _ in range(LIMIT * 3)]
    assert statuses == [200] * (LIMIT * 3)
    assert client.get("/auth/login").status_code in {200, 302}


def test_a_limit_that_does_not_parse_refuses_to_start(database_url, tmp_path):
    with pytest.raises(ValueError):
        migrated_app(database_url, tmp_path, API_RATE_LIMIT="lots per minute")


def test_redis_storage_shares_the_budget_between_workers(database_url, tmp_path, redis_url):
    # Two apps on one database and one redis: two gunicorn workers, or two servers.
    first = migrated_app(
        database_url,
        tmp_path,
        API_RATE_LIMIT=f"{LIMIT} per minute",
        API_RATE_LIMIT_STORAGE_URL=redis_url,
    )
    second = migrated_app(
        database_url,
        tmp_path,
        API_RATE_LIMIT=f"{LIMIT} per minute",
        API_RATE_LIMIT_STORAGE_URL=redis_url,
    )
    _limiter(first).reset()  # counters of earlier tests on this redis server
    with first.app_context():
        database.connect(reuse_if_open=True)
        from assess.demo import units as demo_data

        demo_data.load_demo(extensions=False)
        database.close()
    bearer = _bearer(_secret(first))
    clients = [first.test_client(), second.test_client()]
    statuses = [clients[i % 2].get("/api/v1/units", headers=bearer).status_code for i in range(5)]
    assert statuses == [200] * LIMIT + [429, 429]
    if not database.is_closed():
        database.close()


def test_an_unreachable_redis_falls_back_to_counting_in_memory(database_url, tmp_path):
    app = migrated_app(
        database_url,
        tmp_path,
        API_RATE_LIMIT=f"{LIMIT} per minute",
        API_RATE_LIMIT_STORAGE_URL="redis://127.0.0.1:1/0",  # nothing listens on port 1
    )
    with app.app_context():
        database.connect(reuse_if_open=True)
        from assess.demo import units as demo_data

        demo_data.load_demo(extensions=False)
        database.close()
    bearer = _bearer(_secret(app))
    client = app.test_client()
    statuses = [client.get("/api/v1/units", headers=bearer).status_code for _ in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]
    if not database.is_closed():
        database.close()
