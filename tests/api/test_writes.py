"""The API's writes: a reporter's self-report items with If-Match, the hand-in, and the
office's cycle transitions; the same services, checks and audit as the pages."""

from __future__ import annotations

import io
import logging

import pytest

from assess.accounts import tokens
from assess.accounts.models import ApiToken, User
from assess.core.db import database
from assess.core.models import AuditEntry
from assess.cycles.models import Cycle, Submission
from assess.evidence.models import Evidence
from assess.units.models import Unit
from tests.cycle_helpers import pdf_bytes, png_bytes
from tests.security.conftest import ROLE_USERS, UNIT_B, world  # noqa: F401 (the fixture)


def _bearer(app, username: str, scope: str = "write") -> dict:
    with app.app_context():
        database.connect(reuse_if_open=True)
        user = User.get(User.username == username)
        secret = tokens.create_token(user, "t", scope, 30, actor=None).secret
        database.close()
    return {"Authorization": f"Bearer {secret}"}


def _unit_id(app, code: str) -> int:
    with app.app_context():
        database.connect(reuse_if_open=True)
        unit_id = Unit.get(Unit.code == code).id
        database.close()
    return unit_id


def _stored(app, cycle_id: int, unit_id: int, code: str) -> Submission | None:
    with app.app_context():
        database.connect(reuse_if_open=True)
        row = Submission.get_or_none(
            Submission.cycle == cycle_id,
            Submission.unit == unit_id,
            Submission.indicator_code == code,
        )
        database.close()
    return row


def _audits(app, action: str) -> int:
    with app.app_context():
        database.connect(reuse_if_open=True)
        count = AuditEntry.select().where(AuditEntry.action == action).count()
        database.close()
    return count


@pytest.fixture
def unit_b(app, world):  # noqa: F811
    """Unit B's self-report in the open cycle: nothing saved yet; its reporter's token."""
    unit_id = _unit_id(app, UNIT_B)
    base = f"/api/v1/cycles/{world.open_cycle}/units/{unit_id}"
    return base, unit_id, _bearer(app, ROLE_USERS["other"])


def _put(client, url, headers, etag, **body):
    if etag is not None:
        headers = {**headers, "If-Match": f'"{etag}"'}
    return client.put(url, json=body, headers=headers)


def test_a_save_names_the_version_it_read(app, client, world, unit_b):  # noqa: F811
    base, unit_id, reporter = unit_b
    item = base + "/self-report/A1"
    read = client.get(item, headers=reporter)
    assert read.status_code == 200 and read.headers["ETag"] == '"0"'
    assert read.get_json()["status"] is None and read.get_json()["value"] == ""
    saves = _audits(app, "submission.save")

    blind = _put(client, item, reporter, None, value="45/50")
    assert blind.status_code == 428 and blind.content_type == "application/problem+json"
    assert "If-Match" in blind.get_json()["detail"]
    assert _stored(app, world.open_cycle, unit_id, "A1") is None

    saved = _put(client, item, reporter, "0", value="45/50", narrative="抽样 50 人")
    assert saved.status_code == 200 and saved.headers["ETag"] == '"1"'
    body = saved.get_json()
    assert (body["value"], body["status"], body["version"]) == ("45/50", "draft", 1)
    assert _audits(app, "submission.save") == saves + 1

    stale = _put(client, item, reporter, "0", value="40/50")
    assert stale.status_code == 412 and stale.headers["ETag"] == '"1"'
    assert "已被" in stale.get_json()["detail"]
    row = _stored(app, world.open_cycle, unit_id, "A1")
    assert (row.value_text, row.narrative, row.version) == ("45/50", "抽样 50 人", 1)
    assert _audits(app, "submission.save") == saves + 1

    again = _put(client, item, reporter, "1", value="40/50")
    assert again.status_code == 200 and again.get_json()["version"] == 2


