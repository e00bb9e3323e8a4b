"""Service accounts (服务账号): the office makes one for another system, gives it tokens on
its page, and revokes or disables it there; it never signs in, and its tokens act through
the same policy as a person of its role and scope."""

from __future__ import annotations

import re

import pytest

from assess.accounts import users
from assess.accounts.models import ApiToken, User
from assess.core.db import database
from assess.core.models import AuditEntry
from assess.units.models import Unit
from tests.conftest import login
from tests.security.conftest import UNIT_A, UNIT_B

SECRET = re.compile(r'<code id="new-token">(assess_[^<]+)</code>')


def _read(app, fn):
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            return fn()
        finally:
            database.close()


def _create(admin, **fields) -> int:
    data = {"username": "province", "display_name": "省级流动人口服务平台", "role": "viewer"}
    data |= {"unit": 0, "scope": 0} | fields
    response = admin.post("/admin/service-accounts", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _issue(admin, account_id: int, scope: str = "read") -> str:
    page = admin.post(
        f"/admin/service-accounts/{account_id}", data={"name": "对接", "scope": scope, "days": "30"}
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "此令牌只显示这一次" in text
    return SECRET.search(text).group(1)


def _get(client, path: str, secret: str):
    return client.get(path, headers={"Authorization": f"Bearer {secret}"})


def test_office_makes_a_service_account_and_its_token_reads_the_api(app, as_user, client):
    admin = as_user("admin")
    account_id = _create(admin)
    secret = _issue(admin, account_id)

    assert _get(client, "/api/v1/cycles", secret).status_code == 200
    assert _get(client, "/api/v1/units", secret).status_code == 200

    def facts():
        account = User.get_by_id(account_id)
        token = ApiToken.get(ApiToken.user == account)
        actions = {
            (e.action, e.actor_id)
            for e in AuditEntry.select().where(
                AuditEntry.action.in_(["user.create", "api_token.create"])
            )
        }
        return account, token, actions

    account, token, actions = _read(app, facts)
    admin_id = _read(app, lambda: User.get(User.username == "admin").id)
    assert account.is_service and account.role == "viewer" and token.last_used_at is not None
    assert {("user.create", admin_id), ("api_token.create", admin_id)} <= actions
    page = admin.get(f"/admin/service-accounts/{account_id}").get_data(as_text=True)
    assert "省级流动人口服务平台" in page and secret not in page  # shown once only


def test_a_service_account_never_signs_in(app, as_user, client):
    account_id = _create(as_user("admin"))
    for password in ("", users.NO_PASSWORD, "not-a-real-password-0d9c"):
        response = login(client, "province", password)
        assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)

    def set_password():
        with pytest.raises(users.AccountError, match="服务账号不设密码"):
            users.set_password(User.get_by_id(account_id), "Zy#20260101")

    _read(app, set_password)


def test_disabling_or_revoking_stops_its_token(app, as_user, client):
    admin = as_user("admin")
    account_id = _create(admin)
    disabled, revoked = _issue(admin, account_id), _issue(admin, account_id)

    assert admin.post(f"/admin/service-accounts/{account_id}/active").status_code == 302
    assert _get(client, "/api/v1/cycles", disabled).status_code == 401
    assert (
        admin.post(f"/admin/service-accounts/{account_id}/active", data={"active": "y"}).status_code
        == 302
    )
    assert _get(client, "/api/v1/cycles", disabled).status_code == 200

    token_id = _read(app, lambda: ApiToken.get(ApiToken.secret_hash == _hash(revoked)).id)
    assert (
        admin.post(f"/admin/service-accounts/{account_id}/tokens/{token_id}/revoke").status_code
        == 302
    )
    assert _get(client, "/api/v1/cycles", revoked).status_code == 401
    assert _get(client, "/api/v1/cycles", disabled).status_code == 200


def _hash(secret: str) -> str:
    from assess.accounts.tokens import hash_secret

    return hash_secret(secret)


def test_a_persons_token_is_not_revoked_through_a_service_account(app, as_user):
    admin = as_user("admin")
    account_id = _create(admin)
    viewer = as_user("viewer")
    viewer.post("/auth/tokens", data={"name": "我的", "scope": "read", "days": "30"})
    token_id = _read(app, lambda: ApiToken.get(ApiToken.name == "我的").id)
    url = f"/admin/service-accounts/{account_id}/tokens/{token_id}/revoke"
    assert admin.post(url).status_code == 404
    assert _read(app, lambda: ApiToken.get_by_id(token_id).revoked_at) is None
    viewer_id = _read(app, lambda: User.get(User.username == "viewer").id)
    assert admin.get(f"/admin/service-accounts/{viewer_id}").status_code == 404  # a person


def test_listed_apart_from_people_and_edited_on_its_own_page(app, as_user):
    admin = as_user("admin")
    account_id = _create(admin)
    admin.get(f"/admin/service-accounts/{account_id}")  # where it lands: the flash is read
    assert "省级流动人口服务平台" not in admin.get("/admin/users").get_data(as_text=True)
    listed = admin.get("/admin/service-accounts").get_data(as_text=True)
    assert "省级流动人口服务平台" in listed and "province" in listed
    response = admin.get(f"/admin/users/{account_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/service-accounts/{account_id}")


def test_a_unit_systems_account_reaches_only_its_unit(app, as_user, client):
    from assess.cycles.models import Cycle
    from tests.cycle_helpers import make_cycle

    def setup():
        cycle = make_cycle("open", year=2026, name="开放周期")
        return cycle.id, Unit.get(Unit.code == UNIT_A).id, Unit.get(Unit.code == UNIT_B).id

    cycle_id, unit_a, unit_b = _read(app, setup)
    admin = as_user("admin")
    account_id = _create(admin, username="ledger-a", role="reporter", unit=unit_a)
    secret = _issue(admin, account_id, scope="write")
    own = _get(client, f"/api/v1/cycles/{cycle_id}/units/{unit_a}/self-report", secret)
    other = _get(client, f"/api/v1/cycles/{cycle_id}/units/{unit_b}/self-report", secret)
    assert own.status_code == 200 and other.status_code == 404
    assert _read(app, lambda: Cycle.get_by_id(cycle_id).state) == "open"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"display_name": ""}, "该字段是必填字段"),
        ({"username": "admin"}, "用户名已存在"),
        ({"role": "reporter"}, "填报员必须属于一个单位"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(app, as_user, fields, message):
    admin = as_user("admin")
    data = {"username": "province", "display_name": "省级平台", "role": "viewer", "unit": 0}
    response = admin.post("/admin/service-accounts", data=data | fields)
    assert response.status_code == 200
    assert re.search(message, response.get_data(as_text=True))
    assert _read(app, lambda: User.select().where(User.is_service).count()) == 0


def test_the_list_costs_the_same_queries_for_one_account_or_many(app, as_user):
    from tests.helpers import count_queries

    admin = as_user("admin")
    _create(admin, username="ledger-1", role="reporter", unit=_read(app, _unit_a_id))

    def listing_queries() -> int:
        with count_queries() as n:
            assert admin.get("/admin/service-accounts").status_code == 200
        return n()

    one = listing_queries()
    for i in range(2, 6):
        _create(admin, username=f"ledger-{i}", role="reporter", unit=_read(app, _unit_a_id))
    assert listing_queries() == one


def _unit_a_id() -> int:
    return Unit.get(Unit.code == UNIT_A).id
