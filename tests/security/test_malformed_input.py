"""Every parser error is a message: a malformed .xlsx uploaded as a fill-in template or an
indicator set, and a rename to a name in use, each get a clear Chinese message and change
nothing (issue 11, item 12)."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from assess.accounts.models import User
from assess.core.models import AuditEntry
from assess.cycles.models import Cycle, Submission
from scoring.loader import load_indicator_set
from scoring.spreadsheets import set_to_xlsx
from tests.cycle_helpers import SET_PATH, make_cycle, unit


def _entity(n: int) -> str:
    inner = "lol" if n == 2 else f"lol{n - 1}"
    return f'<!ENTITY lol{n} "{("&" + inner + ";") * 10}">'


_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(_entity(n) for n in range(2, 10))
    + "]>"
)
_EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


def _replace(good: bytes, member: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == member:
                data = change(data)
                if data is None:
                    continue
            target.writestr(info.filename, data)
    return out.getvalue()


def _with_dtd(dtd: str, entity: str):
    def change(data: bytes) -> bytes:
        text = data.decode()
        if text.startswith("<?xml"):
            text = text.split("?>", 1)[1]
        # Reference the entity in the first text cell (or anywhere an element closes).
        text = text.replace("<t>", f"<t>{entity}", 1) if "<t>" in text else text
        return (dtd + text).encode()

    return change


def malformed(good: bytes) -> dict[str, bytes]:
    """Hostile variants of a good workbook; the first sheet is ``sheet1.xml``."""
    sheet = "xl/worksheets/sheet1.xml"
    return {
        "not a zip": b"PK\x03\x04 not really a workbook",
        "an empty zip": _empty_zip(),
        "a zip without the workbook": _replace(good, "xl/workbook.xml", lambda d: None),
        "broken sheet XML": _replace(good, sheet, lambda d: d[: len(d) // 2]),
        "broken workbook XML": _replace(good, "xl/workbook.xml", lambda d: d[: len(d) // 2]),
        "billion laughs in a sheet": _replace(good, sheet, _with_dtd(_LAUGHS, "&lol9;")),
        "billion laughs in the workbook": _replace(
            good, "xl/workbook.xml", _with_dtd(_LAUGHS, "&lol9;")
        ),
        "an external entity": _replace(good, sheet, _with_dtd(_EXTERNAL, "&e;")),
        "a harmless-looking entity": _replace(
            good, sheet, _with_dtd('<!DOCTYPE x [<!ENTITY e "指标">]>', "&e;")
        ),
    }


def _empty_zip() -> bytes:
    out = io.BytesIO()
    zipfile.ZipFile(out, "w").close()
    return out.getvalue()


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def _template_bytes(client, cycle, u) -> bytes:
    response = client.get(f"/cycles/{cycle.id}/units/{u.id}/template.xlsx")
    assert response.status_code == 200
    # Put a value in, so a file that is wrongly accepted would change something.
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    for row in book.active.iter_rows(min_row=2):
        if row[0].value == "A2":
            row[7].value = 4
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_malformed_fill_in_template_is_a_message(as_user, db):
    cycle, jinshui = make_cycle("open"), unit("410105")
    reporter = as_user("r-410105")
    good = _template_bytes(reporter, cycle, jinshui)
    audit_before = AuditEntry.select().count()
    for name, data in malformed(good).items():
        response = reporter.post(
            f"/cycles/{cycle.id}/units/{jinshui.id}/template",
            data={"workbook": (io.BytesIO(data), "filled.xlsx")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert response.status_code == 200, name
        assert "无法读取文件" in response.data.decode(), name
    assert not Submission.select().exists()
    assert AuditEntry.select().count() == audit_before


def test_a_malformed_indicator_set_is_a_message(as_user, db):
    good = set_to_xlsx(load_indicator_set(SET_PATH))
    admin = as_user("admin")
    for number, (name, data) in enumerate(malformed(good).items()):
        response = admin.post(
            "/cycles/new",
            data={
                "year": 2027,
                "name": f"坏文件 {number}",
                "shipped_set": "",
                "previous": 0,
                "upload": (io.BytesIO(data), "set.xlsx"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, name  # the form again, with the message
        page = response.data.decode()
        assert "指标体系文件有误" in page and "不是可读取的 .xlsx 文件" in page, name
    assert not Cycle.select().exists()


@pytest.mark.parametrize("new_name", ["viewer", " viewer ", ""])
def test_renaming_a_user_to_a_name_in_use_is_a_message(as_user, db, new_name):
    target = User.get(User.username == "r-410105")
    office = as_user("admin")  # signing in is audited too
    before = [(u.id, u.username) for u in User.select().order_by(User.id)]
    audit_before = AuditEntry.select().count()
    response = office.post(
        f"/admin/users/{target.id}",
        data={
            "username": new_name,
            "display_name": "改名",
            "role": target.role,
            "unit": str(target.unit_id),
            "active": "y",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = response.data.decode()
    assert ("用户名已存在" in page) if new_name.strip() else ("用户名" in page)
    assert [(u.id, u.username) for u in User.select().order_by(User.id)] == before
    assert User.get_by_id(target.id).display_name != "改名"
    assert AuditEntry.select().count() == audit_before


def test_the_account_service_refuses_a_taken_name_and_leaves_the_user_alone(db, demo):
    from assess.accounts import users

    target = User.get(User.username == "r-410105")
    admin = User.get(User.username == "admin")
    with pytest.raises(users.AccountError, match="用户名已存在"):
        users.update_user(target, actor=admin, username="viewer", display_name="改名")
    assert (target.username, target.display_name) != ("viewer", "改名")
    with pytest.raises(users.AccountError, match="用户名不能为空"):
        users.update_user(target, actor=admin, username="  ")
    assert User.get_by_id(target.id).username == "r-410105"
