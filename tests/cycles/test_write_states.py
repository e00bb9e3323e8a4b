"""Every write route × every cycle state: a write the state allows changes the database and
says so; a refused one changes nothing and says why (or, for a reporter in a draft cycle
they cannot see, is a 404). The expected table is written out here, from SPEC §2, and must
equal the policy's ``CYCLE_WRITES``: a change to one without the other fails."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage

from assess.accounts.models import User
from assess.core import policy
from assess.core.enums import CycleState
from assess.core.formatting import local_today
from assess.core.models import AuditEntry
from assess.cycles import rectifications, submissions
from assess.cycles.models import (
    Appeal,
    Assignment,
    Cycle,
    Rectification,
    ResultSnapshot,
    Submission,
)
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from tests.cycle_helpers import make_cycle, pdf_bytes, publish_form, unit

DRAFT, OPEN, REVIEW, PUBLISHED, ARCHIVED = tuple(CycleState)
ALL_STATES = tuple(CycleState)

# Which states take each kind of write (SPEC §2): nothing is written to an archived cycle;
# the rectification exchange is printed in the published report, so it ends at publishing.
EXPECTED_WRITES = {
    "setup": {DRAFT},
    "self_report": {OPEN},
    "review": {OPEN, REVIEW},
    "rectification": {OPEN, REVIEW},
    "publish": {REVIEW, PUBLISHED},
    "deadlines": {DRAFT, OPEN, REVIEW},
    "chase": {OPEN, REVIEW},
    "appeal": {PUBLISHED},
    "appeal_due": {OPEN, REVIEW, PUBLISHED},
}


# What a refused write of each kind says (the services' one message per kind).
REFUSALS = {
    "setup": "指标体系和目标责任书已冻结",
    "self_report": "考核周期不在自评填报阶段",
    "review": "考核周期不在核查阶段",
    "rectification": "整改要求及其报送不能再修改",
    "publish": "只有督查核查阶段或已公布的考核周期才能发布结果",
    "deadlines": "结果已公布，截止日期不能再修改",
    "chase": "只有自评填报或督查核查阶段才能催报",
    "appeal": "考核结果公布后、归档前方可提出和答复复核申诉",
    "appeal_due": "只有已开启且未归档的考核周期才能设定申诉截止日期",
}


@dataclass
class World:
    cycle: Cycle
    unit_id: int
    a1: Submission  # a draft with one evidence file
    a2: Submission  # handed in
    rect: Rectification
    evidence: Evidence
    assignment: Assignment
    appeal: Appeal  # unit A's appeal on A2, waiting for its answer


def _world(app, state: CycleState, year: int) -> World:
    """A cycle filled while open, then put in ``state`` (the rows each route needs)."""
    reporter = User.get(User.username == "r-410105")
    inspector = User.get(User.username == "inspector")
    jinshui = unit("410105")
    cycle = make_cycle("open", year=year, name=f"状态{state}")
    a1, _ = submissions.save_value(cycle, jinshui, "A1", "90/100", "", 0, reporter)
    stored = attachments.store_uploads(
        [FileStorage(stream=io.BytesIO(pdf_bytes(1)), filename="台账.pdf")],
        EvidenceStore.from_config(app.config),
    )
    (evidence,) = attachments.attach(stored, reporter, jinshui.id, submission=a1)
    a2, _ = submissions.save_value(cycle, jinshui, "A2", "4", "", 0, reporter)
    submissions.save_value(cycle, jinshui, "B1", "优", "", 0, reporter)
    Submission.update(status="submitted").where(Submission.id == a2.id).execute()
    rect = rectifications.demand(
        cycle, jinshui, "补充调查样本", local_today() + timedelta(days=10), inspector
    )
    Cycle.update(state=state).where(Cycle.id == cycle.id).execute()
    appeal = Appeal.create(
        cycle=cycle, unit=jinshui, indicator_code="A2", reason="纪要漏传", snapshot_version=1
    )
    assignment = Assignment.get(
        Assignment.cycle == cycle, Assignment.unit == jinshui, Assignment.indicator_code == "A1"
    )
    return World(
        Cycle.get_by_id(cycle.id),
        jinshui.id,
        Submission.get_by_id(a1.id),
        Submission.get_by_id(a2.id),
        rect,
        evidence,
        assignment,
        appeal,
    )


def _fingerprint(w: World) -> tuple:
    """Everything a write route could change in the world's cycle, and the audit trail."""

    def rows(model, *where):
        return [tuple(r.values()) for r in model.select().where(*where).order_by(model.id).dicts()]

    return (
        rows(Cycle, Cycle.id == w.cycle.id),
        rows(Submission, Submission.cycle == w.cycle.id),
        rows(Rectification, Rectification.cycle == w.cycle.id),
        rows(Evidence, Evidence.unit == w.unit_id),
        rows(Assignment, Assignment.cycle == w.cycle.id),
        rows(ResultSnapshot, ResultSnapshot.cycle == w.cycle.id),
        AuditEntry.select().count(),
    )


def _self(w: World) -> str:
    return f"/cycles/{w.cycle.id}/units/{w.unit_id}"


