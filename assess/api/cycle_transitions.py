"""The office's cycle transitions through the API: one cycle read with its ETag, and moved
to another state with ``If-Match``.

The ETag is a hash of the cycle as the API shows it; the transition compares it with the
cycle re-read and locked inside its own transaction, so a cycle another office member moved
or rescheduled since it was read is refused (412) rather than moved on stale knowledge.
Publishing is not a transition here: it goes through the pre-publish check on its page.
"""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _
from flask_login import current_user

from assess.api import reads
from assess.api.preconditions import expected_etag
from assess.api.schemas import CycleSchema, ProblemSchema
from assess.api.views import PROBLEM_JSON, bp, rate_limited
from assess.api.write_schemas import TransitionSchema
from assess.core.db import database
from assess.core.policy import allow
from assess.cycles import lifecycle
from assess.cycles.models import Cycle
from assess.web.errors import problem
from assess.web.guard import viewable_cycle

ETAG_HEADER = {"ETag": {"description": "The cycle as read.", "schema": {"type": "string"}}}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "pattern": r'^"[0-9a-f]{40}"$'},
    "description": "The ETag of the cycle as read (GET /api/v1/cycles/{cycle_id}), quoted.",
}


def cycle_etag(cycle: Cycle) -> str:
    """A strong validator of the cycle's representation: it changes with any shown field."""
    text = CycleSchema().dumps(reads.cycle_row(cycle), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _answer(cycle: Cycle):
    return reads.cycle_row(cycle), {"ETag": f'"{cycle_etag(cycle)}"'}


@bp.route("/cycles/<int:cycle_id>", endpoint="cycle")
@allow("cycles.view")
@bp.response(200, CycleSchema, headers=ETAG_HEADER)
@bp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@rate_limited
def cycle(cycle_id: int):
    """One assessment cycle (考核周期) and its state, with the ETag a transition sends back."""
    return _answer(viewable_cycle(cycle_id))


@bp.route("/cycles/<int:cycle_id>/transitions", methods=["POST"], endpoint="transition")
@allow("cycles.manage")
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(TransitionSchema)
@bp.response(200, CycleSchema, headers=ETAG_HEADER)
@bp.alt_response(403, schema=ProblemSchema, content_type=PROBLEM_JSON)
@bp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@bp.alt_response(409, schema=ProblemSchema, content_type=PROBLEM_JSON)
@bp.alt_response(412, schema=ProblemSchema, content_type=PROBLEM_JSON)
@bp.alt_response(428, schema=ProblemSchema, content_type=PROBLEM_JSON)
@rate_limited
def transition(body: dict, cycle_id: int):
    """Move a cycle (开放填报, 进入审核, 重新开放填报 with a reason, 归档) as its page does,
    with the same rules and audit; 409 with the reason when the move is not allowed from its
    state, 412 when the cycle changed since its ETag was read."""
    cycle = viewable_cycle(cycle_id)
    seen = expected_etag(_("转换前须先读取该考核周期，并在 If-Match 请求头中带上读取时的 ETag。"))
    with database.atomic():
        current = lifecycle.locked_cycle(cycle.id)
        if cycle_etag(current) != seen:
            refused = problem(412)
            refused.set_etag(cycle_etag(current))
            return refused
        try:
            lifecycle.transition(current, body["to"], current_user, body["reason"])
        except lifecycle.CycleError as exc:
            return problem(409, str(exc))
    return _answer(current)  # ``transition`` updated it in place
