"""The API's writes of a unit's self-report (自评): one indicator read and saved with
``If-Match``, and the whole report handed in.

The same services as the form (``assess.cycles.submissions``) do the work, so the same
checks hold, inside the same transaction: the cycle open, the unit's deadline not passed,
the item not handed in, the version unchanged. Who may is ``policy``'s (the route guard and
``submissions.edit_own``); a read token is refused every write there.
"""

from __future__ import annotations

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from assess.api import reads
from assess.api.preconditions import expected_version, version_etag
from assess.api.schemas import ProblemSchema
from assess.api.views import PROBLEM_JSON, bp, rate_limited
from assess.api.write_schemas import (
    EvidenceUploadSchema,
    ItemSchema,
    ItemWriteSchema,
    SubmitResultSchema,
)
from assess.core.db import database
from assess.core.enums import CycleState
from assess.core.policy import allow, can
from assess.cycles import submissions
from assess.cycles.models import Cycle
from assess.evidence import attachments
from assess.evidence.storage import EvidenceStore
from assess.units.models import Unit
from assess.web.errors import problem
from assess.web.guard import require_unit, viewable_cycle

ITEM = "/cycles/<int:cycle_id>/units/<int:unit_id>/self-report/<code>"
ETAG_HEADER = {"ETag": {"description": "The item's version.", "schema": {"type": "string"}}}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "pattern": r'^"[0-9]{1,9}"$', "example": '"0"'},
    "description": 'The ETag the item was read with (its version, quoted; "0" before the '
    "first save). Neither `*` nor a weak ETag: they name no version.",
}


def _load(cycle_id: int, unit_id: int) -> tuple[Cycle, Unit]:
    """The cycle and unit if this person may see them (a reporter: its own unit only);
    404 otherwise, never confirming that they exist."""
    require_unit(current_user, unit_id)
    cycle = viewable_cycle(cycle_id)
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None or cycle.state == CycleState.DRAFT:
        abort(404)
    return cycle, unit


def _item(cycle: Cycle, unit: Unit, code: str) -> submissions.Item:
    for item in submissions.unit_items(cycle, unit):
        if item.indicator.code == code:
            return item
    abort(404)  # no such indicator, or not assessed for this unit


def _row(item: submissions.Item, warning: str | None = None) -> dict:
    sub = item.submission
    return {
        "code": item.indicator.code,
        "name": item.indicator.name,
        "measure": item.indicator.measure,
        "value": sub.value_text if sub else "",
        "narrative": sub.narrative if sub else "",
        "status": sub.status if sub else None,
        "return_reason": sub.return_reason if sub else "",
        "version": sub.version if sub else 0,
        "updated_at": reads.utc(sub.updated_at) if sub else None,
        "evidence": [
            {
                "name": e.original_name,
                "size": e.size,
                "mime": e.mime,
                "uploaded_at": reads.utc(e.uploaded_at),
            }
            for e in item.evidence
        ],
        "warning": warning,
    }


def _answer(item: submissions.Item, warning: str | None = None):
    row = _row(item, warning)
    return row, {"ETag": f'"{version_etag(row["version"])}"'}


@bp.route(ITEM, endpoint="self_report_item")
@allow("submissions.view")
@bp.response(200, ItemSchema, headers=ETAG_HEADER)
@bp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@rate_limited
def self_report_item(cycle_id: int, unit_id: int, code: str):
    """One indicator of a unit's self-report (自评): its value, account and state, with its
    version as the ETag a save sends back in ``If-Match``."""
    cycle, unit = _load(cycle_id, unit_id)
    return _answer(_item(cycle, unit, code))


def _refusals(*codes: int):
    """The problem answers a write documents, each as problem+json."""

    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, schema=ProblemSchema, content_type=PROBLEM_JSON)(view)
        return view

    return decorate