def _inspection(w: World) -> str:
    return f"/cycles/{w.cycle.id}/inspection"


# route name -> (kind of write, who, how to build the request from the world)
ROUTES = {
    "save value": (
        "self_report",
        "r-410105",
        lambda w: (f"{_self(w)}/items/A1", {"value": "80/100", "version": w.a1.version}),
    ),
    "save the self-report page": (
        "self_report",
        "r-410105",
        lambda w: (f"{_self(w)}/save", {"value-A1": "80/100", "version-A1": w.a1.version}),
    ),
    "submit self-report": ("self_report", "r-410105", lambda w: (f"{_self(w)}/submit", {})),
    "remove evidence": (
        "self_report",
        "r-410105",
        lambda w: (f"/evidence/{w.evidence.id}/delete", {}),
    ),
    "return item": (
        "review",
        "inspector",
        lambda w: (
            f"{_inspection(w)}/items/{w.a2.id}",
            {"action": "return", "version": w.a2.version, "return_reason": "数据不全"},
        ),
    ),
    "verify item with a deduction": (
        "review",
        "inspector",
        lambda w: (
            f"{_inspection(w)}/items/{w.a2.id}",
            {
                "action": "verify",
                "version": w.a2.version,
                "deduction": "1",
                "deduction_reason": "台账不全",
            },
        ),
    ),
    "demand rectification": (
        "rectification",
        "inspector",
        lambda w: (
            f"{_inspection(w)}/units/{w.unit_id}/rectifications",
            {
                "indicator_code": "",
                "demand": "补充台账",
                "due_date": (local_today() + timedelta(days=5)).isoformat(),
            },
        ),
    ),
    "answer rectification": (
        "rectification",
        "r-410105",
        lambda w: (f"{_self(w)}/rectifications/{w.rect.id}", {"response": "已补充"}),
    ),
    "close rectification": (
        "rectification",
        "inspector",
        lambda w: (f"{_inspection(w)}/rectifications/{w.rect.id}/close", {"note": "已核实"}),
    ),
    "set target and weight": (
        "setup",
        "admin",
        lambda w: (
            f"/cycles/{w.cycle.id}/assignments/{w.assignment.id}",
            {"target": "95", "weight": "3"},
        ),
    ),
    "edit deadlines": (
        "deadlines",
        "admin",
        lambda w: (
            f"/cycles/{w.cycle.id}/deadlines",
            {"self_report_due": "2099-12-30", "reason": "统一调整"},
        ),
    ),
    "chase units": (
        "chase",
        "admin",
        lambda w: (
            f"/notifications/chase/{w.cycle.id}",
            {"units": str(w.unit_id), "message": "请尽快提交"},
        ),
    ),
    "answer an appeal": (
        "appeal",
        "inspector",
        lambda w: (
            f"/cycles/{w.cycle.id}/appeals/{w.appeal.id}/answer",
            {"outcome": "rejected", "answer": "纪要日期不在考核年度内"},
        ),
    ),
    "set the appeal deadline": (
        "appeal_due",
        "admin",
        lambda w: (
            f"/cycles/{w.cycle.id}/appeal-due",
            {"appeal-appeal_due": "2099-12-31", "appeal-reason": "按文件规定"},
        ),
    ),
    "publish results": (
        "publish",
        "admin",
        lambda w: (f"/cycles/{w.cycle.id}/publish", publish_form(w.cycle, reason="复核更正")),
    ),
}


def test_the_policy_table_is_the_one_decided():
    assert {k: set(v) for k, v in policy.CYCLE_WRITES.items()} == EXPECTED_WRITES
    assert {kind for kind, _who, _req in ROUTES.values()} == set(EXPECTED_WRITES)


def _flashes(client, clear: bool = False) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        flashes = list(session.get("_flashes", []))
        if clear:
            session.pop("_flashes", None)
    return flashes


@pytest.mark.parametrize("route", ROUTES)
def test_each_write_route_in_each_cycle_state(app, as_user, db, route):
    kind, who, build = ROUTES[route]
    client = as_user(who)
    for year, state in enumerate(ALL_STATES, start=2030):
        w = _world(app, state, year)
        before = _fingerprint(w)
        url, data = build(w)
        _flashes(client, clear=True)
        response = client.post(url, data=data, content_type="multipart/form-data")
        flashes = _flashes(client)
        after = _fingerprint(w)
        where = f"{route} in a {state} cycle: {response.status_code} {flashes}"
        if state in EXPECTED_WRITES[kind]:
            assert response.status_code == 302, where
            assert after != before, where
            assert [c for c, _m in flashes] == ["success"], where
            continue
        assert after == before, where
        if state == DRAFT and response.status_code == 404:
            continue  # a draft cycle has no self-report or inspection pages yet
        if response.status_code in (200, 400, 409):  # a form page shown again with its message
            messages = [REFUSALS[kind]] if REFUSALS[kind] in response.text else []
        else:
            assert response.status_code == 302, where
            assert flashes and all(c == "error" for c, _m in flashes), where
            messages = [m for _c, m in flashes]
        # the message says what the cycle's state refuses
        assert any(REFUSALS[kind] in m for m in messages), where
