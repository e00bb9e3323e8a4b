"""Shared fixtures: an app on a fresh database per test, clients, login helpers.

The database comes from ``ASSESS_TEST_DATABASE``: unset means a SQLite file per test; a
PostgreSQL server URL (set by ``scripts/with-postgres.sh`` during ``make test``) means a
fresh PostgreSQL database per test, created and dropped around it.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings

from assess import create_app
from assess.accounts import users
from assess.core.db import database
from assess.ops import migrations
from tests import loopback

# Timing-based deadlines make property tests flaky on a shared 2-core CI machine; the
# examples themselves stay bounded by max_examples. In CI the examples are derived from
# each test's name, so a run is reproducible and main never turns red by chance; locally
# every run explores new inputs.
settings.register_profile(
    "assess",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("assess")

PG_SERVER = os.environ.get("ASSESS_TEST_DATABASE", "")
ROOT = Path(__file__).resolve().parent.parent

# Cheap hashing keeps tests fast; production keeps argon2's defaults.
users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
users._DUMMY_HASH = users._hasher.hash("dummy-password-1")

PASSWORD = "Test@pass1"
# One audit key for every app and command of a test, as the servers of one instance share it.
AUDIT_KEY = "test-audit-key"


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_SERVER if PG_SERVER else 'SQLite'}"


def pytest_collection_modifyitems(config, items):
    if not PG_SERVER:
        skip = pytest.mark.skip(
            reason="needs PostgreSQL: runs in the pass of scripts/with-postgres.sh"
        )
        for item in items:
            if item.get_closest_marker("postgres_only"):
                item.add_marker(skip)
        return
    # On the PostgreSQL pass only database tests run; pure ones already ran on SQLite.
    kept, dropped = [], []
    for item in items:
        pure = item.get_closest_marker("pure") or item.get_closest_marker("e2e")
        (dropped if pure else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _pg_admin():
    import psycopg2

    conn = psycopg2.connect(PG_SERVER)
    conn.autocommit = True
    return conn


@contextlib.contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty database on the test PostgreSQL server; its URL. Dropped at the end,
    with whatever connections other processes still hold on it."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        base = PG_SERVER.rsplit("/", 1)[0]
        yield f"{base}/{name}"
        if database.obj is not None and not database.is_closed():
            database.close()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@pytest.fixture
def database_url(tmp_path):
    if not PG_SERVER:
        yield f"sqlite:///{tmp_path}/assess.db"
        return
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """Debian's redis-server on loopback for the whole run (see tests.loopback)."""
    try:
        with loopback.redis_server(tmp_path_factory.mktemp("redis")) as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


def make_app(database_url, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "ASSESS_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "AUDIT_KEY": AUDIT_KEY,
        "WTF_CSRF_ENABLED": False,
        # The fuzz sends hundreds of API requests a minute per token; tests about the rate
        # limit set their own (tests/api/test_rate_limit.py).
        "API_RATE_LIMIT": "100000 per minute",
    }
    config.update(overrides)
    return create_app(config)


def migrated_app(database_url, tmp_path, **overrides):
    """``make_app`` with its database brought to the current schema."""
    app = make_app(database_url, tmp_path, **overrides)
    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        database.close()
    return app


@pytest.fixture
def app(database_url, tmp_path):
    app = migrated_app(database_url, tmp_path)
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def db(app):
    """An open connection for model-level tests.

    No app context is kept pushed: requests made by test clients during the test must get
    their own app context (and ``g``), as they do in production.
    """
    database.connect(reuse_if_open=True)
    yield database
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo(app):
    """The demo units and accounts, loaded once into this test's database."""
    from assess.demo import units as demo_data

    with app.app_context():
        database.connect(reuse_if_open=True)
        logins = demo_data.load_demo(extensions=False)
        database.close()
    return logins


def login(client, username: str, password: str | None = None):
    from assess.demo.units import DEMO_PASSWORD

    return client.post(
        "/auth/login",
        data={"username": username, "password": password or DEMO_PASSWORD},
        follow_redirects=False,
    )


@pytest.fixture
def as_user(app, demo):
    """as_user("admin") -> a test client signed in as that demo account."""

    def sign_in(username: str):
        c = app.test_client()
        response = login(c, username)
        assert response.status_code == 302, response.data.decode()[:500]
        return c

    return sign_in
