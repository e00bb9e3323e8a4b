"""The pre-publish check (发布前检查): what is still unfinished when the office publishes,
each exception confirmed by the office, the checks done again inside the publishing
transaction.

Five checks: units that never reported (从未报送), units that reported part of their
indicators, items handed in but not verified (未核定), rectification demands not closed,
and deadlines not yet passed. Each non-empty check carries a ``token``, a digest of what it
lists; the page sends back the tokens of what the office confirmed, and ``publish_confirmed``
publishes only when every non-empty check, re-done on the locked cycle row, still has the
token confirmed. Publishing with units that never reported needs a written reason, stored
with the snapshot and printed with the results.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from assess.accounts.models import User
from assess.core.db import database
from assess.core.enums import RectificationState, SubmissionState
from assess.core.formatting import local_today
from assess.core.labels import rectification_state_label, submission_state_label
from assess.cycles.lifecycle import CycleError, indicator_set, locked_cycle
from assess.cycles.models import Cycle, DeadlineExtension, Rectification, ResultSnapshot, Submission
from assess.cycles.pages import unit_statuses
from assess.cycles.publishing import publish
from assess.units.models import Unit

MAX_REASON_CHARS = 2000
# key -> (title, what confirming it means), in the order the page lists them.
CHECKS: dict[str, tuple[object, object]] = {
    "unreported": (
        _l("从未报送的单位"),
        _l("这些单位没有提交任何指标，发布后各项指标按未填报计 0 分；须填写发布说明，随结果印发"),
    ),
    "incomplete": (
        _l("部分指标未提交的单位"),
        _l("未提交的指标按未填报计 0 分"),
    ),
    "unverified": (
        _l("尚未核定的指标"),
        _l("按单位的自评值计分（被退回的按其当前填报值）"),
    ),
    "rectifications": (
        _l("尚未关闭的整改要求"),
        _l("发布后整改要求及其报送不能再修改"),
    ),
    "deadlines": (
        _l("尚未到期的截止日期"),
        _l("发布后各单位不能再填报，已批准的延期随之失效"),
    ),
}


@dataclass(frozen=True)
class PublishCheck:
    """One check of the pre-publish page: ``rows`` are what it found, as the lines a
    person reads (tuples of text cells); ``token`` a digest of what they are."""

    key: str
    rows: tuple[tuple[str, ...], ...]
    token: str
    identities: tuple = ()  # what each row is (a unit id, a submission id and state …)

    @property
    def title(self) -> str:
        return str(CHECKS[self.key][0])

    @property
    def consequence(self) -> str:
        return str(CHECKS[self.key][1])

    @property
    def count(self) -> int:
        return len(self.rows)


def _check(key: str, found: list[tuple[object, tuple[str, ...]]]) -> PublishCheck:
    """A check from (identity, row) pairs: the token digests the identities, so a name
    changed meanwhile does not count as a change, a unit or item more or less does."""
    identities = json.dumps(sorted(str(identity) for identity, _row in found))
    token = hashlib.sha256(f"{key}:{identities}".encode()).hexdigest()[:16] if found else ""
    rows = tuple(row for _identity, row in found)
    return PublishCheck(key, rows, token, tuple(identity for identity, _row in found))


def prepublish_checks(cycle: Cycle, today: date | None = None) -> list[PublishCheck]:
    """Every check, in the page's order, empty ones included (a fixed number of queries)."""
    today = today or local_today()
    statuses = unit_statuses(cycle, today)
    units = {u.id: u for u in Unit.select().where(Unit.id.in_(list(statuses) or [0]))}
    order = sorted(statuses, key=lambda uid: (units[uid].sort_order, units[uid].code))
    unreported, incomplete = [], []
    for uid in order:
        p = statuses[uid].progress
        if p.handed_in + p.returned == 0:
            unreported.append((uid, (units[uid].name,)))
        elif not p.complete:
            missing = p.required - p.required_handed_in
            incomplete.append(((uid, missing), (units[uid].name, _("%(n)s 项未提交", n=missing))))
    parsed = indicator_set(cycle)
    names = {i.code: i.name for i in parsed.indicators()}
    unverified = [
        (
            (sub.id, sub.status),
            (
                sub.unit.name,
                f"{sub.indicator_code} {names.get(sub.indicator_code, '')}".strip(),
                submission_state_label(sub.status),
            ),
        )
        for sub in Submission.select(Submission, Unit)
        .join(Unit)
        .where(
            Submission.cycle == cycle,
            Submission.status.in_([SubmissionState.SUBMITTED, SubmissionState.RETURNED]),
        )
        .order_by(Unit.sort_order, Unit.code, Submission.indicator_code)
    ]
    rects = [
        (
            (r.id, r.status),
            (
                r.unit.name,
                f"{r.indicator_code} {names.get(r.indicator_code, '')}".strip() or _("整体"),
                r.demand,
                rectification_state_label(r.status),
                r.due_date.isoformat(),
            ),
        )
        for r in Rectification.select(Rectification, Unit)
        .join(Unit)
        .where(Rectification.cycle == cycle, Rectification.status != RectificationState.CLOSED)
        .order_by(Unit.sort_order, Unit.code, Rectification.due_date)
    ]
    return [
        _check("unreported", unreported),
        _check("incomplete", incomplete),
        _check("unverified", unverified),
        _check("rectifications", rects),
        _check("deadlines", _open_deadlines(cycle, today)),
    ]


