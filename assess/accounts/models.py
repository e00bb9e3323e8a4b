"""People who sign in and the sign-in throttle."""

from __future__ import annotations

import hashlib

import peewee as pw

from assess.core.db import BaseModel
from assess.core.enums import Role, TokenScope
from assess.core.models import utcnow
from assess.units.models import Unit


class User(BaseModel):
    """A person who signs in. A reporter belongs to exactly one unit."""

    username = pw.CharField(max_length=64, unique=True)
    display_name = pw.CharField(max_length=64, default="")
    password_hash = pw.CharField(max_length=255)
    role = pw.CharField(max_length=16, choices=[(r.value, r.value) for r in Role])
    unit = pw.ForeignKeyField(Unit, null=True, backref="users", on_delete="RESTRICT")
    # The unit whose subtree an office, inspector or leader works in (本级办公室); None is
    # the city: every unit and every cycle, as before scoped offices.
    scope_unit = pw.ForeignKeyField(Unit, null=True, backref="scoped_users", on_delete="RESTRICT")
    active = pw.BooleanField(default=True)
    locale = pw.CharField(max_length=10, default="")
    created_at = pw.DateTimeField(default=utcnow)
    last_login_at = pw.DateTimeField(null=True)
    # Raised at sign-out: cookie sessions carry it, so older cookies stop working.
    session_version = pw.IntegerField(default=0)
    # A service account (服务账号): another system's identity, made by the office, acting
    # only through its API tokens. It never signs in and has no usable password.
    is_service = pw.BooleanField(default=False)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the session stores: the id and a digest of the password hash and session
        generation, so a changed password or a sign-out ends every session (a copied cookie
        included) opened before it."""
        material = f"{self.password_hash}|{self.session_version}"
        stamp = hashlib.sha256(material.encode()).hexdigest()[:16]
        return f"{self.id}.{stamp}"

    @property
    def scope_ids(self) -> frozenset[int] | None:
        """The ids of the units this person works over: None when unscoped (the city: every
        unit), else its scope unit and every unit below it. One query, remembered on the
        object for its scope, so a page asking often costs no more than once."""
        scope = self.__data__.get("scope_unit")
        if scope is None:
            return None
        remembered = self.__dict__.get("_assess_scope")
        if remembered is None or remembered[0] != scope:
            remembered = self.__dict__["_assess_scope"] = (scope, Unit.subtree_of(scope))
        return remembered[1]

    @property
    def label(self) -> str:
        return self.display_name or self.username


class LoginThrottle(BaseModel):
    """Failed-login counter for one account name or one client address."""

    key = pw.CharField(max_length=200, unique=True)
    failures = pw.IntegerField(default=0)
    locked_until = pw.DateTimeField(null=True)
    updated_at = pw.DateTimeField(default=utcnow)


class ApiToken(BaseModel):
    """A personal API token (接口令牌): the bearer acts as ``user`` on ``/api/v1``, through
    the same policy as the pages, and only reads when ``scope`` is read. Only the SHA-256 of
    the secret is kept (the secret is random, so no slow hash is needed); the secret itself
    is shown once, when the token is made."""

    user = pw.ForeignKeyField(User, backref="api_tokens", on_delete="CASCADE")
    name = pw.CharField(max_length=64)
    secret_hash = pw.CharField(max_length=64, unique=True)
    scope = pw.CharField(max_length=8, choices=[(s.value, s.value) for s in TokenScope])
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    revoked_at = pw.DateTimeField(null=True)
    last_used_at = pw.DateTimeField(null=True)

    def usable(self, now) -> bool:
        """True while neither revoked nor expired (at ``now``, naive UTC)."""
        return self.revoked_at is None and now < self.expires_at
