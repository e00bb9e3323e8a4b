"""The audit log page (审计日志) with filters, and a check of the hash chain."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request

from assess.accounts.models import User
from assess.core import audit
from assess.core.audit import SYSTEM_ACTOR
from assess.core.labels import (
    AUDIT_ENTITY_LABELS,
    audit_action_choices,
    audit_actions_matching,
    audit_actor_label,
)
from assess.core.models import AuditEntry
from assess.core.policy import allow
from assess.cycles.models import Cycle, Submission
from assess.nominations.models import Nomination, NominationRound
from assess.units.models import Unit
from assess.web.pagination import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit")

FILTERS = ("action", "entity", "entity_id", "actor")


def _object_names(entries) -> dict[tuple[str, str], str]:
    """What each entry acts on, by name where a person reads it (a unit, an account, a
    cycle, a self-reported item, a nomination or round): a few queries per page, by kind."""
    wanted: dict[str, set[int]] = {}
    for e in entries:
        if e.entity_id.isdigit():
            wanted.setdefault(e.entity, set()).add(int(e.entity_id))
    names: dict[tuple[str, str], str] = {}

    def put(entity, rows, name):
        for row in rows:
            names[(entity, str(row.id))] = name(row)

    if wanted.get("unit"):
        put("unit", Unit.select().where(Unit.id.in_(wanted["unit"])), lambda u: u.name)
    if wanted.get("user"):
        put("user", User.select().where(User.id.in_(wanted["user"])), lambda u: u.label)
    if wanted.get("cycle"):
        put("cycle", Cycle.select().where(Cycle.id.in_(wanted["cycle"])), lambda c: c.title)
    if wanted.get("submission"):
        rows = Submission.select(Submission, Unit).join(Unit)
        put(
            "submission",
            rows.where(Submission.id.in_(wanted["submission"])),
            lambda s: f"{s.unit.name} {s.indicator_code}",
        )
    if wanted.get("nomination_round"):
        rounds = NominationRound.select().where(NominationRound.id.in_(wanted["nomination_round"]))
        put("nomination_round", rounds, lambda r: r.title)
    if wanted.get("nomination"):
        rows = Nomination.select().where(Nomination.id.in_(wanted["nomination"]))
        put("nomination", rows, lambda n: n.nominee_name)
    return names


def _date(name: str):
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d")
    except ValueError:
        return None


@bp.route("/")
@allow("audit.view")
def index():
    args = {k: request.args.get(k, "").strip() for k in FILTERS}
    query = AuditEntry.select().order_by(AuditEntry.id.desc())
    if args["action"]:
        # By the words a person reads (提交, 核定 …); a code prefix still works for the office.
        actions = audit_actions_matching(args["action"])
        query = query.where(
            AuditEntry.action.in_(actions) | AuditEntry.action.startswith(args["action"])
        )
    if args["entity"]:
        query = query.where(AuditEntry.entity == args["entity"])
    if args["entity_id"]:
        query = query.where(AuditEntry.entity_id == args["entity_id"])
    if args["actor"]:
        # The filter takes what the page shows: 系统 finds what the system did.
        by_name = AuditEntry.actor_name.contains(args["actor"])
        words = args["actor"].strip()
        if words and words in audit_actor_label(SYSTEM_ACTOR):
            by_name |= AuditEntry.actor_name == SYSTEM_ACTOR
        query = query.where(by_name)
    start, end = _date("from"), _date("to")
    if start:
        query = query.where(AuditEntry.at >= start - timedelta(hours=8))  # shown in UTC+8
    if end:
        query = query.where(AuditEntry.at < end + timedelta(days=1) - timedelta(hours=8))
    problems = audit.verify() if request.args.get("verify") else None
    page = paginate(query)
    return render_template(
        "ops/audit.html",
        page=page,
        names=_object_names(page.items),
        args=args,
        date_from=request.args.get("from", ""),
        date_to=request.args.get("to", ""),
        problems=problems,
        action_choices=audit_action_choices(),
        entity_choices=[(code, str(label)) for code, label in AUDIT_ENTITY_LABELS.items()],
    )
