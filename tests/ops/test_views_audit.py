"""The audit page: filters, verification, admin only."""

from __future__ import annotations

import re

from assess.core.models import AuditEntry


def _rows(page: str) -> str:
    """The table body of the audit page (the filter's word list holds every label)."""
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


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
    rows = _rows(admin.get("/audit/?action=user.create&actor=admin").data.decode())
    assert "aud1" in rows
    assert "新建单位" not in rows
    by_entity = _rows(admin.get("/audit/?entity=unit").data.decode())
    assert "新建单位" in by_entity and "新建账号" not in by_entity
    assert "第 1 / " in admin.get("/audit/?from=2000-01-01&to=2999-12-31").data.decode()
    assert "没有符合条件的记录" in admin.get("/audit/?from=2999-01-01").data.decode()


def test_audit_actions_read_in_chinese_and_filter_by_those_words(as_user, db):
    admin = as_user("admin")  # signing in is audited: 登录
    page = admin.get("/audit/").data.decode()
    rows = _rows(page)
    assert "登录" in rows and "新建单位" in rows
    assert "user.login" not in rows and "unit.create" not in rows
    assert 'for="' in page or "<label>" in page  # the filter fields are labelled
    by_word = _rows(admin.get("/audit/?action=登录").data.decode())
    assert "登录" in by_word and "新建单位" not in by_word
    by_word = _rows(admin.get("/audit/?action=新建单位").data.decode())
    assert "新建单位" in by_word and "登录" not in by_word
    assert "单位" in by_word  # the object type reads in Chinese too
    # and the object by its name, not only its number (the 5th cell: 对象)
    objects = [re.findall(r"<td>(.*?)</td>", row)[4] for row in by_word.split("<tr>")[1:]]
    assert any(cell.startswith("单位 金水区 ") for cell in objects), objects
    assert "没有符合条件的记录" in admin.get("/audit/?action=核定").data.decode()


def test_audit_page_verifies_the_chain(as_user, db):
    admin = as_user("admin")
    assert "审计日志完整" in admin.get("/audit/?verify=1").data.decode()
    AuditEntry.update(after='{"x": 1}').where(AuditEntry.id == 2).execute()
    assert "哈希不符" in admin.get("/audit/?verify=1").data.decode()


def test_audit_page_is_admin_only(as_user):
    for name in ("inspector", "viewer", "r-410105"):
        assert as_user(name).get("/audit/").status_code == 403


def test_what_the_system_did_reads_as_the_system_and_filters_by_that_word(as_user, db):
    from assess.core import audit

    with db.atomic():
        audit.record("reminder.send", "cycle", 1, after={"unit": "中原区"}, actor=None)
    admin = as_user("admin")
    rows = _rows(admin.get("/audit/?actor=系统").data.decode())
    assert rows.count("<tr>") == rows.count("<td>系统</td>") > 0
    assert "<td>system</td>" not in _rows(admin.get("/audit/").data.decode())
    reminders = _rows(admin.get("/audit/?actor=系统&action=reminder.send").data.decode())
    assert reminders.count("<tr>") == 1 and "<td>系统</td>" in reminders
    assert "<td>系统</td>" not in _rows(admin.get("/audit/?actor=admin").data.decode())
