"""One log line per request with its id; the id in the response header and on error pages;
an id sent by the client is taken only through a trusted proxy."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

from tests.conftest import PG_SERVER, make_app

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="assess.request")

    def lines():
        return [r.getMessage() for r in caplog.records if r.name == "assess.request"]

    return lines


def _fields(line: str) -> dict[str, str]:
    assert line.startswith("request ")
    return dict(part.split("=", 1) for part in line.split()[1:])


def test_each_request_has_an_id_and_one_line(client, request_lines):
    first = client.get("/auth/login")
    second = client.get("/auth/login")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(GENERATED.fullmatch(i) for i in ids) and ids[0] != ids[1]
    lines = request_lines()
    assert len(lines) == 2
    fields = _fields(lines[0])
    assert fields["id"] == ids[0]
    assert fields["method"] == "GET" and fields["path"] == "/auth/login"
    assert fields["status"] == "200" and fields["user"] == "-" and fields["addr"] == "127.0.0.1"
    assert float(fields["ms"]) >= 0


def test_the_signed_in_user_is_logged(as_user, request_lines):
    from assess.accounts.models import User

    reporter = as_user("r-410105")
    reporter.get("/")
    fields = _fields(request_lines()[-1])
    assert fields["path"] == "/" and fields["status"] == "200"
    assert fields["user"] == str(User.get(User.username == "r-410105").id)


def test_a_path_cannot_break_the_line(client, request_lines):
    client.get("/no%20such%0Apage")
    (line,) = request_lines()
    assert "\n" not in line and _fields(line)["path"] == "/no%20such%0Apage"


def test_a_client_id_is_ignored_without_a_trusted_proxy(client, request_lines):
    response = client.get("/health", headers={"X-Request-ID": "forged-by-client"})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("nginx-4f2a9c", True),
        ("a b", False),
        ("x" * 129, False),
        ("id;drop", False),
        ("编号", False),
    ],
)
def test_a_trusted_proxy_passes_its_id(database_url, tmp_path, request_lines, sent, kept):
    app = make_app(database_url, tmp_path, TRUSTED_PROXIES=1)
    response = app.test_client().get(
        "/health", headers={"X-Request-ID": sent, "X-Forwarded-For": "203.0.113.9"}
    )
    got = response.headers["X-Request-ID"]
    assert (got == sent) if kept else GENERATED.fullmatch(got)
    fields = _fields(request_lines()[-1])
    assert fields["id"] == got and fields["addr"] == "203.0.113.9"


def test_error_pages_show_the_id(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert f"请求编号：{response.headers['X-Request-ID']}" in response.get_data(as_text=True)


@pytest.mark.skipif(bool(PG_SERVER), reason="the SQLite file itself is what breaks")
def test_the_outage_page_shows_the_id(app, tmp_path, request_lines):
    path = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    os.replace(path, tmp_path / "aside.db")
    path.mkdir()
    response = app.test_client().get("/auth/login")
    assert response.status_code == 503
    assert f"请求编号：{response.headers['X-Request-ID']}" in response.get_data(as_text=True)
    assert _fields(request_lines()[-1])["status"] == "503"


def test_the_last_resort_page_shows_the_id(client, monkeypatch):
    from assess.web import errors

    def broken(*args, **kwargs):
        raise RuntimeError("no template")

    monkeypatch.setattr(errors, "render_template", broken)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert f"请求编号：{response.headers['X-Request-ID']}" in response.get_data(as_text=True)
