"""One cycle through the test client: create, open, self-report with evidence, return, fix,
verify with a verified value and a deduction, publish, read results, republish."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from assess.core.models import AuditEntry
from assess.cycles.models import Assignment, Cycle, ResultSnapshot, Submission, UnitResultRecord
from assess.evidence.models import Evidence
from tests.cycle_helpers import SET_PATH, pdf_bytes, png_bytes, publish_form, unit


def _item(client, cycle, u, code, **data):
    sub = Submission.get_or_none(
        Submission.cycle == cycle, Submission.unit == u, Submission.indicator_code == code
    )
    data.setdefault("version", sub.version if sub else 0)
    return client.post(
        f"/cycles/{cycle.id}/units/{u.id}/items/{code}",
        data=data,
        content_type="multipart/form-data",
    )


def test_whole_cycle(as_user, db):
    admin, reporter, inspector = as_user("admin"), as_user("r-410105"), as_user("inspector")

    # The office creates a cycle from an uploaded YAML set.
    response = admin.post(
        "/cycles/new",
        data={
            "year": 2026,
            "name": "2026年度考核",
            "shipped_set": "",
            "previous": 0,
            "upload": (io.BytesIO(SET_PATH.read_bytes()), "cycle_set.yaml"),
            "self_report_due": "2099-12-31",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.data.decode()[:2000]
    cycle = Cycle.get(Cycle.name == "2026年度考核")
    assert cycle.state == "draft"
    jinshui = unit("410105")
    # 16 counties × 5 county indicators + 13 departments × 3 department indicators
    assert Assignment.select().where(Assignment.cycle == cycle).count() == 16 * 5 + 13 * 3
    assert admin.post(f"/cycles/{cycle.id}/transition/open").status_code == 302
    assert Cycle.get_by_id(cycle.id).state == "open"

    # The reporter fills, with evidence, and submits.
    page = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert "共 5 项指标：已填 0 项" in page
    r = _item(
        reporter,
        cycle,
        jinshui,
        "A1",
        numerator="90",
        denominator="100",
        narrative="抽样 100 人",
        files=[
            (io.BytesIO(pdf_bytes()), "调查汇总表.pdf"),
            (io.BytesIO(png_bytes()), "活动照片.png"),
        ],
    )
    assert r.status_code == 302
    _item(reporter, cycle, jinshui, "A2", value="3")
    _item(reporter, cycle, jinshui, "B1", value="优")
    page = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert "已填 3 项，有佐证材料 1 项" in page
    evidence = list(Evidence.select().order_by(Evidence.id))
    assert [e.kind for e in evidence] == ["pdf", "png"] and evidence[0].pages == 2
    assert reporter.post(f"/cycles/{cycle.id}/units/{jinshui.id}/submit").status_code == 302
    assert Submission.select().where(Submission.status == "submitted").count() == 3

    # Submitted items are read-only for the unit.
    r = _item(reporter, cycle, jinshui, "A2", value="9")
    assert Submission.get(Submission.indicator_code == "A2").value_text == "3"

    # The inspector returns A2 with a reason; the unit sees it and fixes it.
    a2 = Submission.get(Submission.indicator_code == "A2")
    queue = inspector.get(f"/cycles/{cycle.id}/inspection/").data.decode()
    assert "协调会次数" in queue
    inspector.post(
        f"/cycles/{cycle.id}/inspection/items/{a2.id}",
        data={"action": "return", "version": a2.version, "return_reason": "会议纪要缺失"},
    )
    page = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/").data.decode()
    assert "会议纪要缺失" in page
    _item(reporter, cycle, jinshui, "A2", value="5")
    reporter.post(f"/cycles/{cycle.id}/units/{jinshui.id}/submit")
    assert Submission.get(Submission.indicator_code == "A2").status == "submitted"

    # Verify: A1 with a verified value (85/100), B1 with a 3-point deduction, A2 accepted.
    for code, extra in [
        ("A1", {"verified_value": "85/100", "reason": "抽查复核"}),
        ("A2", {}),
        ("B1", {"deduction": "3", "deduction_reason": "台账不全"}),
    ]:
        sub = Submission.get(Submission.indicator_code == code)
        r = inspector.post(
            f"/cycles/{cycle.id}/inspection/items/{sub.id}",
            data={"action": "verify", "version": sub.version, **extra},
        )
        assert r.status_code == 302, r.data.decode()[:1500]
    assert Submission.select().where(Submission.status == "verified").count() == 3

    # Publish.
    admin.post(f"/cycles/{cycle.id}/transition/review")
    admin.post(f"/cycles/{cycle.id}/publish", data=publish_form(cycle))
    cycle = Cycle.get_by_id(cycle.id)
    assert cycle.state == "published"
    record = UnitResultRecord.get(UnitResultRecord.unit == jinshui)
    # A1 = 40 × (85 − 60)/(95 − 60) = 28.57; A2 = 30 (5 ≥ 4); B1 = 30 × 1.0 − 3 = 27
    assert record.total == Decimal("85.57")
    assert record.grade == "良好" and record.rank == 1 and not record.veto
    scores = json.loads(record.scores)
    assert scores["A1"]["score"] == "28.57"
    assert "85" in scores["A1"]["formula"]

    result = reporter.get(f"/cycles/{cycle.id}/units/{jinshui.id}/result").data.decode()
    assert "85.57" in result and "得分依据" in result and "台账不全" in result
    ranking = as_user("viewer").get(f"/cycles/{cycle.id}/ranking").data.decode()
    assert "金水区" in ranking and "85.57" in ranking

    # Republishing needs a reason and keeps the earlier snapshot.
    admin.post(f"/cycles/{cycle.id}/publish", data=publish_form(cycle, reason=""))
    assert ResultSnapshot.select().count() == 1
    admin.post(f"/cycles/{cycle.id}/publish", data=publish_form(cycle, reason="更正数据"))
    assert ResultSnapshot.select().count() == 2
    assert ResultSnapshot.select().where(ResultSnapshot.current == True).count() == 1  # noqa: E712

    actions = {e.action for e in AuditEntry.select(AuditEntry.action)}
    assert {
        "cycle.create",
        "cycle.transition",
        "submission.save",
        "submission.submit",
        "submission.return",
        "submission.verify",
        "evidence.upload",
        "cycle.publish",
    } <= actions
    from assess.core import audit

    assert audit.verify() == []


def test_opening_freezes_the_indicator_set(as_user, db):
    from assess.cycles import lifecycle
    from tests.cycle_helpers import make_cycle

    cycle = make_cycle("open")
    try:
        lifecycle.replace_indicator_set(cycle, SET_PATH.read_text("utf-8"), "x.yaml")
    except lifecycle.CycleError as exc:
        assert "冻结" in str(exc)
    else:
        raise AssertionError("an open cycle's set was replaced")


def test_bad_indicator_file_lists_every_error(as_user, db):
    bad = (
        SET_PATH.read_text("utf-8")
        .replace("weight: 40", "weight: -1")
        .replace("floor: 60", "floor: 99")
    )
    r = as_user("admin").post(
        "/cycles/new",
        data={
            "year": 2026,
            "name": "坏文件",
            "shipped_set": "",
            "previous": 0,
            "upload": (io.BytesIO(bad.encode()), "bad.yaml"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    page = r.data.decode()
    assert "指标体系文件有误" in page and "A1" in page
    assert not Cycle.select().exists()
