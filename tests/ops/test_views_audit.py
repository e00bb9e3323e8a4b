"""The audit page: filters, verification, admin only."""

from __future__ import annotations

from assess.core.models import AuditEntry


def test_audit_page_filters(as_user, db):
    admin = as_user("admin")
    admin.post(
        "/admin/users/new",
        data={
            "username": "aud1",
            "role": "viewer",
            "unit": 0,
            "password": "Abc#12345",
            "active": "y",
        },
    )
    page = admin.get("/audit/?action=user.create&actor=admin").data.decode()
    assert "aud1" in page
    assert "unit.create" not in page
    by_entity = admin.get("/audit/?entity=unit").data.decode()
    assert "unit.create" in by_entity and "user.create" not in by_entity
    assert "第 1 / " in admin.get("/audit/?from=2000-01-01&to=2999-12-31").data.decode()
    assert "没有符合条件的记录" in admin.get("/audit/?from=2999-01-01").data.decode()


def test_audit_page_verifies_the_chain(as_user, db):
    admin = as_user("admin")
    assert "审计日志完整" in admin.get("/audit/?verify=1").data.decode()
    AuditEntry.update(after='{"x": 1}').where(AuditEntry.id == 2).execute()
    assert "哈希不符" in admin.get("/audit/?verify=1").data.decode()


def test_audit_page_is_admin_only(as_user):
    for name in ("inspector", "viewer", "r-410105"):
        assert as_user(name).get("/audit/").status_code == 403
