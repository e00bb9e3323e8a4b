"""The audit log page (审计日志) with filters, and a check of the hash chain."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request

from assess.core import audit
from assess.core.labels import AUDIT_ENTITY_LABELS, audit_action_choices, audit_actions_matching
from assess.core.models import AuditEntry
from assess.core.policy import allow
from assess.web.pagination import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit")

FILTERS = ("action", "entity", "entity_id", "actor")


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
        query = query.where(AuditEntry.actor_name.contains(args["actor"]))
    start, end = _date("from"), _date("to")
    if start:
        query = query.where(AuditEntry.at >= start - timedelta(hours=8))  # shown in UTC+8
    if end:
        query = query.where(AuditEntry.at < end + timedelta(days=1) - timedelta(hours=8))
    problems = audit.verify() if request.args.get("verify") else None
    return render_template(
        "ops/audit.html",
        page=paginate(query),
        args=args,
        date_from=request.args.get("from", ""),
        date_to=request.args.get("to", ""),
        problems=problems,
        action_choices=audit_action_choices(),
        entity_choices=[(code, str(label)) for code, label in AUDIT_ENTITY_LABELS.items()],
    )
