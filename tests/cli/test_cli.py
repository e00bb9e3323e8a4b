"""The assess command: init, demo, users, audit verify, with clear errors and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from assess.cli.main import main
from tests.conftest import AUDIT_KEY


@pytest.fixture
def cli_env(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ASSESS_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("SECRET_KEY", "cli-test")
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    return CliRunner()


def run(runner, *args, input=None):
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


def test_init_then_demo_then_logins(cli_env):
    assert run(cli_env, "init").exit_code == 0
    result = run(cli_env, "demo", "--units-only")
    assert result.exit_code == 0
    assert "admin" in result.output and "r-410105" in result.output
    again = run(cli_env, "demo", "--units-only")
    assert again.exit_code == 1
    assert "已有单位" in again.output
    assert "r-dept-gaj" in run(cli_env, "demo", "--logins").output


def test_user_add_reads_password_from_stdin(cli_env, db):
    run(cli_env, "init")
    run(cli_env, "demo", "--units-only")
    result = run(
        cli_env,
        "user",
        "add",
        "wang",
        "--role",
        "reporter",
        "--unit",
        "410102",
        input="Wang#20260001\n",
    )
    assert result.exit_code == 0, result.output
    from assess.accounts.models import User

    assert User.get(User.username == "wang").unit.code == "410102"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ("user", "add", "x1", "--role", "reporter", "--unit", "nope"),
            "Abc#12345\n",
            "单位编码不存在",
        ),
        (("user", "add", "x2", "--role", "reporter"), "Abc#12345\n", "填报员必须属于一个单位"),
        (("user", "add", "admin", "--role", "admin"), "Abc#12345\n", "用户名已存在"),
        (("user", "add", "x3", "--role", "viewer"), "short\n", "密码至少需要"),
        (("user", "passwd", "ghost"), "Abc#12345\n", "用户不存在"),
        (("user", "disable", "ghost"), None, "用户不存在"),
    ],
)
def test_bad_user_commands_fail_clearly(cli_env, args, stdin, message):
    run(cli_env, "init")
    run(cli_env, "demo", "--units-only")
    result = run(cli_env, *args, input=stdin)
    assert result.exit_code == 1
    assert message in result.output


def test_passwd_and_disable(cli_env, db):
    run(cli_env, "init")
    run(cli_env, "demo", "--units-only")
    assert run(cli_env, "user", "passwd", "viewer", input="Other#2026x\n").exit_code == 0
    assert run(cli_env, "user", "disable", "viewer").exit_code == 0
    from assess.accounts.models import User

    assert not User.get(User.username == "viewer").active


def test_audit_verify_passes_then_catches_tampering(cli_env, db):
    run(cli_env, "init")
    run(cli_env, "demo", "--units-only")
    ok = run(cli_env, "audit", "verify")
    assert ok.exit_code == 0 and "审计日志完整" in ok.output
    from assess.core.models import AuditEntry

    AuditEntry.update(actor_name="someone-else").where(AuditEntry.id == 3).execute()
    bad = run(cli_env, "audit", "verify")
    assert bad.exit_code == 1
    assert "哈希不符" in bad.output


def test_audit_verify_prints_the_head_at_a_count(cli_env, db):
    run(cli_env, "init")
    run(cli_env, "demo", "--units-only")
    from assess.core import audit
    from assess.core.models import AuditEntry

    third = AuditEntry.select().order_by(AuditEntry.id).offset(2).first()
    at_three = run(cli_env, "audit", "verify", "--at", "3")
    assert at_three.exit_code == 0, at_three.output
    assert f"第 3 条记录时的审计链指纹：{third.hash[:16]}（完整：{third.hash}）" in at_three.output
    head = audit.head()
    now = run(cli_env, "audit", "verify")
    assert f"第 {head.count} 条记录时的审计链指纹：{head.fingerprint}" in now.output
    beyond = run(cli_env, "audit", "verify", "--at", str(head.count + 1))
    assert beyond.exit_code == 1
    assert f"审计日志只有 {head.count} 条记录" in beyond.output


def test_db_downgrade_and_upgrade(cli_env):
    run(cli_env, "init")
    assert "当前版本：0" in run(cli_env, "db", "downgrade", "--to", "0").output
    assert "+ 0001 initial" in run(cli_env, "db", "upgrade").output


def test_bad_database_url_is_a_clear_error(cli_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://x")
    result = run(cli_env, "init")
    assert result.exit_code == 1
    assert "DATABASE_URL 无法识别" in result.output


def test_unreachable_database_is_a_clear_error(cli_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = run(cli_env, "init")
    assert result.exit_code == 1
    assert "无法连接数据库" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["init"],
        ["demo"],
        ["serve"],
        ["user", "add"],
        ["user", "passwd"],
        ["user", "disable"],
        ["db", "upgrade"],
        ["audit", "verify"],
    ],
)
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_console_script_is_installed(tmp_path):
    # The real entry point, as a newcomer runs it.
    exe = os.path.join(os.path.dirname(sys.executable), "assess")
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True)
    assert "init" in out.stdout and "demo" in out.stdout


def test_token_create_prints_a_working_secret_once(cli_env):
    from assess import create_app

    run(cli_env, "init")
    run(cli_env, "demo", "--units-only")
    result = run(cli_env, "token", "create", "viewer", "--days", "30", "--label", "看板")
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("assess_")
    app = create_app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/units", headers=headers).status_code == 200
    from assess.accounts.models import ApiToken
    from assess.accounts.tokens import hash_secret
    from assess.core.db import database

    with app.app_context():
        database.connect(reuse_if_open=True)
        token = ApiToken.get(ApiToken.name == "看板")
        # Stored as its hash only, read scope by default, and the right lifetime.
        assert token.secret_hash == hash_secret(secret) and secret not in token.secret_hash
        assert token.scope == "read"
        assert 29 <= (token.expires_at - token.created_at).days <= 30
        database.close()
    refused = run(cli_env, "token", "create", "viewer", "--days", "0")
    assert refused.exit_code == 1 and "assess_" not in refused.output


def test_token_create_for_unknown_user_fails_clearly(cli_env):
    run(cli_env, "init")
    result = run(cli_env, "token", "create", "nobody")
    assert result.exit_code == 1 and "nobody" in result.output
