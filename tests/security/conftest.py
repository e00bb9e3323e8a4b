"""A realistic world for the security tests: an open cycle in which unit A (金水区) has
filled, evidenced and submitted its self-report and has a rectification demand; a published
cycle with results; and a signed-in client for every role, including a reporter of another
unit (中原区).

Everything is built through the domain functions (``assess.submissions``, ``assess.evidence``,
``assess.rectifications``, ``assess.publishing``), so the rows are the ones real use makes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import current_app
from werkzeug.datastructures import FileStorage

from assess.accounts import users
from assess.accounts.models import User
from assess.core.db import database
from assess.core.formatting import local_today
from assess.core.models import AuditEntry
from assess.cycles import lifecycle, publishing, rectifications, submissions
from assess.cycles.models import Assignment, Cycle, Rectification, Submission
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from assess.notifications.models import Notification
from assess.units.models import Unit
from tests.conftest import login
from tests.cycle_helpers import make_cycle, pdf_bytes, png_bytes

# role -> demo account; "other" is a reporter of a different unit than "reporter".
ROLE_USERS = {
    "admin": "admin",
    "inspector": "inspector",
    "viewer": "viewer",
    "reporter": "r-410105",  # 金水区, unit A: owns the self-report below
    "other": "r-410102",  # 中原区, unit B
    "anon": None,
    "office": "office-410105",  # 金水区's own office: an admin scoped to unit A's subtree
}
ROLES = tuple(ROLE_USERS)
UNIT_A, UNIT_B = "410105", "410102"


@dataclass(frozen=True)
class World:
    open_cycle: int
    published_cycle: int
    draft_cycle: int
    unit_a: int
    unit_b: int
    submission: int  # unit A's A1 in the open cycle, submitted, with two files
    evidence_png: int
    evidence_pdf: int
    rectification: int
    assignment: int  # unit A's A1 assignment in the open cycle
    viewer_user: int
    round: int  # a nomination round, window closed, reviewed, ranked and confirmed
    nomination: int  # unit A's nomination in it, reviewed by "inspector"
    nomination_evidence: int
    run: int  # the confirmed ranking run
    notification: int  # unit A's reporter told of the rectification demand
    service_account: int  # a service account (服务账号) of the office, with no token


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def build_world() -> World:
    """Create the world's rows; call inside an app context with a connection."""
    admin = User.get(User.username == "admin")
    inspector = User.get(User.username == "inspector")
    reporter = User.get(User.username == ROLE_USERS["reporter"])
    unit_a, unit_b = Unit.get(Unit.code == UNIT_A), Unit.get(Unit.code == UNIT_B)

    cycle = make_cycle("open", year=2026, name="开放周期")
    stored = attachments.store_uploads(
        [upload(pdf_bytes(1), "调查汇总表.pdf"), upload(png_bytes(), "活动照片.png")],
        EvidenceStore.from_config(current_app.config),
    )
    sub, _ = submissions.save_value(cycle, unit_a, "A1", "90/100", "抽样 100 人", None, reporter)
    pdf_row, png_row = attachments.attach(stored, reporter, unit_a.id, submission=sub)
    submissions.save_value(cycle, unit_a, "A2", "4", "", None, reporter)
    submissions.save_value(cycle, unit_a, "B1", "优", "", None, reporter)
    submissions.submit_unit(cycle, unit_a, reporter)
    rect = rectifications.demand(
        cycle, unit_a, "补充调查样本", local_today() + timedelta(days=30), inspector, "A1"
    )
    assignment = Assignment.get(
        Assignment.cycle == cycle, Assignment.unit == unit_a, Assignment.indicator_code == "A1"
    )

    published = publish_with_values(reporter, inspector, admin, unit_a)
    draft = make_cycle("draft", year=2027, name="草稿周期")
    round_, nomination, nomination_file, run = build_nominations(reporter, inspector, admin)
    return World(
        open_cycle=cycle.id,
        published_cycle=published.id,
        draft_cycle=draft.id,
        unit_a=unit_a.id,
        unit_b=unit_b.id,
        submission=sub.id,
        evidence_png=png_row.id,
        evidence_pdf=pdf_row.id,
        rectification=rect.id,
        assignment=assignment.id,
        viewer_user=User.get(User.username == "viewer").id,
        round=round_,
        nomination=nomination,
        nomination_evidence=nomination_file,
        run=run,
        notification=Notification.get(Notification.user == reporter.id).id,
        service_account=users.create_service_account(
            "svc-dashboard", "数据看板", "viewer", actor=admin
        ).id,
    )


