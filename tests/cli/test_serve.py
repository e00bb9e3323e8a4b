"""``assess serve``: gunicorn with workers and threads from the settings, started here as a
subprocess on a loopback port; ``--dev``: the reloading development server. Both answer the
health checks, send a neutral Server header and log each request once with its id."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.harness import free_port, stop_server, wait_healthy

ROOT = Path(__file__).resolve().parent.parent.parent
LINE = re.compile(
    r"assess\.request \[(\d+)\] request id=(\S+) method=(\S+) path=(\S+) status=(\d+)"
)


def _env(app, **extra) -> dict[str, str]:
    env = os.environ | {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": app.config["DATABASE_URL"],
        "ASSESS_INSTANCE": app.config["ASSESS_INSTANCE"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "AUDIT_KEY": app.config["AUDIT_KEY"],
    }
    return env | extra


def _serve(app, tmp_path, *args, **env) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "assess.cli", "serve", "--port", str(port), *args]
    with log.open("ab") as out:
        server = subprocess.Popen(
            command,
            env=_env(app, **env),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(port, server)
    except RuntimeError as exc:
        stop_server(server)
        raise AssertionError(log.read_text()) from exc
    return server, port, log


def _get(port: int, path: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def _lines(log: Path, seconds: float = 10.0, want: int = 0) -> list[tuple[str, ...]]:
    deadline = time.monotonic() + seconds
    while True:  # a worker's line may reach the file a moment after its response
        found = LINE.findall(log.read_text(errors="replace"))
        if len(found) >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def gunicorn(app, tmp_path):
    server, port, log = _serve(app, tmp_path, "--threads", "2", WEB_WORKERS="2")
    yield server, port, log
    stop_server(server)


def test_gunicorn_with_two_workers_answers_and_logs_each_request_once(gunicorn):
    server, port, log = gunicorn
    deadline = time.monotonic() + 30  # the first worker answers before the second has forked
    while len(_children(server.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_children(server.pid)) == 2  # WEB_WORKERS
    sent = []
    for path in ("/health", "/health/ready", "/auth/login", "/no-such-page") * 3:
        response, body = _get(port, path)
        assert response.getheader("Server") == "Assess"  # not gunicorn
        request_id = response.getheader("X-Request-ID")
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)
        sent.append((request_id, path, str(response.status)))
        if path == "/health/ready":
            assert response.status == 200, body
            assert b'"status":"ready"' in body
    lines = _lines(log, want=len(sent) + 1)
    logged = [(rid, path, status) for _pid, rid, _method, path, status in lines]
    ours = {rid for rid, _path, _status in sent}
    # Each request once, with its id, path and status; the rest is the start-up's /health.
    assert sorted(line for line in logged if line[0] in ours) == sorted(sent)
    assert {path for rid, path, _status in logged if rid not in ours} == {"/health"}
    assert "Traceback" not in log.read_text()


def test_gunicorn_takes_an_id_only_from_a_trusted_proxy(app, tmp_path):
    server, port, log = _serve(app, tmp_path, "--workers", "1", TRUSTED_PROXIES="1")
    try:
        response, _ = _get(port, "/health", {"X-Request-ID": "nginx-abc123"})
        assert response.getheader("X-Request-ID") == "nginx-abc123"
    finally:
        stop_server(server)
    assert [line[1] for line in _lines(log, want=2)][-1] == "nginx-abc123"


def test_dev_server_still_serves(app, tmp_path):
    server, port, log = _serve(app, tmp_path, "--dev")
    try:
        response, body = _get(port, "/health/ready")
        assert response.status == 200, body
        assert response.getheader("Server") == "Assess"
        request_id = response.getheader("X-Request-ID")
    finally:
        stop_server(server)
    assert request_id in [line[1] for line in _lines(log, want=2)]
    assert "Running on" in log.read_text() or "Serving Flask app" in log.read_text()


def test_serve_refuses_a_database_at_another_schema(app, tmp_path):
    from assess.core.db import database
    from assess.ops import migrations

    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.downgrade(0, force=True)
        database.close()
    done = subprocess.run(
        [sys.executable, "-m", "assess.cli", "serve", "--port", str(free_port())],
        env=_env(app),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "assess" in done.stderr and "Traceback" not in done.stderr