@bp.route(ITEM, methods=["PUT"], endpoint="save_self_report_item")
@allow("submissions.edit_own")
@bp.doc(parameters=[IF_MATCH])  # the operation's, not the path's: the GET takes none
@bp.arguments(ItemWriteSchema)
@bp.response(200, ItemSchema, headers=ETAG_HEADER)
@_refusals(403, 404, 409, 412, 428)
@rate_limited
def save_self_report_item(body: dict, cycle_id: int, unit_id: int, code: str):
    """Save one indicator's value and account as a draft (保存草稿), as the form does: only
    the unit's own reporter, while the cycle is open and its deadline has not passed, and
    only a draft or returned item. ``If-Match`` must name the version read (428 without it,
    412 when someone saved since); a value the indicator does not take is 422 on ``value``;
    a cycle or item that takes no writes now is 409."""
    cycle, unit = _load(cycle_id, unit_id)
    if not can(current_user, "submissions.edit_own", submissions.SelfReport(cycle, unit)):
        abort(403)
    item = _item(cycle, unit, code)
    version = expected_version()
    try:
        submissions.normalise_value(item.indicator, body["value"].strip())
    except submissions.SubmissionError as exc:
        return problem(422, str(exc), errors={"json": {"value": [str(exc)]}})
    try:
        _sub, warning = submissions.save_value(
            cycle, unit, code, body["value"].strip(), body["narrative"], version, current_user
        )
    except submissions.ConflictError as exc:
        refused = problem(412, str(exc))
        refused.set_etag(version_etag(exc.theirs.version))
        return refused
    except submissions.SubmissionError as exc:
        return problem(409, str(exc))
    return _answer(_item(cycle, unit, code), warning)


@bp.route("/cycles/<int:cycle_id>/units/<int:unit_id>/submit", methods=["POST"], endpoint="submit")
@allow("submissions.edit_own")
@bp.response(200, SubmitResultSchema)
@_refusals(403, 404, 409)
@rate_limited
def submit(cycle_id: int, unit_id: int):
    """Hand in the unit's self-report (提交): every draft or returned item, once every scored
    item has a value; refused (409, with the reason) while the cycle is not open, after the
    unit's deadline or with items still empty. No ``If-Match``: it writes no value, and a
    second call finds nothing left to hand in (409)."""
    cycle, unit = _load(cycle_id, unit_id)
    if not can(current_user, "submissions.edit_own", submissions.SelfReport(cycle, unit)):
        abort(403)
    try:
        count = submissions.submit_unit(cycle, unit, current_user)
    except submissions.SubmissionError as exc:
        return problem(409, str(exc))
    return {"submitted": count}


@bp.route(ITEM + "/evidence", methods=["POST"], endpoint="upload_evidence")
@allow("submissions.edit_own")
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(EvidenceUploadSchema, location="files")
@bp.response(201, ItemSchema, headers=ETAG_HEADER)
@_refusals(403, 404, 409, 412, 413, 428)
@rate_limited
def upload_evidence(_files: dict, cycle_id: int, unit_id: int, code: str):
    """Attach evidence files (上传佐证材料) to a saved draft or returned item, as the form
    does: each file checked by its content (its name and stated type are not trusted), all
    recorded with the item's next version in one transaction, or none. ``If-Match`` names
    the version read; an item not saved yet takes its value first (409)."""
    cycle, unit = _load(cycle_id, unit_id)
    if not can(current_user, "submissions.edit_own", submissions.SelfReport(cycle, unit)):
        abort(403)
    item = _item(cycle, unit, code)
    version = expected_version()
    if item.submission is None:
        return problem(409, _("请先保存该指标的自评值，再上传佐证材料。"))
    store = EvidenceStore.from_config(current_app.config)
    try:
        # Checked and stored before the transaction, as on the page: a bad file refuses
        # the lot, and the rows are then written with the item's new version or not at all.
        stored = attachments.store_uploads(request.files.getlist("files"), store)
    except attachments.EvidenceError as exc:
        return problem(422, str(exc), errors={"files": {"files": [str(exc)]}})
    if not stored:
        message = _("请选择要上传的文件。")
        return problem(422, message, errors={"files": {"files": [message]}})
    sub = item.submission
    try:
        with database.atomic():
            saved, _warning = submissions.save_value(
                cycle, unit, code, sub.value_text, sub.narrative, version, current_user
            )
            attachments.attach(stored, current_user, unit.id, submission=saved)
    except submissions.ConflictError as exc:
        refused = problem(412, str(exc))
        refused.set_etag(version_etag(exc.theirs.version))
        return refused
    except (submissions.SubmissionError, attachments.EvidenceError) as exc:
        return problem(409, str(exc))
    row, headers = _answer(_item(cycle, unit, code))
    return row, 201, headers
