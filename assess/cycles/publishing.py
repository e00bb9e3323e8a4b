"""Publishing (结果公布): scores from verified values (self-reported where none), ranks and
grades through ``scoring``, stored as a snapshot. Earlier snapshots are kept.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple

from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database
from assess.core.enums import COUNTED_SUBMISSION_STATES, CycleState, NotificationKind
from assess.core.formatting import local_today
from assess.core.models import utcnow
from assess.core.policy import cycle_allows
from assess.cycles.derived_values import derived_values
from assess.cycles.lifecycle import (
    CycleError,
    indicator_set,
    locked_cycle,
    overrides_for,
    write_refused,
)
from assess.cycles.models import Assignment, Cycle, ResultSnapshot, Submission, UnitResultRecord
from assess.notifications import store
from assess.units.models import Unit
from scoring.engine import UnitResult, rank_results, score_unit
from scoring.values import format_value, parse_value

# Units may appeal (复核申诉) this many days after the first publication, unless the office
# set another appeal deadline; republishing never moves it.
APPEAL_WINDOW_DAYS = 7
# The reason the office gives when it republishes after upheld appeals (申诉复核); the
# republish form offers it while upheld answers are not yet in a snapshot.
APPEAL_REPUBLISH_REASON = "申诉复核"


class Computed(NamedTuple):
    """A cycle's results as they stand: ranked ``results``, the ``units`` by code, and
    ``notes``, where each taken value came from (unit code -> indicator code -> text,
    :mod:`assess.cycles.derived_values`), printed before that item's 得分依据."""

    results: list[UnitResult]
    units: dict[str, Unit]
    notes: dict[str, dict[str, str]]


def compute_results(cycle: Cycle) -> Computed:
    """Score and rank every unit with assignments in the cycle, from the database as it is;
    an indicator with ``from_cycle:`` takes its value from the unit's own published cycle,
    whatever was typed for it."""
    parsed = indicator_set(cycle)
    # Plain tuples of the columns scoring reads, not model objects: a city of 2,000 units
    # has 36,000 assignments and as many answers, and building a model per row cost more
    # than the scoring itself.
    assigned = Assignment.select(Assignment.unit).where(Assignment.cycle == cycle).distinct()
    unit_ids = {unit_id for (unit_id,) in assigned.tuples()}
    units = {u.id: u for u in Unit.select().where(Unit.id.in_(list(unit_ids)))} if unit_ids else {}
    values: dict[int, dict] = {}
    deductions: dict[int, dict[str, Decimal]] = {}
    query = Submission.select(
        Submission.unit,
        Submission.indicator_code,
        Submission.value_text,
        Submission.verified_value_text,
        Submission.deduction,
    ).where(Submission.cycle == cycle, Submission.status.in_(COUNTED_SUBMISSION_STATES))
    for unit_id, code, value_text, verified_text, deduction in query.tuples():
        text = verified_text or value_text
        if text:
            indicator = parsed.indicator(code)
            values.setdefault(unit_id, {})[code] = parse_value(indicator, text, check_bounds=False)
        if deduction:
            deductions.setdefault(unit_id, {})[code] = Decimal(deduction)
    notes: dict[str, dict[str, str]] = {}
    for uid, taken in derived_values(cycle, parsed, units).items():
        unit_values = values.setdefault(uid, {})
        for code, item in taken.items():
            unit_values.pop(code, None)
            if item.value is not None:
                unit_values[code] = item.value
            notes.setdefault(units[uid].code, {})[code] = item.note
    overrides = overrides_for(cycle)
    results = [
        score_unit(
            parsed,
            unit.code,
            unit.kind,
            values.get(uid, {}),
            overrides.get(uid),
            deductions=deductions.get(uid),
        )
        for uid, unit in units.items()
    ]
    return Computed(rank_results(results), {u.code: u for u in units.values()}, notes)


def _score_json(result: UnitResult, notes: dict[str, str]) -> str:
    out = {}
    for code, item in result.scores.items():
        explanation = item.explanation
        basis = explanation.basis
        if code in notes:
            basis = _("%(note)s；%(basis)s", note=notes[code], basis=basis)
        out[code] = {
            "score": str(item.score),
            "value": None if item.value is None else format_value(item.value),
            "missing": item.missing,
            "rule": explanation.rule,
            "formula": explanation.formula,
            "basis": basis,
            "source": explanation.source,
            "deduction": str(item.deduction) if item.deduction else "",
        }
    return json.dumps(out, ensure_ascii=False)


