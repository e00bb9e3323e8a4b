"""Evidence (佐证材料) records: files from the store attached to submissions and nominations.

The bytes live in ``assess.storage.EvidenceStore`` (content-addressed, outside the web
root); this module keeps the database rows, who may read them, and the audit trail.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database
from assess.core.enums import EDITABLE_SUBMISSION_STATES, CycleState, Role
from assess.core.policy import REPORTER, unit_visible
from assess.cycles.models import Submission
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceRejected, EvidenceStore, StoredFile

MAX_FILES_PER_UPLOAD = 20
EVIDENCE_AUDIT_FIELDS = (
    "sha256",
    "original_name",
    "size",
    "kind",
    "unit",
    "submission",
    "nomination_id",
)


class EvidenceError(ValueError):
    """An upload or removal refused; the message names the file and the reason."""


def store() -> EvidenceStore:
    root = Path(current_app.config["ASSESS_INSTANCE"]) / "evidence"
    return EvidenceStore(root, int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)


def store_uploads(files) -> list[StoredFile]:
    """Store every non-empty upload; refuse the lot on the first bad file (nothing recorded)."""
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise EvidenceError(_("一次最多上传 %(n)s 个文件", n=MAX_FILES_PER_UPLOAD))
    the_store, stored = store(), []
    for upload in files:
        try:
            stored.append(the_store.save(upload.stream, upload.filename))
        except EvidenceRejected as exc:
            discard(stored)  # the lot is refused: files stored before this one go too
            raise EvidenceError(
                _("文件“%(f)s”未上传：%(e)s", f=upload.filename, e=str(exc))
            ) from exc
    return stored


def discard(stored: list[StoredFile]) -> None:
    """Remove stored files no Evidence row refers to: those of a refused request (bytes are
    shared by content, so a file also attached elsewhere stays)."""
    the_store = store()
    for f in stored:
        if not Evidence.select().where(Evidence.sha256 == f.sha256).exists():
            the_store.remove(f.sha256)


def attach(
    stored: list[StoredFile],
    actor: User,
    unit_id: int,
    submission: Submission | None = None,
    nomination_id: int | None = None,
) -> list[Evidence]:
    """Record stored files as evidence of a submission or a nomination; audited."""
    rows = []
    with database.atomic():
        for f in stored:
            row = Evidence.create(
                sha256=f.sha256,
                original_name=f.original_name,
                size=f.size,
                mime=f.mime,
                kind=f.kind,
                pages=f.pages,
                has_thumbnail=f.has_thumbnail,
                unit=unit_id,
                submission=submission,
                nomination_id=nomination_id,
                uploaded_by=actor,
            )
            audit.record(
                "evidence.upload",
                "evidence",
                row.id,
                after=audit.model_snapshot(row, EVIDENCE_AUDIT_FIELDS),
                actor=actor,
            )
            rows.append(row)
    return rows


def can_read(user: User, evidence: Evidence) -> bool:
    """Self-report evidence: staff read all, a reporter only its own unit's, viewers none.
    Nomination evidence follows the round's rules (conflicts of interest included)."""
    if evidence.nomination_id is not None:
        from assess.nominations.rounds import evidence_readable

        return evidence_readable(user, evidence)
    if user.role == REPORTER:
        return unit_visible(user, evidence.unit_id)
    return user.role in (Role.ADMIN, Role.INSPECTOR)


def remove(evidence: Evidence, actor: User) -> None:
    """Detach a file from an editable submission (the stored bytes may be shared, so stay)."""
    sub = evidence.submission
    if sub is not None and (
        sub.status not in EDITABLE_SUBMISSION_STATES or sub.cycle.state != CycleState.OPEN
    ):
        raise EvidenceError(_("指标已提交，不能删除佐证材料"))
    with database.atomic():
        before = audit.model_snapshot(evidence, EVIDENCE_AUDIT_FIELDS)
        evidence.delete_instance()
        audit.record("evidence.delete", "evidence", evidence.id, before=before, actor=actor)