def _open_deadlines(cycle: Cycle, today: date) -> list[tuple[object, tuple[str, ...]]]:
    found = []
    if cycle.self_report_due and cycle.self_report_due >= today:
        due = cycle.self_report_due.isoformat()
        found.append((("self_report", due), (_("自评截止"), due)))
    for ext in (
        DeadlineExtension.select(DeadlineExtension, Unit)
        .join(Unit)
        .where(DeadlineExtension.cycle == cycle, DeadlineExtension.due >= today)
        .order_by(Unit.sort_order, Unit.code)
    ):
        due = ext.due.isoformat()
        found.append((("extension", ext.unit_id, due), (_("%(u)s 延期", u=ext.unit.name), due)))
    if cycle.review_due and cycle.review_due >= today:
        due = cycle.review_due.isoformat()
        found.append((("review", due), (_("核查截止"), due)))
    return found


def confirmation_problems(
    checks: list[PublishCheck], confirmed: Mapping[str, str], unreported_reason: str
) -> list[str]:
    """Why publishing with these confirmations is refused (empty: it may go ahead): a
    non-empty check not confirmed, or confirmed as it was and no longer is; units that
    never reported without a reason."""
    problems = []
    for check in checks:
        if not check.rows:
            continue
        if not confirmed.get(check.key):
            problems.append(_("请确认“%(t)s”（%(n)s 项）", t=check.title, n=check.count))
        elif confirmed[check.key] != check.token:
            problems.append(
                _(
                    "“%(t)s”在您检查之后有变化（现为 %(n)s 项），请重新核对后再确认",
                    t=check.title,
                    n=check.count,
                )
            )
    unreported = next(c for c in checks if c.key == "unreported")
    if unreported.rows and not unreported_reason.strip():
        problems.append(_("有单位从未报送，须填写发布说明（随结果印发）"))
    if len(unreported_reason) > MAX_REASON_CHARS:
        problems.append(_("发布说明不能超过 %(n)s 字", n=MAX_REASON_CHARS))
    return problems


def publish_confirmed(
    cycle: Cycle,
    actor: User,
    confirmed: Mapping[str, str],
    unreported_reason: str = "",
    reason: str = "",
    today: date | None = None,
) -> ResultSnapshot:
    """Publish (``publishing.publish``) after the office confirmed the exceptions it saw.

    Inside one transaction, on the cycle row locked for update, the checks are done again:
    what was confirmed must still be what is true, else CycleError lists every problem
    (``confirmation_problems``) and nothing is published. The snapshot keeps what was
    confirmed, the units that never reported and the reason given for them.
    """
    with database.atomic():
        current = locked_cycle(cycle.id)
        checks = prepublish_checks(current, today)
        problems = confirmation_problems(checks, confirmed, unreported_reason)
        if problems:
            raise CycleError(_("未发布：发布前检查的结果须逐项确认"), problems)
        unreported = next(c for c in checks if c.key == "unreported")
        return publish(
            cycle,
            actor,
            reason,
            confirmed={c.key: c.count for c in checks if c.rows},
            unreported=[
                {"unit": uid, "name": row[0]}
                for uid, row in zip(unreported.identities, unreported.rows, strict=True)
            ],
            unreported_reason=unreported_reason.strip() if unreported.rows else "",
        )