def publish(
    cycle: Cycle,
    actor: User,
    reason: str = "",
    confirmed: dict[str, int] | None = None,
    unreported: list[dict] | None = None,
    unreported_reason: str = "",
) -> ResultSnapshot:
    """Store a new snapshot and mark it current; republishing needs a reason. The snapshot
    keeps the audit chain's head after its publish entry (``audit_count``, ``audit_mac``).

    The cycle row is locked for the whole transaction and the scores are computed inside
    it, so no save, review or reopening can land between the check, the scoring and the
    snapshot: a conflicting action either finished before (and is counted) or is refused.
    ``confirmed`` (check key -> count), ``unreported`` (units that never reported, as
    ``{"unit": id, "name": name}``) and ``unreported_reason`` are what the office confirmed
    on the pre-publish check (``publish_checks.publish_confirmed``, the office's way to
    publish); stored with the snapshot and audited. Without them (the demo, benchmarks,
    tests) the results are published as they stand and the snapshot records no check.
    """
    with database.atomic():
        current = locked_cycle(cycle.id)
        if not cycle_allows(current, "publish"):
            raise CycleError(write_refused("publish"))
        if current.state == CycleState.PUBLISHED and not reason.strip():
            raise CycleError(_("重新发布须填写原因"))
        results, units, notes = compute_results(current)
        last = (
            ResultSnapshot.select()
            .where(ResultSnapshot.cycle == cycle)
            .order_by(ResultSnapshot.version.desc())
            .first()
        )
        ResultSnapshot.update(current=False).where(ResultSnapshot.cycle == cycle).execute()
        snapshot = ResultSnapshot.create(
            cycle=cycle,
            version=(last.version + 1) if last else 1,
            published_by=actor,
            reason=reason.strip(),
            confirmed=json.dumps(confirmed or {}),
            unreported=json.dumps(unreported or [], ensure_ascii=False),
            unreported_reason=unreported_reason,
        )
        rows = [
            {
                "snapshot": snapshot.id,
                "unit": units[r.unit].id,
                "kind": r.kind,
                "total": r.total,
                "grade": r.grade,
                "rank": r.rank,
                "veto": r.veto,
                "missing": json.dumps(list(r.missing)),
                "scores": _score_json(r, notes.get(r.unit, {})),
            }
            for r in results
        ]
        for start in range(0, len(rows), 200):
            UnitResultRecord.insert_many(rows[start : start + 200]).execute()
        before = {"state": current.state}
        changes = {"state": CycleState.PUBLISHED, "published_at": utcnow()}
        if last is None and current.appeal_due is None:
            changes["appeal_due"] = local_today() + timedelta(days=APPEAL_WINDOW_DAYS)
        Cycle.update(**changes).where(Cycle.id == cycle.id).execute()
        for key, value in changes.items():
            setattr(cycle, key, value)
        audit.record(
            "cycle.publish",
            "cycle",
            cycle.id,
            before=before,
            after={
                "state": CycleState.PUBLISHED,
                "snapshot": snapshot.version,
                "units": len(rows),
                "reason": reason.strip(),
            }
            | ({"appeal_due": changes["appeal_due"]} if "appeal_due" in changes else {})
            | (
                {
                    "confirmed": confirmed,
                    "unreported": [u["name"] for u in unreported or []],
                    "unreported_reason": unreported_reason,
                }
                if confirmed is not None
                else {}
            ),
            actor=actor,
        )
        # The head is locked by the entry just written, so nothing comes between the two.
        head = audit.head()
        snapshot.audit_count, snapshot.audit_mac = head.count, head.mac
        ResultSnapshot.update(audit_count=head.count, audit_mac=head.mac).where(
            ResultSnapshot.id == snapshot.id
        ).execute()
        republished = before["state"] == CycleState.PUBLISHED
        _notify_published(cycle, [row["unit"] for row in rows], republished, reason.strip())
    return snapshot


def _notify_published(cycle: Cycle, unit_ids: list[int], republished: bool, reason: str) -> None:
    """Tell the reporters of every published unit, each with a link to its own result; a
    republication (重新公布) says why."""
    store.notify_units(
        unit_ids,
        NotificationKind.CYCLE_REPUBLISHED if republished else NotificationKind.CYCLE_PUBLISHED,
        {"cycle": cycle.title, "reason": reason},
        lambda unit_id: store.target("cycles.unit_result", cycle_id=cycle.id, unit_id=unit_id),
    )


def current_snapshot(cycle: Cycle) -> ResultSnapshot | None:
    return ResultSnapshot.get_or_none(ResultSnapshot.cycle == cycle, ResultSnapshot.current == True)  # noqa: E712
