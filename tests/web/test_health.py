"""/health (alive: reads nothing) and /health/ready (database, schema, store and whatever
else is registered), with each failure named and no secret or traceback in the answer."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from assess.core.db import database
from assess.web import readiness
from tests.conftest import PG_SERVER, make_app
from tests.web.test_outages import own_postgres  # noqa: F401 (a fixture)

READY = {"database": "ok", "schema": "ok", "store": "ok", "queue": "ok"}


def _ready(client):
    response = client.get("/health/ready")
    body = response.get_json()
    assert "Traceback" not in response.get_data(as_text=True)
    return response.status_code, body


def test_ready_names_every_check(client):
    assert client.get("/health").get_json() == {"status": "alive"}
    assert _ready(client) == (200, {"status": "ready", "checks": READY})


@pytest.mark.skipif(bool(PG_SERVER), reason="the SQLite file itself is what breaks")
def test_unreadable_sqlite_file_fails_ready_but_not_alive(app, client, tmp_path):
    path = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    aside = tmp_path / "aside.db"
    os.replace(path, aside)
    path.write_bytes(b"not a database " * 512)

    assert client.get("/health").status_code == 200
    code, body = _ready(client)
    assert code == 503
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database", "schema"]
    assert body["checks"]["database"] == "数据库无法连接"
    assert body["checks"]["schema"] == "数据库无法连接"  # not a traceback per poll
    assert body["checks"]["store"] == "ok"

    os.replace(aside, path)
    assert _ready(client)[0] == 200  # no restart


def test_store_folder_not_usable_fails_ready(app, client):
    store = Path(app.config["ASSESS_INSTANCE"]) / "evidence"
    shutil.rmtree(store, ignore_errors=True)
    store.write_bytes(b"a file where the folder should be")  # root ignores permissions

    code, body = _ready(client)
    assert code == 503
    assert body["failing"] == ["store"]
    assert body["checks"]["store"] == "证据存储不可读写"
    assert body["checks"]["database"] == "ok"

    store.unlink()
    assert _ready(client)[0] == 200
    assert not any((store / "tmp").iterdir())  # the probe is cleaned up


def test_unreachable_queue_fails_ready(tmp_path, database_url):
    app = make_app(database_url, tmp_path, QUEUE_URL="redis://127.0.0.1:1/0")
    status, body = _ready(app.test_client())
    assert status == 503
    assert body["checks"]["queue"] == "任务队列无法连接"
    assert body["checks"]["database"] == "ok"


def test_unreachable_database_names_no_secret(tmp_path):
    app = make_app("postgresql://assess:pw-sekret-1@127.0.0.1:1/assess", tmp_path)
    response = app.test_client().get("/health/ready")
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "数据库无法连接"
    assert "pw-sekret-1" not in text and "127.0.0.1" not in text and "psycopg" not in text
    assert app.test_client().get("/health").status_code == 200


@pytest.mark.pure  # it brings its own server, so it runs once, on the SQLite pass
def test_postgres_stopped_fails_ready_and_recovers(own_postgres, tmp_path):  # noqa: F811
    from assess.ops import migrations

    app = make_app(own_postgres.url, tmp_path)
    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        database.close()
    client = app.test_client()
    assert _ready(client)[0] == 200

    own_postgres.stop()
    assert client.get("/health").status_code == 200
    code, body = _ready(client)
    assert code == 503
    assert "database" in body["failing"]
    own_postgres.start()
    assert _ready(client)[0] == 200


def test_a_registered_check_is_one_line(client):
    readiness.register("queue", lambda config: "队列无法连接")
    try:
        code, body = _ready(client)
    finally:
        readiness.unregister("queue")
    assert code == 503
    assert body["failing"] == ["queue"]
    assert body["checks"] == {**READY, "queue": "队列无法连接"}
    assert _ready(client)[0] == 200


def test_a_check_that_hangs_or_raises_is_a_problem_of_its_own(client):
    readiness.register("slow", lambda config: time.sleep(5), timeout=0.2)
    readiness.register("broken", lambda config: 1 / 0)
    try:
        code, body = _ready(client)
    finally:
        readiness.unregister("slow")
        readiness.unregister("broken")
    assert code == 503
    assert body["failing"] == ["broken", "slow"]
    assert body["checks"]["slow"] == "检查超时"
    assert body["checks"]["broken"] == "检查出错"
    assert "ZeroDivision" not in str(body)