def test_a_value_the_indicator_does_not_take_changes_nothing(app, client, world, unit_b):  # noqa: F811
    base, unit_id, reporter = unit_b
    bad = _put(client, base + "/self-report/A2", reporter, "0", value="很多")
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    assert list(bad.get_json()["errors"]) == ["json"]
    assert list(bad.get_json()["errors"]["json"]) == ["value"]
    unknown = _put(client, base + "/self-report/A2", reporter, "0", value="4", valu="4")
    assert unknown.get_json()["errors"] == {"json": {"valu": ["没有这个字段。"]}}
    missing = _put(client, base + "/self-report/A2", reporter, "0", narrative="x")
    assert missing.get_json()["errors"] == {"json": {"value": ["必填。"]}}
    assert _stored(app, world.open_cycle, unit_id, "A2") is None
    nothing = client.get(base + "/self-report/ZZ9", headers=reporter)
    assert nothing.status_code == 404


def test_only_the_units_own_write_token_writes(app, client, world, unit_b):  # noqa: F811
    base, unit_id, _reporter = unit_b
    item = base + "/self-report/A2"
    read_only = _bearer(app, ROLE_USERS["other"], scope="read")
    assert _put(client, item, read_only, "0", value="4").status_code == 403
    # Unit A's reporter does not learn that unit B's report exists.
    neighbour = _bearer(app, ROLE_USERS["reporter"])
    assert client.get(item, headers=neighbour).status_code == 404
    assert _put(client, item, neighbour, "0", value="4").status_code == 404
    assert client.post(base + "/submit", headers=neighbour).status_code == 404
    # The office reads the item but does not write a unit's self-report.
    admin = _bearer(app, "admin")
    assert client.get(item, headers=admin).status_code == 200
    assert _put(client, item, admin, "0", value="4").status_code == 403
    assert _stored(app, world.open_cycle, unit_id, "A2") is None


def test_hand_in_then_the_items_are_closed(app, client, world, unit_b):  # noqa: F811
    base, unit_id, reporter = unit_b
    early = client.post(base + "/submit", headers=reporter)
    assert early.status_code == 409 and "尚未填报" in early.get_json()["detail"]
    for code, value in (("A1", "45/50"), ("A2", "3"), ("B1", "良")):
        assert (
            _put(client, f"{base}/self-report/{code}", reporter, "0", value=value).status_code
            == 200
        )
    handed = client.post(base + "/submit", headers=reporter)
    assert handed.status_code == 200 and handed.get_json() == {"submitted": 3}
    assert _stored(app, world.open_cycle, unit_id, "A2").status == "submitted"
    closed = _put(client, base + "/self-report/A2", reporter, "1", value="5")
    assert closed.status_code == 409 and "已提交" in closed.get_json()["detail"]
    assert _stored(app, world.open_cycle, unit_id, "A2").value_text == "3"
    twice = client.post(base + "/submit", headers=reporter)
    assert twice.status_code == 409 and twice.get_json()["detail"] == "没有需要提交的指标"


def test_the_office_moves_a_cycle_it_read(app, client, world, unit_b):  # noqa: F811
    base, unit_id, reporter = unit_b
    admin = _bearer(app, "admin")
    url = f"/api/v1/cycles/{world.open_cycle}"
    read = client.get(url, headers=admin)
    etag = read.headers["ETag"]
    assert read.get_json()["state"] == "open"
    move = url + "/transitions"
    assert client.post(move, json={"to": "review"}, headers=admin).status_code == 428
    stale = client.post(move, json={"to": "review"}, headers={**admin, "If-Match": '"x"'})
    assert stale.status_code == 412 and stale.headers["ETag"] == etag
    bad = client.post(move, json={"to": "published"}, headers={**admin, "If-Match": etag})
    assert bad.status_code == 422  # publishing goes through the pre-publish check
    moves = _audits(app, "cycle.transition")

    moved = client.post(move, json={"to": "review"}, headers={**admin, "If-Match": etag})
    assert moved.status_code == 200 and moved.get_json()["state"] == "review"
    assert moved.headers["ETag"] != etag == read.headers["ETag"]
    assert _audits(app, "cycle.transition") == moves + 1
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Cycle.get_by_id(world.open_cycle).state == "review"
        database.close()

    # The reporter's save now meets a closed cycle, refused with the page's reason.
    late = _put(client, base + "/self-report/A2", reporter, "0", value="4")
    assert late.status_code == 409
    assert _stored(app, world.open_cycle, unit_id, "A2") is None
    # Reopening needs a reason, as on the page; the ETag read after the move is current.
    current = moved.headers["ETag"]
    no_reason = client.post(move, json={"to": "open"}, headers={**admin, "If-Match": current})
    assert (
        no_reason.status_code == 409 and no_reason.get_json()["detail"] == "重新开放填报须填写原因"
    )
    reporter_move = client.post(move, json={"to": "open", "reason": "x"}, headers=reporter)
    assert reporter_move.status_code == 403
    read_token = _bearer(app, "admin", scope="read")
    assert (
        client.post(
            move, json={"to": "open", "reason": "补报"}, headers={**read_token, "If-Match": current}
        ).status_code
        == 403
    )
    reopened = client.post(
        move, json={"to": "open", "reason": "补报"}, headers={**admin, "If-Match": current}
    )
    assert reopened.status_code == 200 and reopened.get_json()["state"] == "open"


