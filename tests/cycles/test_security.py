"""A reporter of one unit gets 404 on every route and file of another unit; uploads that
are not evidence are refused with a clear message and nothing is stored."""

from __future__ import annotations

import io

import pytest

from assess.cycles.models import Submission
from assess.evidence.models import Evidence
from tests.cycle_helpers import make_cycle, pdf_bytes, unit


@pytest.fixture
def filled(as_user, db):
    cycle = make_cycle("open")
    jinshui = unit("410105")
    reporter = as_user("r-410105")
    reporter.post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/items/A1",
        data={
            "numerator": "90",
            "denominator": "100",
            "version": 0,
            "files": (io.BytesIO(pdf_bytes(1)), "a.pdf"),
        },
        content_type="multipart/form-data",
    )
    return cycle, jinshui


def test_other_units_reporter_sees_nothing(as_user, filled):
    cycle, jinshui = filled
    other = as_user("r-410102")
    sub = Submission.get()
    ev = Evidence.get()
    base = f"/cycles/{cycle.id}/units/{jinshui.id}"
    for method, url in [
        ("GET", f"{base}/"),
        ("GET", f"{base}/template.xlsx"),
        ("POST", f"{base}/items/A1"),
        ("POST", f"{base}/submit"),
        ("POST", f"{base}/template"),
        ("POST", f"{base}/rectifications/1"),
        ("GET", f"{base}/result"),
        ("GET", f"/evidence/{ev.id}"),
        ("GET", f"/evidence/{ev.id}/thumbnail"),
        ("POST", f"/evidence/{ev.id}/delete"),
    ]:
        response = other.open(url, method=method, data={"version": sub.version, "value": "1"})
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"
    assert Submission.get().value_text == "90/100"
    assert Evidence.select().count() == 1


def test_inspection_routes_refuse_reporters(as_user, filled):
    cycle, _ = filled
    sub = Submission.get()
    r = as_user("r-410105")
    assert r.get(f"/cycles/{cycle.id}/inspection/").status_code == 403
    assert (
        r.post(
            f"/cycles/{cycle.id}/inspection/items/{sub.id}",
            data={"action": "verify", "version": sub.version},
        ).status_code
        == 403
    )


def test_viewer_cannot_download_evidence(as_user, filled):
    assert as_user("viewer").get(f"/evidence/{Evidence.get().id}").status_code == 403


def test_evidence_download_headers(as_user, filled):
    response = as_user("inspector").get(f"/evidence/{Evidence.get().id}")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (MZ, "报告.pdf", "不支持的文件类型"),
        (b"", "空文件.pdf", "文件为空"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "图.png",
            "不支持的文件类型",
        ),
    ],
)
def test_bad_uploads_are_refused_and_nothing_stored(as_user, app, db, payload, name, message):
    cycle = make_cycle("open")
    jinshui = unit("410105")
    response = as_user("r-410105").post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/items/A1",
        data={
            "numerator": "90",
            "denominator": "100",
            "version": 0,
            "files": (io.BytesIO(payload), name),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.data.decode()
    assert message in page and "未保存" in page
    # All or nothing: the value is not saved either, and no file reached the store.
    assert not Submission.select().exists()
    assert not Evidence.select().exists()
    from pathlib import Path

    store = Path(app.config["ASSESS_INSTANCE"]) / "evidence"
    assert not store.exists() or not [p for p in store.rglob("*") if p.is_file()]


def test_path_traversal_name_is_sanitised(as_user, db):
    cycle = make_cycle("open")
    jinshui = unit("410105")
    as_user("r-410105").post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/items/A1",
        data={
            "numerator": "90",
            "denominator": "100",
            "version": 0,
            "files": (io.BytesIO(pdf_bytes(1)), "../../../etc/passwd.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert Evidence.get().original_name == "passwd.pdf"


def test_oversize_upload_is_refused(as_user, app, db):
    app.config["MAX_UPLOAD_MB"] = 1
    cycle = make_cycle("open")
    jinshui = unit("410105")
    big = pdf_bytes(1) + b"%" + b"0" * (1024 * 1024 + 10)
    response = as_user("r-410105").post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/items/A1",
        data={
            "numerator": "90",
            "denominator": "100",
            "version": 0,
            "files": (io.BytesIO(big), "big.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "上限" in response.data.decode()
    assert not Evidence.select().exists()


def test_concurrent_edit_shows_both_values(as_user, db):
    cycle = make_cycle("open")
    jinshui = unit("410105")
    first, second = as_user("r-410105"), as_user("r-410105")
    url = f"/cycles/{cycle.id}/units/{jinshui.id}/items/A2"
    first.post(url, data={"value": "3", "version": 0})
    version = Submission.get().version
    first.post(url, data={"value": "4", "version": version})
    response = second.post(url, data={"value": "6", "version": version}, follow_redirects=True)
    page = response.data.decode()
    assert "当前值：4" in page and "“6”未保存" in page
    assert Submission.get().value_text == "4"


def test_rate_numerator_above_denominator_is_refused(as_user, db):
    cycle = make_cycle("open")
    jinshui = unit("410105")
    response = as_user("r-410105").post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/items/A1",
        data={"numerator": "120", "denominator": "100", "version": 0},
        follow_redirects=True,
    )
    assert "未保存" in response.data.decode()
    assert not Submission.select().exists()


def test_rate_jump_is_a_warning_not_a_block(as_user, db):
    from assess.accounts.models import User
    from assess.cycles import lifecycle
    from assess.cycles.models import Cycle

    last = make_cycle("open", year=2025, name="上年")
    reporter_user = User.get(User.username == "r-410105")
    from assess.cycles import submissions

    submissions.save_value(last, unit("410105"), "A1", "50/100", "", None, reporter_user)
    current = make_cycle("draft", year=2026, name="本年", previous=last)
    lifecycle.transition(current, "open", User.get(User.username == "admin"))
    response = as_user("r-410105").post(
        f"/cycles/{current.id}/units/{unit('410105').id}/items/A1",
        data={"numerator": "95", "denominator": "100", "version": 0},
        follow_redirects=True,
    )
    page = response.data.decode()
    assert "变化 45.0 个百分点" in page
    assert Submission.get(Submission.cycle == Cycle.get_by_id(current.id)).value_text == "95/100"


def test_absurd_numbers_are_refused_not_stored(as_user, db):
    cycle = make_cycle("open")
    jinshui = unit("410105")
    response = as_user("r-410105").post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/items/A2",
        data={"value": "1e999", "version": 0},
        follow_redirects=True,
    )
    assert "数值超出范围" in response.data.decode()
    assert not Submission.select().exists()


def test_numbers_too_large_to_write_out_are_refused_not_stored(as_user, db):
    cycle = make_cycle("open")
    jinshui = unit("410105")
    response = as_user("r-410105").post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/items/A2",
        data={"value": "1e999999999", "version": 0},
        follow_redirects=True,
    )
    assert "数值超出范围" in response.data.decode()
    assert not Submission.select().exists()
