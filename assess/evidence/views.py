"""Evidence downloads and removal: streamed from the store, only to those allowed."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.policy import allow
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.web.security import safe_next

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _readable(evidence_id: int) -> Evidence:
    row = Evidence.get_or_none(Evidence.id == evidence_id)
    if row is None or not attachments.can_read(current_user, row):
        abort(404)
    return row


@bp.route("/<int:evidence_id>")
@allow("evidence.read")
def download(evidence_id: int):
    return attachments.download_response(_readable(evidence_id))


@bp.route("/<int:evidence_id>/thumbnail")
@allow("evidence.read")
def thumbnail(evidence_id: int):
    row = _readable(evidence_id)
    path = attachments.store().thumbnail_path(row.sha256) if row.has_thumbnail else None
    if path is None or not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/png", etag=row.sha256 + "-t")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<int:evidence_id>/delete", methods=["POST"])
@allow("submissions.edit_own")
def delete(evidence_id: int):
    row = _readable(evidence_id)
    # Nomination evidence is removed on the nomination's own page, under the round's rules.
    if row.unit_id != current_user.unit_id or row.submission_id is None:
        abort(404)
    try:
        attachments.remove(row, current_user)
        flash(_("已删除佐证材料 %(f)s", f=row.original_name), "success")
    except attachments.EvidenceError as exc:
        flash(str(exc), "error")
    return redirect(safe_next(request.form.get("next"), url_for("main.home")))
