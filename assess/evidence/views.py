"""Evidence downloads and removal: streamed from the store, only to those allowed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.policy import allow, can
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from assess.web.downloads import evidence_download, stored_file
from assess.web.security import safe_next

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _readable(evidence_id: int) -> Evidence:
    row = Evidence.get_or_none(Evidence.id == evidence_id)
    if row is None or not can(current_user, "evidence.read", row):
        abort(404)
    return row


@bp.route("/<int:evidence_id>")
@allow("evidence.read")
def download(evidence_id: int):
    return evidence_download(_readable(evidence_id), EvidenceStore.from_config(current_app.config))


@bp.route("/<int:evidence_id>/thumbnail")
@allow("evidence.read")
def thumbnail(evidence_id: int):
    row = _readable(evidence_id)
    if not row.has_thumbnail:
        abort(404)
    store = EvidenceStore.from_config(current_app.config)
    response = stored_file(store, row.sha256, "image/png", row.sha256 + "-t", thumbnail=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<int:evidence_id>/delete", methods=["POST"])
@allow("submissions.edit_own")
def delete(evidence_id: int):
    row = _readable(evidence_id)
    if not can(current_user, "evidence.remove", row):
        abort(404)
    try:
        attachments.remove(row, current_user)
        flash(_("已删除佐证材料 %(f)s", f=row.original_name), "success")
    except attachments.EvidenceError as exc:
        flash(str(exc), "error")
    return redirect(safe_next(request.form.get("next"), url_for("main.home")))
