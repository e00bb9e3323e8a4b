"""The key that signs sessions and CSRF tokens, and the key of the audit chain.

On one machine it is generated once into the instance folder. Several workers start at
the same moment on a new instance, so the file is created with ``O_EXCL``: exactly one
process writes it, the others wait for its content and read the same key back. Servers
that share a PostgreSQL database must share the key as well, so there it is a setting.

The audit chain's key (``AUDIT_KEY``) is kept outside the database for the same reason the
chain is keyed at all: whoever can write the database must not be able to recompute it.
Unset, it is derived from the instance secret, so it lives where that lives (the instance
folder on SQLite, the shared setting on PostgreSQL) and a new instance needs nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from flask_babel import gettext as _

KEY_FILE = "secret_key"
KEY_BYTES = 32
# How long a starting worker waits for another worker to finish writing the key.
WAIT_SECONDS = 5.0


class ConfigurationError(RuntimeError):
    """The settings cannot run this instance; the message says which setting to give."""


def required_key(database_url: str, configured: str) -> str | None:
    """``configured`` if usable; None when it may be generated; raise on PostgreSQL."""
    if configured:
        return configured
    if not database_url.startswith("sqlite"):
        raise ConfigurationError(
            _("使用 PostgreSQL 时必须设置 SECRET_KEY（各服务器须使用同一个密钥）")
        )
    return None


# Separates the derived audit key from the secret itself: the one never reveals the other.
AUDIT_KEY_CONTEXT = b"assess audit chain"


def audit_key(configured: str, secret: str) -> str:
    """``configured`` if given, else a key derived from the instance ``secret`` (hex)."""
    if configured:
        return configured
    return hmac.new(secret.encode("utf-8"), AUDIT_KEY_CONTEXT, hashlib.sha256).hexdigest()


def instance_secret(instance: Path) -> str:
    """The instance's key, creating it atomically on first use."""
    path = instance / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_when_written(path)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(KEY_BYTES))
        fh.flush()
        os.fsync(fh.fileno())
    return _read_when_written(path)


def _read_when_written(path: Path) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        key = path.read_text().strip()
        if len(key) == 2 * KEY_BYTES:
            return key
        if time.monotonic() > deadline:
            raise ConfigurationError(
                _("密钥文件 %(path)s 内容不完整：请删除它后重新启动", path=str(path))
            )
        time.sleep(0.02)
