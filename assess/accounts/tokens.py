"""Personal API tokens (接口令牌): made and revoked by their person (or the command line),
checked on every ``/api/v1`` request.

A token is ``assess_`` and 32 random bytes (``secrets.token_urlsafe``); only its SHA-256 is
stored, so a copy of the database reveals no usable token. Making and revoking a token are
audited; each use only stamps ``last_used_at`` (one audit entry per API call would bury the
chain under reads).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _

from assess.accounts.models import ApiToken, User
from assess.core import audit
from assess.core.db import database
from assess.core.enums import TokenScope
from assess.core.models import utcnow

PREFIX = "assess_"
MAX_DAYS = 366
DEFAULT_DAYS = 90
# last_used_at is written at most this often per token: reads stay reads.
USE_STAMP_INTERVAL = timedelta(minutes=1)
TOKEN_AUDIT_FIELDS = ("user", "name", "scope", "expires_at", "revoked_at")


class TokenError(ValueError):
    """A token request that cannot be carried out; the message is for the user."""


@dataclass(frozen=True)
class IssuedToken:
    """A token just made and its secret, which is never shown again."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    user: User, name: str, scope: str, days: int = DEFAULT_DAYS, *, actor
) -> IssuedToken:
    """Make a token for ``user``; refuses an empty name, an unknown scope, or a lifetime
    outside 1..MAX_DAYS days (TokenError). ``actor`` is the person asking (None: the
    command line)."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise TokenError(_("请填写令牌名称（不超过 64 个字符）"))
    if scope not in set(TokenScope):
        raise TokenError(_("未知的令牌权限：%(scope)s", scope=scope))
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(_("有效期须在 1 到 %(n)s 天之间", n=MAX_DAYS))
    secret = PREFIX + secrets.token_urlsafe(32)
    with database.atomic():
        token = ApiToken.create(
            user=user,
            name=name,
            secret_hash=hash_secret(secret),
            scope=scope,
            expires_at=utcnow() + timedelta(days=days),
        )
        audit.record(
            "api_token.create",
            "api_token",
            token.id,
            after=audit.model_snapshot(token, TOKEN_AUDIT_FIELDS),
            actor=actor,
        )
    return IssuedToken(token, secret)


def revoke_token(token: ApiToken, *, actor) -> None:
    """Revoke ``token`` at once; a token already revoked stays as it was."""
    with database.atomic():
        fresh = ApiToken.get_by_id(token.id)
        if fresh.revoked_at is not None:
            return
        before = audit.model_snapshot(fresh, TOKEN_AUDIT_FIELDS)
        fresh.revoked_at = utcnow()
        fresh.save(only=[ApiToken.revoked_at])
        audit.record(
            "api_token.revoke",
            "api_token",
            fresh.id,
            before=before,
            after=audit.model_snapshot(fresh, TOKEN_AUDIT_FIELDS),
            actor=actor,
        )
    token.revoked_at = fresh.revoked_at


def own_tokens(user: User) -> list[ApiToken]:
    """``user``'s tokens, newest first, revoked and expired ones included."""
    return list(ApiToken.select().where(ApiToken.user == user).order_by(ApiToken.id.desc()))


def own_token(user: User, token_id: int) -> ApiToken | None:
    """``user``'s token with this id; None for another person's (never confirming it)."""
    return ApiToken.get_or_none(ApiToken.id == token_id, ApiToken.user == user)


def authenticate(secret: str | None) -> tuple[User, ApiToken] | None:
    """The active person and the token for a presented secret; None when the secret is
    unknown, revoked or expired, or its person is disabled. Stamps ``last_used_at``."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    token = ApiToken.get_or_none(ApiToken.secret_hash == digest)
    now = utcnow()
    if token is None or not hmac.compare_digest(token.secret_hash, digest):
        return None
    if not token.usable(now):
        return None
    user = User.get_or_none(User.id == token.user_id)
    if user is None or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= USE_STAMP_INTERVAL:
        ApiToken.update(last_used_at=now).where(ApiToken.id == token.id).execute()
        token.last_used_at = now
    return user, token
