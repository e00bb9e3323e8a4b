"""Admin pages for users and units: create, edit, disable, with clear errors."""

from __future__ import annotations

from assess.accounts.models import User
from assess.units.models import Unit


def test_admin_creates_a_reporter(as_user, db):
    admin = as_user("admin")
    unit = Unit.by_code("410102")
    response = admin.post(
        "/admin/users/new",
        data={
            "username": "zy01",
            "display_name": "张三",
            "role": "reporter",
            "unit": unit.id,
            "password": "Zy#20260101",
            "active": "y",
        },
    )
    assert response.status_code == 302
    user = User.get(User.username == "zy01")
    assert user.unit_id == unit.id and user.role == "reporter"


def test_reporter_without_unit_is_refused(as_user, db):
    response = as_user("admin").post(
        "/admin/users/new",
        data={"username": "zy02", "role": "reporter", "unit": 0, "password": "Zy#20260101"},
    )
    assert "填报员必须属于一个单位" in response.data.decode()
    assert not User.select().where(User.username == "zy02").exists()


def test_duplicate_username_is_refused(as_user, db):
    response = as_user("admin").post(
        "/admin/users/new",
        data={"username": "viewer", "role": "viewer", "unit": 0, "password": "Zy#20260101"},
    )
    assert "用户名已存在" in response.data.decode()


def test_admin_disables_a_user_who_then_cannot_sign_in(as_user, db):
    from tests.conftest import login

    admin = as_user("admin")
    viewer = User.get(User.username == "viewer")
    admin.post(
        f"/admin/users/{viewer.id}",
        data={"username": "viewer", "role": "viewer", "unit": 0},  # active unchecked
    )
    assert not User.get_by_id(viewer.id).active
    other = admin.application.test_client()
    assert "该账号已停用" in login(other, "viewer").data.decode()


def test_admin_creates_and_edits_a_unit(as_user, db):
    admin = as_user("admin")
    parent = Unit.by_code("410105")
    response = admin.post(
        "/admin/units/new",
        data={
            "code": "410105-003",
            "name": "丰产路街道",
            "kind": "township",
            "parent": parent.id,
            "sort_order": 3,
            "active": "y",
        },
    )
    assert response.status_code == 302
    unit = Unit.by_code("410105-003")
    assert unit.parent_id == parent.id
    admin.post(
        f"/admin/units/{unit.id}",
        data={
            "code": "410105-003",
            "name": "丰产路街道办事处",
            "kind": "township",
            "parent": parent.id,
            "active": "y",
        },
    )
    assert Unit.get_by_id(unit.id).name == "丰产路街道办事处"


def test_duplicate_unit_code_is_refused(as_user, db):
    response = as_user("admin").post(
        "/admin/units/new", data={"code": "410102", "name": "重复", "kind": "county", "parent": 0}
    )
    assert "单位编码重复" in response.data.decode()
    assert Unit.select().where(Unit.code == "410102").count() == 1


def test_unit_cannot_become_its_own_ancestor(as_user, db):
    county = Unit.by_code("410105")
    township = Unit.by_code("410105-001")
    response = as_user("admin").post(
        f"/admin/units/{county.id}",
        data={"code": "410105", "name": "金水区", "kind": "county", "parent": township.id},
    )
    assert "上级单位不能是本单位或其下级单位" in response.data.decode()
    assert Unit.get_by_id(county.id).parent_id != township.id


def test_users_list_paginates_and_searches(as_user, app):
    app.config["PAGE_SIZE"] = 10
    admin = as_user("admin")
    page = admin.get("/admin/users").data.decode()
    assert "第 1 / " in page
    found = admin.get("/admin/users?q=410105").data.decode()
    assert "r-410105" in found and "r-410102" not in found


def test_error_pages_are_chinese(as_user):
    response = as_user("viewer").get("/admin/users")
    assert response.status_code == 403
    assert "无权访问" in response.data.decode()
    assert "页面不存在" in as_user("admin").get("/no-such-page").data.decode()