def build_nominations(reporter: User, inspector: User, admin: User) -> tuple[int, int, int, int]:
    """A nomination round through to a confirmed award list: unit A nominates with one file,
    the window closes, "inspector" (the whole panel) reviews, the admin ranks and confirms.
    Returns (round, nomination, evidence, run) ids."""
    from assess.nominations import entries, ranking_runs, review_sheets, rounds
    from assess.nominations.models import NominationRound, ReviewSheet
    from tests.nomination_helpers import close_window, nominee, open_round, split

    round_ = open_round(reviewers_per_nomination=1, min_reviews=1, top_n=3)
    nomination = entries.create_nomination(round_, nominee(round_, 0, "金水区"), reporter)
    (evidence,) = entries.add_evidence(
        nomination,
        [upload(png_bytes(), "事迹照片.png")],
        reporter,
        EvidenceStore.from_config(current_app.config),
    )
    close_window(round_)
    round_ = NominationRound.get_by_id(round_.id)
    review_sheets.auto_assign(round_, admin)
    sheet = ReviewSheet.get(ReviewSheet.nomination == nomination.id)
    criteria = rounds.criteria(round_)
    points = split(Decimal(90), criteria)
    entries = {c.id: (p, "事迹突出") for c, p in zip(criteria, points, strict=True)}
    review_sheets.save_review(sheet, entries, True, inspector)
    run = ranking_runs.run_ranking(round_, admin)
    ranking_runs.confirm_run(run, admin)
    return round_.id, nomination.id, evidence.id, run.id


def publish_with_values(
    reporter: User,
    inspector: User,
    admin: User,
    unit: Unit,
    narrative: str = "",
    deduction_reason: str = "台账不全",
    name: str = "已公布周期",
) -> Cycle:
    """A cycle of 2025 in which ``unit`` reported, was verified with a deduction, published."""
    cycle = make_cycle("open", year=2025, name=name)
    for code, value in (("A1", "80/100"), ("A2", "4"), ("B1", "良")):
        submissions.save_value(cycle, unit, code, value, narrative, None, reporter)
    submissions.submit_unit(cycle, unit, reporter)
    lifecycle.transition(cycle, "review", admin)
    sub = Submission.get(
        Submission.cycle == cycle, Submission.unit == unit, Submission.indicator_code == "A2"
    )
    submissions.verify_item(
        sub, sub.version, inspector, deduction=Decimal(2), deduction_reason=deduction_reason
    )
    publishing.publish(Cycle.get_by_id(cycle.id), admin)
    return Cycle.get_by_id(cycle.id)


@pytest.fixture
def world(app, demo) -> World:
    with app.app_context():
        database.connect(reuse_if_open=True)
        built = build_world()
        database.close()
    return built


@pytest.fixture
def clients(app, demo):
    """clients(role) -> a test client signed in as that role ("anon": not signed in)."""
    made: dict[str, object] = {}

    def client_for(role: str):
        if role not in made:
            c = app.test_client()
            if ROLE_USERS[role]:
                response = login(c, ROLE_USERS[role])
                assert response.status_code == 302, response.data.decode()[:300]
            made[role] = c
        return made[role]

    return client_for


def stored_files(app) -> list[Path]:
    """Every file in the evidence store (temp files included)."""
    root = Path(app.config["ASSESS_INSTANCE"]) / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def swept_files(app) -> list[Path]:
    """Every file left in the evidence store once a sweep with no grace period has run.

    No request deletes stored content (another upload may be recording the same bytes:
    issue 11.1); what a refused request stored is named by no Evidence row, and the sweep
    removes it. So "a refused request stored nothing" is: nothing outlives the sweep."""
    from assess.evidence import attachments
    from assess.evidence.storage import EvidenceStore

    attachments.sweep(EvidenceStore.from_config(app.config), 0)
    return stored_files(app)


def row_counts() -> dict[str, int]:
    """Rows of the tables a write may touch, for before/after comparisons."""
    from assess.cycles.models import ResultSnapshot

    return {
        model.__name__: model.select().count()
        for model in (
            Submission,
            Evidence,
            Cycle,
            Assignment,
            AuditEntry,
            Rectification,
            ResultSnapshot,
            Unit,
            User,
        )
    }
