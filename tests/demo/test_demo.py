"""The full demo: cycles in every state with realistic data, and an intact audit chain."""

from __future__ import annotations

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database
from assess.core.enums import Role, SubmissionState
from assess.core.policy import can
from assess.cycles.models import Appeal, Cycle, Rectification, Submission
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from assess.units.models import Unit


def test_full_demo_loads_a_living_system(app):
    from assess.demo import units as demo

    with app.app_context():
        database.connect(reuse_if_open=True)
        demo.load_demo(store=EvidenceStore.from_config(app.config))
        states = {c.name: c.state for c in Cycle.select()}
        assert "published" in states.values() and "review" in states.values()
        in_review = [c for c in Cycle.select() if c.state == "review"]
        assessed = Unit.select().where(Unit.kind.in_(["county", "department"]))
        for unit in assessed:
            assert any(
                Submission.select().where(Submission.cycle == c, Submission.unit == unit).exists()
                for c in in_review
            ), unit.name
        statuses = {s.status for s in Submission.select(Submission.status)}
        assert {"verified", "submitted", "returned"} <= statuses
        assert Evidence.select().count() > 20
        assert Rectification.select().count() >= 4
        # The published year shows both sides of 复核申诉: one answered, one waiting.
        appeal_states = sorted(a.state for a in Appeal.select())
        assert appeal_states == ["open", "rejected"]
        assert all(a.cycle.state == "published" for a in Appeal.select())
        assert audit.verify() == []
        # Recusal (回避) leaves every inspector, those working for a unit included, work.
        waiting = list(
            Submission.select().where(
                Submission.cycle.in_(in_review), Submission.status == SubmissionState.SUBMITTED
            )
        )
        staff = User.select().where(User.role.in_([Role.ADMIN, Role.INSPECTOR]))
        # 金水区's office runs its own townships' cycle and reviews nothing of the city's.
        office = staff.where(User.scope_unit.is_null(False)).get()
        assert not any(can(office, "submissions.review", s) for s in waiting)
        reviewers = list(staff.where(User.scope_unit.is_null()))
        assert any(u.unit_id for u in reviewers if u.role == Role.INSPECTOR)
        for user in reviewers:
            assert any(can(user, "submissions.review", s) for s in waiting), user.username
            assert not any(
                can(user, "submissions.review", s) for s in waiting if s.unit_id == user.unit_id
            ), user.username
        database.close()