def _upload(client, url, headers, etag, *files):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(
        url,
        data=data,
        headers={**headers, "If-Match": f'"{etag}"'},
        content_type="multipart/form-data",
    )


def _evidence_count(app, cycle_id: int, unit_id: int) -> int:
    with app.app_context():
        database.connect(reuse_if_open=True)
        count = (
            Evidence.select()
            .join(Submission)
            .where(Submission.cycle == cycle_id, Submission.unit == unit_id)
            .count()
        )
        database.close()
    return count


def test_evidence_is_checked_by_content_and_goes_with_a_version(app, client, world, unit_b):  # noqa: F811
    base, unit_id, reporter = unit_b
    item = base + "/self-report/A1"
    url = item + "/evidence"
    unsaved = _upload(client, url, reporter, "0", ("照片.png", png_bytes()))
    assert unsaved.status_code == 409 and "请先保存" in unsaved.get_json()["detail"]
    assert _put(client, item, reporter, "0", value="45/50").status_code == 200

    fake = _upload(client, url, reporter, "1", ("调查表.pdf", b"<html>not a pdf</html>"))
    assert fake.status_code == 422 and "调查表.pdf" in fake.get_json()["detail"]
    assert list(fake.get_json()["errors"]) == ["files"]
    stale = _upload(client, url, reporter, "0", ("照片.png", png_bytes()))
    assert stale.status_code == 412
    assert _evidence_count(app, world.open_cycle, unit_id) == 0

    sent = _upload(
        client, url, reporter, "1", ("照片.png", png_bytes()), ("汇总表.pdf", pdf_bytes(1))
    )
    assert sent.status_code == 201 and sent.headers["ETag"] == '"2"'
    body = sent.get_json()
    assert sorted(f["name"] for f in body["evidence"]) == ["汇总表.pdf", "照片.png"]
    assert {f["mime"] for f in body["evidence"]} == {"image/png", "application/pdf"}
    assert body["value"] == "45/50"  # the value is kept; only the version moved
    assert _evidence_count(app, world.open_cycle, unit_id) == 2
    read = client.get(item, headers=reporter).get_json()
    assert len(read["evidence"]) == 2 and read["version"] == 2
    # Another unit's reporter cannot attach to it.
    neighbour = _bearer(app, ROLE_USERS["reporter"])
    assert _upload(client, url, neighbour, "2", ("照片.png", png_bytes())).status_code == 404
    assert _evidence_count(app, world.open_cycle, unit_id) == 2


def test_a_write_is_audited_with_its_person_and_token_and_every_use_logged(
    app, client, unit_b, caplog
):
    base, unit_id, reporter = unit_b
    with caplog.at_level(logging.INFO, logger="assess.request"):
        saved = _put(client, base + "/self-report/A1", reporter, "0", value="45/50")
        read = client.get(base + "/self-report/A1", headers=reporter)
    assert saved.status_code == 200 and read.status_code == 200

    with app.app_context():
        database.connect(reuse_if_open=True)
        entry = (
            AuditEntry.select()
            .where(AuditEntry.action == "submission.save")
            .order_by(AuditEntry.id.desc())
            .get()
        )
        person = User.get(User.username == ROLE_USERS["other"])
        token = ApiToken.select().where(ApiToken.user == person).order_by(ApiToken.id.desc()).get()
        database.close()
    assert entry.actor_id == person.id
    assert entry.actor_name == f"{person.username}（接口令牌：t）"
    lines = [r.getMessage() for r in caplog.records if r.name == "assess.request"]
    assert [line.endswith(f" token={token.id}") for line in lines] == [True, True], lines
