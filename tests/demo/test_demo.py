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
        # The county offices run their own townships' cycles and review nothing of the city's.
        offices = list(staff.where(User.scope_unit.is_null(False)))
        assert len(offices) == 2
        for office in offices:
            assert not any(can(office, "submissions.review", s) for s in waiting)
        reviewers = list(staff.where(User.scope_unit.is_null()))
        assert any(u.unit_id for u in reviewers if u.role == Role.INSPECTOR)
        for user in reviewers:
            assert any(can(user, "submissions.review", s) for s in waiting), user.username
            assert not any(
                can(user, "submissions.review", s) for s in waiting if s.unit_id == user.unit_id
            ), user.username
        _a_county_with_its_own_published_assessment()
        database.close()


def _a_county_with_its_own_published_assessment():
    """中牟县: twelve sample townships (their names say so), one with six communities, and
    its office's 2011 assessment of them published, which the city's 2011 cycle rolls up."""
    from assess.cycles import rollup

    county = Unit.by_code("410122")
    townships = list(Unit.select().where(Unit.parent == county))
    assert len(townships) == 12 and all(t.name.startswith("示例") for t in townships)
    assert Unit.select().where(Unit.parent == Unit.by_code("410122-001")).count() == 6
    city_2011 = Cycle.get(Cycle.year == 2011, Cycle.owner.is_null())
    (own,) = rollup.owned_by(city_2011, [county])[county.id]
    assert own.published and own.assessed == 12 and own.kinds == ("township",)
    assert sum(n for _grade, n in own.grades) == 12
    assert len({grade for grade, n in own.grades if n}) >= 2  # not every township alike
