"""Accounts: creating users, passwords (argon2id), sign-in with throttling.

Views and the CLI call these functions; each write runs in a transaction and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from peewee import JOIN, IntegrityError, fn

from assess.accounts.models import LoginThrottle, User
from assess.core import audit
from assess.core.db import database
from assess.core.enums import Role
from assess.core.models import utcnow
from assess.units.models import Unit

_hasher = PasswordHasher()
# A hash of a random password, verified when the account does not exist so the response
# time does not tell an attacker which names are real.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0d9c")

MIN_PASSWORD_LENGTH = 8
USER_AUDIT_FIELDS = (
    "username",
    "display_name",
    "role",
    "unit",
    "scope_unit",
    "active",
    "is_service",
)


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("密码至少需要 %(n)s 个字符", n=MIN_PASSWORD_LENGTH))
    if password.isdigit() or password.isalpha():
        raise AccountError(_("密码须同时包含字母和数字或符号"))


def _validate_role_unit(role: str, unit: Unit | None, scope_unit: Unit | None = None) -> None:
    if role not in set(Role):
        raise AccountError(_("未知角色：%(role)s", role=role))
    if role == Role.REPORTER and unit is None:
        raise AccountError(_("填报员必须属于一个单位"))
    # A reporter is tied to its own unit already; a scope is for offices, inspectors and
    # leaders of one level (本级办公室).
    if role == Role.REPORTER and scope_unit is not None:
        raise AccountError(_("填报员不设管辖范围"))


def create_user(
    username: str,
    password: str,
    role: str,
    unit: Unit | None = None,
    display_name: str = "",
    actor=None,
    scope_unit: Unit | None = None,
) -> User:
    """Create an account, scoped to ``scope_unit``'s subtree when given (a county's office,
    inspector or leader); raise AccountError for a taken name, a bad role or scope, or a
    weak password."""
    username = username.strip()
    if not username:
        raise AccountError(_("用户名不能为空"))
    _validate_role_unit(role, unit, scope_unit)
    check_password_strength(password)
    return _create(
        actor,
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        unit=unit,
        scope_unit=scope_unit,
    )


def _create(actor, **fields) -> User:
    """Insert the checked account ``fields`` under a free name, audited, in one transaction."""
    try:
        with database.atomic():
            _require_free_username(fields["username"])
            user = User.create(**fields)
            audit.record(
                "user.create",
                "user",
                user.id,
                after=audit.model_snapshot(user, USER_AUDIT_FIELDS),
                actor=actor,
            )
    except IntegrityError:  # a concurrent request created the same name first
        raise AccountError(_("用户名已存在：%(name)s", name=fields["username"])) from None
    return user


# Stored as a service account's password hash: no argon2 hash, so nothing verifies.
NO_PASSWORD = "!service"  # noqa: S105 (a marker no hash equals, not a secret)


def create_service_account(
    username: str,
    display_name: str,
    role: str,
    unit: Unit | None = None,
    scope_unit: Unit | None = None,
    *,
    actor,
) -> User:
    """Create a service account (服务账号) for another system: it acts only through the API
    tokens the office makes for it, as ``role`` within ``scope_unit`` (or as ``unit``'s
    reporter), through the same policy as a person; it has no password and never signs in.
    Raises AccountError as ``create_user`` does, and for an empty description."""
    username, display_name = username.strip(), (display_name or "").strip()
    if not username:
        raise AccountError(_("用户名不能为空"))
    if not display_name:
        raise AccountError(_("请填写服务账号的用途（对接的系统）"))
    _validate_role_unit(role, unit, scope_unit)
    return _create(
        actor,
        username=username,
        display_name=display_name,
        password_hash=NO_PASSWORD,
        role=role,
        unit=unit,
        scope_unit=scope_unit,
        is_service=True,
    )


def service_accounts() -> list[User]:
    """Every service account, by name, disabled ones included."""
    # Both units joined (the scope under its own alias): the list names them without a
    # query per row.
    scope = Unit.alias()
    return list(
        User.select(User, Unit, scope)
        .join(Unit, JOIN.LEFT_OUTER, on=(User.unit == Unit.id))
        .switch(User)
        .join(scope, JOIN.LEFT_OUTER, on=(User.scope_unit == scope.id), attr="scope_unit")
        .where(User.is_service)
        .order_by(User.username)
    )


def update_user(user: User, actor=None, **changes) -> User:
    """Change a user's name, role, unit, scope or active flag; audited with before and after.

    Raises AccountError, changing nothing (not even ``user`` in memory), for an empty name,
    a name another account has, or a bad role or unit."""
    if "username" in changes:
        changes["username"] = changes["username"].strip()
        if not changes["username"]:
            raise AccountError(_("用户名不能为空"))
    role = changes.get("role", user.role)
    unit = changes.get("unit", user.unit)
    _validate_role_unit(role, unit, changes.get("scope_unit", user.scope_unit))
    before_values = {key: getattr(user, key) for key in changes}
    try:
        with database.atomic():
            if "username" in changes:
                _require_free_username(changes["username"], user)
            before = audit.model_snapshot(user, USER_AUDIT_FIELDS)
            for key, value in changes.items():
                setattr(user, key, value)
            user.save()
            audit.record(
                "user.update",
                "user",
                user.id,
                before=before,
                after=audit.model_snapshot(user, USER_AUDIT_FIELDS),
                actor=actor,
            )
    except BaseException as error:
        for key, value in before_values.items():
            setattr(user, key, value)
        if isinstance(error, IntegrityError):  # a concurrent rename took the name first
            raise AccountError(_("用户名已存在：%(name)s", name=changes.get("username"))) from None
        raise
    return user


def _require_free_username(username: str, user: User | None = None) -> None:
    taken = User.select().where(User.username == username)
    if user is not None:
        taken = taken.where(User.id != user.id)
    if taken.exists():
        raise AccountError(_("用户名已存在：%(name)s", name=username))


def set_password(user: User, password: str, actor=None) -> None:
    if user.is_service:
        raise AccountError(_("服务账号不设密码，只凭接口令牌访问"))
    check_password_strength(password)
    with database.atomic():
        user.password_hash = hash_password(password)
        user.save(only=[User.password_hash])
        # The hash itself never goes into the log.
        audit.record("user.password", "user", user.id, after={"password": "changed"}, actor=actor)


def disable_user(user: User, actor=None) -> None:
    update_user(user, actor=actor, active=False)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None


@dataclass(frozen=True)
class Throttle:
    """How many failed sign-ins each key tolerates within ``window_minutes``.

    The tight limit is per account *and* address, so one person mistyping behind a county's
    shared address (NAT, a reverse proxy) locks only themselves. Looser limits per account
    (a guesser spread over many addresses) and per address (one address spraying many
    accounts) still stop attacks without letting a stranger lock a colleague out with a few
    tries. Counters decay after a quiet window and a success clears the account's counters.
    """

    per_account_address: int = 5
    per_account: int = 20
    per_address: int = 100
    window_minutes: int = 15


def _throttle_limits(username: str, address: str, limits: Throttle) -> dict[str, int]:
    name = username.lower()
    return {
        f"user:{name}|addr:{address}": limits.per_account_address,
        f"user:{name}": limits.per_account,
        f"addr:{address}": limits.per_address,
    }


def _locked(keys, now) -> bool:
    return (
        LoginThrottle.select()
        .where(LoginThrottle.key.in_(list(keys)), LoginThrottle.locked_until > now)
        .exists()
    )


def _note_failure(limits: dict[str, int], now, window: timedelta) -> None:
    for key, limit in limits.items():
        row, _created = LoginThrottle.get_or_create(key=key)
        if row.updated_at is not None and now - row.updated_at > window:
            row.failures = 0  # a quiet window forgives earlier mistakes
        row.failures += 1
        row.updated_at = now
        if row.failures >= limit:
            row.locked_until = now + window
            row.failures = 0
        row.save()


def _clear_account(username: str) -> None:
    """A success forgives the account's failures (from every address); not the address's."""
    account = f"user:{username.lower()}"
    pairs = f"{account}|addr:"
    # substr, not LIKE: a name may hold "_" or "%", which LIKE would read as wildcards.
    LoginThrottle.delete().where(
        (LoginThrottle.key == account) | (fn.SUBSTR(LoginThrottle.key, 1, len(pairs)) == pairs)
    ).execute()


def authenticate(
    username: str, password: str, address: str, limits: Throttle | None = None
) -> LoginResult:
    """Check credentials under the sign-in throttle (see ``Throttle``).

    A locked key refuses even the right password, and no message says which part was
    wrong or which key is locked.
    """
    limits = limits or Throttle()
    username = username.strip()  # counted as it is looked up: " admin" is "admin"
    now = utcnow()
    window = timedelta(minutes=limits.window_minutes)
    keys = _throttle_limits(username, address, limits)
    locked = LoginResult(None, _("登录失败次数过多，请 %(m)s 分钟后再试", m=limits.window_minutes))
    # The password is checked outside any transaction: hashing takes ~0.2 s, and on SQLite
    # a transaction holds the only write lock, so sign-in bursts would queue every writer.
    if _locked(keys, now):
        return locked
    user = User.get_or_none(User.username == username)
    # A service account never signs in: it is checked against the dummy like a name that
    # does not exist, and refused like one, so the answer does not tell it is one.
    person = user is not None and not user.is_service
    try:
        ok = _hasher.verify(user.password_hash if person else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or not person:
        with database.atomic():
            _note_failure(keys, now, window)
        return LoginResult(None, _("用户名或密码错误"))
    if not user.active:
        return LoginResult(None, _("该账号已停用，请联系领导小组办公室"))
    new_hash = hash_password(password) if _hasher.check_needs_rehash(user.password_hash) else None
    with database.atomic():
        # A lock set by a concurrent burst of failures still wins over a right password.
        if _locked(keys, now):
            return locked
        _clear_account(username)
        changes = {User.last_login_at: now}
        if new_hash:
            changes[User.password_hash] = new_hash
        User.update(changes).where(User.id == user.id).execute()
        user.last_login_at = now
        if new_hash:
            user.password_hash = new_hash
        audit.record("user.login", "user", user.id, actor=user)
    return LoginResult(user, None)


def change_own_password(user: User, current: str, new: str) -> None:
    """Change a signed-in user's password after checking the current one."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError(_("当前密码不正确")) from None
    set_password(user, new, actor=user)


def end_sessions(user: User) -> None:
    """Sign-out: every session of the user, a copied cookie included, stops working."""
    with database.atomic():
        User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
        audit.record("user.logout", "user", user.id, actor=user)
