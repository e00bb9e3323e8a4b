"""The instance secret: one key however many workers start at once; none made up on
PostgreSQL, where every server must share the configured one."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from assess import create_app
from assess.core.secret_key import (
    ConfigurationError,
    audit_key,
    instance_secret,
    required_key,
)

pytestmark = pytest.mark.pure

STARTERS = 8


def _config(folder) -> dict:
    return {"ASSESS_INSTANCE": str(folder), "SECRET_KEY": "", "DATABASE_URL": ""}


def _start(folder: str, barrier, results) -> None:
    try:
        barrier.wait()  # every worker builds its app at the same moment, as gunicorn's do
        results.put(create_app(_config(folder)).config["SECRET_KEY"])
    except Exception as exc:  # reported to the test, not lost in a child process
        results.put(repr(exc))


@pytest.mark.parametrize("attempt", range(5))
def test_workers_starting_together_share_one_key(tmp_path, attempt):
    create_app(_config(tmp_path / "warm"))  # imports done once, so the children race on the key
    tmp_path = tmp_path / "instance"
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(STARTERS), ctx.Queue()
    workers = [
        ctx.Process(target=_start, args=(str(tmp_path), barrier, results)) for _ in range(STARTERS)
    ]
    for w in workers:
        w.start()
    keys = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert len(set(keys)) == 1
    assert len(keys[0]) == 64 and int(keys[0], 16) >= 0
    assert (tmp_path / "secret_key").read_text() == keys[0]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # private to its owner


def test_the_key_survives_a_restart(tmp_path):
    assert instance_secret(tmp_path) == instance_secret(tmp_path)


def test_a_truncated_key_file_is_refused_not_used(tmp_path):
    (tmp_path / "secret_key").write_text("abc")
    with pytest.raises(ConfigurationError):
        instance_secret(tmp_path)


def test_postgresql_needs_a_configured_key(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(
            {
                "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                "SECRET_KEY": "",
                "ASSESS_INSTANCE": str(tmp_path),
            }
        )
    assert not (tmp_path / "secret_key").exists()
    assert required_key("postgresql://x/y", "shared") == "shared"
    assert required_key("sqlite:///x.db", "") is None


def test_a_worker_that_finds_the_key_being_written_waits_for_it(tmp_path):
    """The window the race lives in, held open: another worker has created the file but
    not yet written it. Reading it then must not give an empty (or half) key."""
    (tmp_path / "secret_key").touch(mode=0o600)
    key = "ab" * 32
    writer = threading.Timer(0.3, (tmp_path / "secret_key").write_text, args=(key,))
    writer.start()
    try:
        app = create_app(_config(tmp_path))
    finally:
        writer.join()
    assert app.config["SECRET_KEY"] == key


def test_audit_key_is_the_setting_or_derived_from_the_secret():
    derived = audit_key("", "instance secret")
    assert derived == audit_key("", "instance secret")  # every server derives the same key
    assert derived != audit_key("", "another secret")
    assert "instance secret" not in derived and len(derived) == 64
    assert audit_key("configured", "instance secret") == "configured"


def test_app_keys_its_audit_chain_outside_the_database(tmp_path):
    from assess.core import audit

    app = create_app(_config(tmp_path))
    secret = (tmp_path / "secret_key").read_text()
    assert app.config["AUDIT_KEY"] == audit_key("", secret)
    assert audit.chain_key() == app.config["AUDIT_KEY"].encode()
    configured = create_app(dict(_config(tmp_path), AUDIT_KEY="shared audit key"))
    assert configured.config["AUDIT_KEY"] == "shared audit key"
    assert audit.chain_key() == b"shared audit key"
